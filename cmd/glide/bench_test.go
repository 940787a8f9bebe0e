package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bench", "--help"}, 0, "usage: glide bench"},
		{[]string{"bench", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"bench", "--model", "tiny"}, 2, "want base, upsample or all"},
		{[]string{"bench", "--device", "webgpu"}, 2, "only cpu"},
		{[]string{"bench", "--weights", "bundle.glide"}, 2, "only detweights:full"},
		{[]string{"bench", "--repeat", "0"}, 2, "--repeat must be at least 1"},
		{[]string{"bench", "--threads", "-1"}, 2, "--threads must be 0 or more"},
		{[]string{"bench", "extra"}, 2, "unexpected arguments"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("glide %s: exit %d, output %q; want exit %d and %q", strings.Join(c.args, " "), code, out.String()+errb.String(), c.code, c.want)
		}
	}
}

func TestPrintBench(t *testing.T) {
	var b bytes.Buffer
	printBench(&b, []benchRow{{op: "base forward b2 64x64", runs: 2, best: 2e9, avg: 3e9, gflop: 451, heapPeak: 100 << 20, rss: 2 << 30}})
	for _, want := range []string{"GFLOP/s", "base forward b2 64x64", "225.5", "2048"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
