package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights"
)

// flakyServer serves files on 127.0.0.1. The first request for each file
// sends the full Content-Length but drops the connection half-way; the
// first request for "upsample.pt" answers 503 before that.
type flakyServer struct {
	mu     sync.Mutex
	files  map[string][]byte
	hits   map[string]int
	ranges []string
	heads  int
}

func (s *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	if r.Method == http.MethodHead {
		// The size announcement before downloading; not a download.
		s.mu.Lock()
		data, ok := s.files[name]
		s.heads++
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		return
	}
	s.mu.Lock()
	data, ok := s.files[name]
	s.hits[name]++
	hit := s.hits[name]
	s.ranges = append(s.ranges, name+" "+r.Header.Get("Range"))
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "upsample.pt" && hit == 1 {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if hit <= 2 && r.Header.Get("Range") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func TestFetchResumeAndConvert(t *testing.T) {
	cases := goldenPTCases(t)
	srv := &flakyServer{files: map[string][]byte{}, hits: map[string]int{}}
	configs := map[string]*model.Config{}
	want := map[string]string{}
	for _, c := range cases {
		data, err := os.ReadFile(c.checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		cj, _ := os.ReadFile(c.caseJSON)
		cfg, err := model.ConfigFromJSON(cj)
		if err != nil {
			t.Fatal(err)
		}
		kind := cfg.Kind()
		file := checkpointFiles[kind]
		if _, dup := srv.files[file]; dup {
			continue
		}
		srv.files[file] = data
		configs[kind] = &cfg
		sum := sha256.Sum256(data)
		if c.sha256 != "" && hex.EncodeToString(sum[:]) != c.sha256 {
			t.Fatalf("%s: sha256 differs from case.json", c.checkpoint)
		}
		want[kind] = hex.EncodeToString(sum[:])
	}
	ts := httptest.NewServer(srv) // listens on 127.0.0.1
	defer ts.Close()

	dir := t.TempDir()
	var log bytes.Buffer
	o := fetchOptions{
		dir: dir, baseURL: ts.URL, keep: true, client: ts.Client(),
		configs: configs, backoff: time.Millisecond, stderr: &log,
	}
	o.models = slices.Sorted(maps.Keys(configs)) // a fixed order: the log below names them in it
	if err := fetchModels(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for kind, sum := range want {
		data, err := os.ReadFile(filepath.Join(dir, checkpointFiles[kind]))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: resumed download differs from the served file", kind)
		}
		b, err := weights.Open(filepath.Join(dir, kind))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Verify(); err != nil {
			t.Fatal(err)
		}
		if b.Manifest.Kind != kind {
			t.Errorf("bundle kind %q, want %q", b.Manifest.Kind, kind)
		}
	}
	resumed := 0
	for _, r := range srv.ranges {
		if strings.Contains(r, "bytes=") {
			resumed++
		}
	}
	if resumed < len(want) {
		t.Errorf("requests %v: want a Range resume per file", srv.ranges)
	}
	for _, s := range []string{"503", "retrying", "ETA", "MiB", "will download 0.03 GB into", "base 0.02 GB, upsample 0.01 GB"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}

	// A second run finds complete, verified bundles and downloads nothing.
	n := len(srv.ranges)
	log.Reset()
	if err := fetchModels(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if len(srv.ranges) != n || !strings.Contains(log.String(), "skipping") {
		t.Errorf("second run made %d requests; log:\n%s", len(srv.ranges)-n, log.String())
	}

	// A corrupt shard makes the bundle incomplete: it is rebuilt from the kept .pt.
	kind := o.models[0]
	shard := filepath.Join(dir, kind, weights.ShardFile(0))
	data, _ := os.ReadFile(shard)
	data[10] ^= 0xff
	os.WriteFile(shard, data, 0o644)
	log.Reset()
	if err := fetchModels(context.Background(), fetchOptions{dir: dir, baseURL: ts.URL, keep: false, client: ts.Client(), configs: configs, models: []string{kind}, stderr: &log}); err != nil {
		t.Fatal(err)
	}
	if b, err := weights.Open(filepath.Join(dir, kind)); err != nil || b.Verify() != nil {
		t.Fatalf("rebuilt bundle: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointFiles[kind])); !os.IsNotExist(err) {
		t.Error("checkpoint kept without --keep")
	}
}

func TestFetchPermanentError(t *testing.T) {
	srv := &flakyServer{files: map[string][]byte{}, hits: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	err := fetchModels(context.Background(), fetchOptions{dir: t.TempDir(), baseURL: ts.URL, client: ts.Client(), models: []string{"base"}, backoff: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "404") || len(srv.ranges) != 1 {
		t.Fatalf("err = %v after %d requests", err, len(srv.ranges))
	}
}

func TestFetchFlags(t *testing.T) {
	if code, stdout, _ := glideCLI("fetch", "--help"); code != 0 || !strings.Contains(stdout, "usage: glide fetch") {
		t.Errorf("--help: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"fetch", "--bogus"}, {"fetch", "extra"}, {"fetch", "--models", "base,huge"}} {
		if code, _, _ := glideCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// Offline: an unknown host or a refused connection is not retried, so that
// make run reaches its serving step at once.
func TestFetchGivesUpAtOnceOffline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	for _, base := range []string{"http://glide-weights.invalid", refused} {
		var log strings.Builder
		start := time.Now()
		err := fetchModels(context.Background(), fetchOptions{dir: t.TempDir(), baseURL: base, models: []string{"base"}, backoff: time.Second, stderr: &log})
		if err == nil {
			t.Fatalf("%s: no error", base)
		}
		if d := time.Since(start); d > 10*time.Second || strings.Contains(log.String(), "retrying") {
			t.Errorf("%s: gave up after %v; log:\n%s", base, d, log.String())
		}
	}
}

// A transient failure (503) is still retried.
func TestFetchRetries503(t *testing.T) {
	hits := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			hits++
		}
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer ts.Close()
	err := fetchModels(context.Background(), fetchOptions{dir: t.TempDir(), baseURL: ts.URL, client: ts.Client(), models: []string{"base"}, backoff: time.Millisecond, maxAttempts: 3})
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") || hits != 3 {
		t.Fatalf("err = %v after %d requests", err, hits)
	}
}

func TestFetchOfflineHelp(t *testing.T) {
	code, _, stderr := glideCLI("fetch", "--dir", t.TempDir(), "--base-url", "http://glide-weights.invalid")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"when online", "glide fetch --base-url URL", "Import checkpoint"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
