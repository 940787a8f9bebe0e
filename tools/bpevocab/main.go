// Command bpevocab writes the tokenizer's vocabulary file (glide/bpe,
// VocabFile) that the worker wasm Installs: go run ./tools/bpevocab FILE.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/webglide/webglide/glide/bpe"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bpevocab FILE (writes glide/bpe's vocabulary file, "+bpe.VocabFile+")")
		os.Exit(2)
	}
	data := bpe.VocabFileBytes()
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != bpe.VocabSHA256 {
		fmt.Fprintf(os.Stderr, "bpevocab: the table's file has SHA-256 %s, but bpe.VocabSHA256 is %s\n", got, bpe.VocabSHA256)
		os.Exit(1)
	}
	if err := os.MkdirAll(filepath.Dir(os.Args[1]), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bpevocab:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bpevocab:", err)
		os.Exit(1)
	}
}
