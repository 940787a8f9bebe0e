package goldencheck

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/webglide/webglide/glide/golden"
)

// tokenizerFS returns the tokenizer case's files in a writable in-memory
// file system, so tests can corrupt them.
func tokenizerFS(t *testing.T) fstest.MapFS {
	dir := filepath.Join(goldenDir(t), "tokenizer")
	fsys := fstest.MapFS{}
	for _, name := range []string{"case.json", "padded_tokens_128.i32", "mask_128.u8"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fsys["tokenizer/"+name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func runTokenizer(t *testing.T, fsys fstest.MapFS) golden.Result {
	c, err := golden.Load(fsys, "tokenizer")
	if err != nil {
		t.Fatal(err)
	}
	return checkTokenizer(context.Background(), &Env{}, c)
}

func TestTokenizerCase(t *testing.T) {
	r := runTokenizer(t, tokenizerFS(t))
	if r.Status != golden.Pass || r.Metric != "prompts" || r.Value != 44 {
		t.Fatalf("got %+v, want PASS prompts=44", r)
	}
}

// A corrupted fixture fails, naming the prompt.
func TestTokenizerCaseDetectsMismatch(t *testing.T) {
	t.Run("ids", func(t *testing.T) {
		fsys := tokenizerFS(t)
		var c map[string]any
		if err := json.Unmarshal(fsys["tokenizer/case.json"].Data, &c); err != nil {
			t.Fatal(err)
		}
		p := c["prompts"].([]any)[5].(map[string]any)
		p["ids"].([]any)[0] = 13
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		fsys["tokenizer/case.json"].Data = data
		r := runTokenizer(t, fsys)
		if r.Status != golden.Fail || !strings.Contains(r.Why, "prompt 5 ") || !strings.Contains(r.Why, "ids") {
			t.Fatalf("got %+v, want a failure naming prompt 5's ids", r)
		}
	})
	t.Run("mask", func(t *testing.T) {
		fsys := tokenizerFS(t)
		fsys["tokenizer/mask_128.u8"].Data[7*128+3] ^= 1
		r := runTokenizer(t, fsys)
		if r.Status != golden.Fail || !strings.Contains(r.Why, "prompt 7 ") || !strings.Contains(r.Why, "position 3") {
			t.Fatalf("got %+v, want a failure naming prompt 7 position 3", r)
		}
	})
}
