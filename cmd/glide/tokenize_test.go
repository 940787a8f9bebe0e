package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// tokenizeCLI runs the glide command line in-process.
func tokenizeCLI(args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = run(args, &out, &errw)
	return code, out.String(), errw.String()
}

func TestTokenize(t *testing.T) {
	code, out, errs := tokenizeCLI("tokenize", "A Photo of a CAT!")
	if code != 0 || out != `{"tokens":[64,4590,286,257,3797,0]}`+"\n" || errs != "" {
		t.Errorf("got %d %q %q", code, out, errs)
	}
	code, out, _ = tokenizeCLI("tokenize", "")
	if code != 0 || out != `{"tokens":[]}`+"\n" {
		t.Errorf("empty prompt: got %d %q", code, out)
	}
	code, out, _ = tokenizeCLI("tokenize", "--", "-a corgi")
	if code != 0 || !strings.HasPrefix(out, `{"tokens":[12`) { // "-" is 12
		t.Errorf("text after --: got %d %q", code, out)
	}
}

func TestTokenizeCtx(t *testing.T) {
	code, out, errs := tokenizeCLI("tokenize", "--ctx", "8", "a corgi in a field")
	want := `{"tokens":[64,1162,12397,287,257,2214,50256,50256],"mask":[true,true,true,true,true,true,false,false]}` + "\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("got %d %q %q", code, out, errs)
	}

	// The empty prompt as the models take it: 128 x 50256, all false.
	code, out, _ = tokenizeCLI("tokenize", "--ctx=128", "")
	var v struct {
		Tokens []int32
		Mask   []bool
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("got %d %q: %v", code, out, err)
	}
	if len(v.Tokens) != 128 || len(v.Mask) != 128 || slices.ContainsFunc(v.Tokens, func(x int32) bool { return x != 50256 }) || slices.Contains(v.Mask, true) {
		t.Errorf("empty prompt padded: %q", out)
	}

	// Truncation warns on stderr; stdout stays one JSON line.
	code, out, errs = tokenizeCLI("tokenize", "--ctx", "2", "a corgi in a field")
	if code != 0 || out != `{"tokens":[64,1162],"mask":[true,true]}`+"\n" || !strings.Contains(errs, "6 tokens") {
		t.Errorf("truncated: got %d %q %q", code, out, errs)
	}
}

func TestTokenizeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"tokenize"},
		{"tokenize", "--bogus", "x"},
		{"tokenize", "a", "b"},
		{"tokenize", "--ctx", "0", "x"},
		{"tokenize", "--ctx", "x", "y"},
	} {
		code, out, errs := tokenizeCLI(args...)
		if code != 2 || out != "" || !strings.Contains(errs, "usage: glide tokenize") && !strings.Contains(errs, "--ctx") {
			t.Errorf("%q: got %d %q %q, want exit 2 with usage on stderr", args, code, out, errs)
		}
	}
	code, out, errs := tokenizeCLI("tokenize", "--help")
	if code != 0 || out != "" || !strings.Contains(errs, "usage: glide tokenize") {
		t.Errorf("--help: got %d %q %q", code, out, errs)
	}
}
