# WebGLIDE. `make help` lists the targets.
#
# `make test` installs what is missing (scripts/deps.sh: apt chromium and
# mesa-vulkan-drivers, npm playwright-core and deno) and then runs, in
# order, stopping at the first failure:
#   test-native         gofmt, go vet, go test ./...
#   test-wasm-chromium  GOOS=js GOARCH=wasm go test ./wasm/... in headless Chromium (SwiftShader, f32)
#   test-wasm-deno      the same under Deno on Mesa lavapipe (shader-f16)
#   test-e2e            Playwright + node --test (e2e/) against glide serve
#
# `make check-golden GOLDEN=DIR BACKEND=cpu-wasm|webgpu|webgpu-f16 [RUN=REGEXP]`
# runs the golden checks inside wasm (wasm/cmd/checkgolden) on that device,
# the fixtures served over HTTP by tools/checkgolden.mjs: cpu-wasm in Node,
# webgpu in headless Chromium (SwiftShader, f32), webgpu-f16 in Deno
# (lavapipe, shader-f16). Tolerance scales: wasm/cmd/internal/backend.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO     ?= go
BUILD  := build
WASM   := $(BUILD)/webglide.wasm
VOCAB  := $(BUILD)/glide-bpe.vocab
IMPORT_WASM := $(BUILD)/webglide-import.wasm
# The worker wasm's standard-library packages that run per message or per
# file, not per element, compiled without inlining: 30 KB less brotli
# (measured with make size), no change a user can time. Everything hot
# (runtime, math, sync, crypto, our packages) keeps it.
COLD_STD := encoding/json fmt reflect time strconv internal/strconv image/png compress/flate net/url image image/draw golang.org/x/image/draw
WASM_FLAGS := -ldflags='-s -w' $(foreach p,$(COLD_STD),-gcflags=$(p)=-l)
ADDR   ?= 127.0.0.1:8080
# Where make run keeps the converted weight bundles (git-ignored), and an
# optional mirror of the official checkpoints (glide fetch --base-url).
WEIGHTS ?= weights
FETCH_BASE_URL ?=
# Extra flags for the wasm `go test` runs. -count=1 because go test's cache
# does not know the browser or the GPU driver the tests ran on; -timeout
# 30m (go test's default is 10m per package, which wasm/webgpu's
# pipelines on a CPU adapter come near on a busy 2-core machine; the
# harnesses take their own limit from it). -tags bpe_tiktoken: the test
# binaries tokenize with the library's table compiled in (the worker and
# check-golden fetch the vocabulary file instead, glide/bpe vocab.go).
WASM_TEST_FLAGS ?= -count=1 -timeout 30m -tags bpe_tiktoken
# Extra flags for the native `go test ./...`.
TEST_FLAGS ?=
# make check-golden: fixture folder, backend, case-name filter, and an
# optional tolerance scale overriding the backend's own.
GOLDEN    ?= testdata/golden
BACKEND   ?= cpu-wasm
RUN       ?=
TOL_SCALE ?=
CHECKGOLDEN_WASM := $(BUILD)/checkgolden.wasm

# The go_js_wasm_exec wrappers; `go test` finds the one first on PATH.
EXEC_CHROMIUM := $(CURDIR)/tools/wasmexec/chromium
EXEC_DENO     := $(CURDIR)/tools/wasmexec/deno

# The Vulkan loader complains without a runtime dir; one per make run.
ifndef XDG_RUNTIME_DIR
export XDG_RUNTIME_DIR := $(shell mktemp -d)
endif

TEST_PARTS := test-native test-wasm-chromium test-wasm-deno test-golden-gpu test-e2e

.PHONY: help deps build cli wasm serve run test $(TEST_PARTS) check check-golden check-golden-slow bench bench-cpu bench-gpu bench-vs-pytorch bench-wasm vocab size clean site bench-store screenshots wasm-faults soak test-e2e-slow

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install what the tests need and is missing (apt chromium, mesa-vulkan-drivers; npm ci)
	@scripts/deps.sh

build: cli wasm ## build the CLI (build/glide) and the worker wasm (build/webglide.wasm)

cli: ## build the CLI into build/glide
	$(GO) build -o $(BUILD)/glide ./cmd/glide

wasm: ## build build/webglide.wasm, the importer build/webglide-import.wasm, the tokenizer vocabulary, and copy Go's wasm_exec.js and the WebGPU command encoder beside it
	GOOS=js GOARCH=wasm $(GO) build -tags noimport $(WASM_FLAGS) -o $(WASM) ./wasm/cmd/worker
	GOOS=js GOARCH=wasm $(GO) build $(WASM_FLAGS) -o $(IMPORT_WASM) ./wasm/cmd/worker # the importer: with the checkpoint converter
	$(GO) run ./tools/bpevocab $(VOCAB) # glide/bpe's VocabFile: the worker fetches it (site/worker.js)

vocab: ## write build/glide-bpe.vocab, the tokenizer's vocabulary the wasm programs fetch
	$(GO) run ./tools/bpevocab $(VOCAB)
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(BUILD)/wasm_exec.js
	cp wasm/webgpu/encode.js $(BUILD)/webgpu-encode.js # loaded by site/worker.js: no eval (CSP)

serve: build ## build, then serve the app on ADDR (default 127.0.0.1:8080)
	$(BUILD)/glide serve --addr $(ADDR)

run: build ## fetch the official weights into WEIGHTS when missing (about 1.5 GB), build, and serve the app with them
	@echo "make run: checking the GLIDE weights in $(WEIGHTS)/ (base and upsample; 'glide fetch' downloads only what is missing)"
	@$(BUILD)/glide fetch --dir $(WEIGHTS) --models base,upsample $(if $(FETCH_BASE_URL),--base-url '$(FETCH_BASE_URL)') || { \
		echo "make run: no weights yet (see above); serving the page anyway. Ways on: 'glide fetch' when online,"; \
		echo "          a mirror with 'glide fetch --base-url URL' (or make run FETCH_BASE_URL=URL), or import the .pt files in the page."; }
	@mkdir -p $(WEIGHTS)
	$(BUILD)/glide serve --addr $(ADDR) --weights $(WEIGHTS)

test: deps ## install what is missing, then run every test part in order
	@for t in $(TEST_PARTS); do \
		start=$$(date +%s%N); \
		echo "=== make $$t"; \
		$(MAKE) --no-print-directory $$t; \
		echo "=== make $$t: ok in $$(( ($$(date +%s%N) - start) / 1000000 )) ms"; \
	done

test-native: ## gofmt check, go vet ./..., go test ./...
	@bad=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './build/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -timeout 30m $(TEST_FLAGS) ./...

test-wasm-chromium: deps ## wasm tests (./wasm/...) in headless Chromium, WebGPU on SwiftShader (f32)
	PATH="$(EXEC_CHROMIUM):$$PATH" GOOS=js GOARCH=wasm $(GO) test $(WASM_TEST_FLAGS) ./wasm/...

test-wasm-deno: deps ## wasm tests (./wasm/...) in Deno, WebGPU on Mesa lavapipe (shader-f16)
	PATH="$(EXEC_DENO):$$PATH" GOOS=js GOARCH=wasm $(GO) test $(WASM_TEST_FLAGS) ./wasm/...

# The reliability files that need many SwiftShader generations (injected
# faults, two tabs, the soak) run in make test-e2e-slow, not in make test,
# which has to stay within its time on a 2-core machine.
E2E_SLOW := e2e/reliability-faults.test.mjs e2e/reliability-tabs.test.mjs e2e/soak.test.mjs
# Test files run E2E_JOBS at a time: most compute on the CPU device in
# wasm (?backend=cpu), which is one thread, so two files keep both cores
# of a 2-core machine busy (node's default there is one).
E2E_JOBS ?= 2
test-e2e: deps build site ## browser end-to-end tests (e2e/*.test.mjs but E2E_SLOW) against glide serve, and dist/ on a static server
	node --test --test-concurrency=$(E2E_JOBS) --test-timeout=900000 $(filter-out $(E2E_SLOW),$(sort $(wildcard e2e/*.test.mjs)))

test-e2e-slow: deps build wasm-faults site ## the slow reliability end-to-end tests: injected faults, two tabs, a short soak (E2E_SLOW)
	node --test --test-timeout=2700000 $(E2E_SLOW)

check-golden: vocab $(if $(filter cpu-wasm,$(BACKEND)),,deps) ## golden checks inside wasm: GOLDEN=DIR BACKEND=cpu-wasm|webgpu|webgpu-f16 [RUN=REGEXP] [TOL_SCALE=S]
	GOOS=js GOARCH=wasm $(GO) build -o $(CHECKGOLDEN_WASM) ./wasm/cmd/checkgolden
	node tools/checkgolden.mjs --golden '$(GOLDEN)' --backend '$(BACKEND)' --run '$(RUN)' \
		--wasm $(CHECKGOLDEN_WASM) $(if $(TOL_SCALE),--tol-scale '$(TOL_SCALE)')

# The tiny model cases on both WebGPU paths. The sampling trajectories and
# the full-size forwards take too long on CPU adapters for every run:
# make check-golden-slow runs them.
TINY_MODEL_CASES := ^tiny_.*_model$$
test-golden-gpu: deps ## the tiny model golden cases on WebGPU: Chromium (f32) and Deno (f16); the tokenizer case in wasm (Node)
	$(MAKE) --no-print-directory check-golden BACKEND=webgpu RUN='$(TINY_MODEL_CASES)'
	$(MAKE) --no-print-directory check-golden BACKEND=webgpu-f16 RUN='$(TINY_MODEL_CASES)'
	$(MAKE) --no-print-directory check-golden BACKEND=cpu-wasm RUN='^tokenizer$$' # the vocabulary file, as the worker loads it

check-golden-slow: deps ## sampling trajectories and full-size forwards on BACKEND (slow on CPU adapters: tens of minutes)
	$(MAKE) --no-print-directory check-golden BACKEND=$(BACKEND) RUN='^(tiny_sample_|full_)'

check: ## quick static checks: gofmt, go vet (native and js/wasm), wasm cross-build, size
	@bad=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './build/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$bad" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) build ./...
	@$(MAKE) --no-print-directory size

bench: bench-cpu bench-gpu ## all benchmarks: bench-cpu, then bench-gpu

bench-cpu: cli ## CPU benchmarks: kernel GFLOP/s (go test -bench ./glide/nn) and full-size forwards and steps (glide bench)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./glide/nn/
	$(BUILD)/glide bench --device cpu --model all

# The CPU device inside wasm (the fallback without WebGPU: Go's wasm has no
# SIMD and runs goroutines on one thread): the convolution shapes' GFLOP/s
# in Node and in headless Chromium. BENCH_WASM selects benchmarks.
BENCH_WASM ?= Conv(192x64x64B2|384x32x32B2|576x16x16B2|768x8x8B2)
bench-wasm: deps ## CPU device GFLOP/s inside wasm, Node then Chromium: [BENCH_WASM=REGEXP]
	PATH="$$($(GO) env GOROOT)/lib/wasm:$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 -run '^$$' -bench '$(BENCH_WASM)' -benchtime 2x ./glide/nn/
	PATH="$(EXEC_CHROMIUM):$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 -run '^$$' -bench '$(BENCH_WASM)' -benchtime 2x ./glide/nn/

# Our CPU device and the reference PyTorch code side by side, best of
# REPEAT (3) each, same run, THREADS (0 = all CPUs) for both; the reference
# source from REF=DIR or a temporary clone (scripts/bench-vs-pytorch.sh says
# what to install when a PyTorch is missing).
bench-vs-pytorch: cli ## CPU forwards and steps vs the reference PyTorch code, same run: [REF=DIR] [REPEAT=3] [THREADS=0] [MODEL=all]
	scripts/bench-vs-pytorch.sh

# One forward of each model in BENCH_MODELS on WebGPU in Deno (f16 where
# the adapter has it; BENCH_F32=1 forces f32): time per forward, Go-side
# recording time and dispatches, then a timestamp-query profile (GPU time
# and GFLOP/s per kernel and shape). The tiny models by default: a CPU
# adapter takes minutes per full-size forward; on a real GPU use
# BENCH_MODELS=base,upsample.
BENCH_MODELS ?= tiny-base,tiny-upsample
BENCH_F32    ?=
bench-gpu: deps ## WebGPU forwards with per-op GPU times (Deno): BENCH_MODELS=tiny-base,tiny-upsample|base,upsample [BENCH_F32=1]
	GLIDE_BENCH_MODELS='$(BENCH_MODELS)' GLIDE_FORCE_F32='$(BENCH_F32)' PATH="$(EXEC_DENO):$$PATH" \
		GOOS=js GOARCH=wasm $(GO) test -count=1 -run '^$$' -bench Forward -benchtime 3x ./wasm/webgpu/

# The page's screenshots in the README: e2e/page.test.mjs writes them into
# build/screenshots/ after its one finished run (desktop light and dark,
# phone 390×844); this runs that test and copies them to docs/screenshots/.
screenshots: deps build ## refresh docs/screenshots/ (the README's) from the page test's finished run
	WEBGLIDE_SCREENSHOTS=1 node --test --test-timeout=600000 --test-name-pattern='keyboard flow' e2e/page.test.mjs
	mkdir -p docs/screenshots
	cp build/screenshots/desktop-light.png build/screenshots/desktop-dark.png build/screenshots/phone.png docs/screenshots/

# Weights from the browser's shard store to the GPU (Chromium; SwiftShader
# here): full-size detweights bundles written once into build/bench-weights,
# or BENCH_WEIGHTS=DIR. Prints MB/s and the peak memory while loading.
BENCH_WEIGHTS ?=
bench-store: deps build site ## store → GPU MB/s and peak memory while loading, in Chromium [BENCH_WEIGHTS=DIR]
	node e2e/bench-store.mjs $(if $(BENCH_WEIGHTS),--weights '$(BENCH_WEIGHTS)')

# The worker with its test-only fault switches (build tag faults,
# wasm/cmd/worker/faults_js.go), loaded by site/worker.js only for a page
# opened with ?faults=…; make site never copies it into dist/.
FAULTS_WASM := $(BUILD)/webglide-faults.wasm
wasm-faults: wasm ## build build/webglide-faults.wasm, the worker with fault switches (e2e reliability tests only)
	GOOS=js GOARCH=wasm $(GO) build -tags faults -o $(FAULTS_WASM) ./wasm/cmd/worker

# The long soak: SOAK_N generations in one page (make test-e2e-slow runs
# 2, in e2e/soak.test.mjs); prints the GPU buffers and bytes, the worker's Go
# heap and the page's JS heap after every run.
SOAK_N ?= 10
soak: deps build ## SOAK_N (default 10) generations in one page: memory per run must not grow, images identical
	GLIDE_SOAK_N=$(SOAK_N) node --test --test-timeout=3600000 e2e/soak.test.mjs

size: wasm ## print the worker wasm's and its vocabulary's sizes: raw, gzip -9 and brotli (the wasm's goal: ≤ 1.2 MB brotli)
	@node tools/size.mjs $(WASM) $(VOCAB) $(IMPORT_WASM)

# The static site: everything the app needs with relative URLs only, so
# any static host serves dist/ (README, "Hosting"). Weights are not part of
# it: publish converted bundles beside it (dist/weights/) or anywhere else
# with CORS, and open the page with ?weights=URL.
DIST ?= dist
site: wasm ## write the static site into DIST (default dist/): index.html, sw.js, site/, build/webglide.wasm, build/wasm_exec.js
	rm -rf $(DIST)
	mkdir -p $(DIST)/build
	cp index.html $(DIST)/
	cp -r site $(DIST)/site
	cp $(WASM) $(IMPORT_WASM) $(VOCAB) $(BUILD)/wasm_exec.js $(BUILD)/webgpu-encode.js $(DIST)/build/
	$(GO) run ./tools/shellsw $(DIST) # sw.js: the service worker with the shell's content hash
	rm $(DIST)/site/sw.js # its template, now in sw.js
	@echo "make site: $(DIST)/ is ready ($$(du -sh $(DIST) | cut -f1)); serve it with any static file server"

clean: ## remove build outputs
	rm -rf $(BUILD) $(DIST)
