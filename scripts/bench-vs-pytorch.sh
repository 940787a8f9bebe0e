#!/usr/bin/env bash
# make bench-vs-pytorch: our CPU device and the reference PyTorch code, side
# by side in one run (scripts/bench_pytorch.py). Needs a Python with torch,
# numpy and regex, and the reference source: REF=DIR, or a clone into a
# temporary folder (removed afterwards; never part of this project).
set -euo pipefail
glide=${GLIDE:-build/glide}
repeat=${REPEAT:-3}
threads=${THREADS:-0}
model=${MODEL:-all}

python=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c 'import torch, numpy, regex' 2>/dev/null; then python=$p; break; fi
done
if [[ -z $python ]]; then
	cat >&2 <<'MSG'
bench-vs-pytorch: no Python with torch, numpy and regex found (PYTHON=… to name one).
On Debian: apt-get install python3-torch python3-numpy python3-regex libopenblas0-pthread
(libopenblas0-pthread matters: without it torch's BLAS is the reference one, several times slower).
MSG
	exit 2
fi

tmp=""
trap '[[ -n $tmp ]] && rm -rf "$tmp"' EXIT
ref=${REF:-}
if [[ -z $ref ]]; then
	tmp=$(mktemp -d)
	if ! git clone -q --depth 1 https://github.com/openai/glide-text2im "$tmp/glide-text2im" 2>/dev/null; then
		cat >&2 <<'MSG'
bench-vs-pytorch: could not clone https://github.com/openai/glide-text2im.
Clone it anywhere and pass its folder: make bench-vs-pytorch REF=DIR
MSG
		exit 2
	fi
	ref=$tmp/glide-text2im
fi
if [[ ! -f $ref/glide_text2im/unet.py ]]; then
	echo "bench-vs-pytorch: REF=$ref is not a glide-text2im checkout (no glide_text2im/unet.py)" >&2
	exit 2
fi
echo "# $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
exec "$python" scripts/bench_pytorch.py --ref "$ref" --glide "$glide" --model "$model" --repeat "$repeat" --threads "$threads"
