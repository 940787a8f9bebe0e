//go:build !js || bpe_tiktoken

package bpe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
)

// TestVocabFile: the file of the library's table has the digest compiled
// into the wasm, reads back to the same tokens, and Install takes it.
func TestVocabFile(t *testing.T) {
	data := VocabFileBytes()
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != VocabSHA256 {
		t.Fatalf("the vocabulary file's SHA-256 is %s, VocabSHA256 says %s: update the constant with the table", got, VocabSHA256)
	}
	toks, err := parseVocab(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := builtinVocab(); !slices.Equal(toks, want) {
		t.Fatalf("the file reads back to other tokens")
	}
	if err := Install(data); err != nil {
		t.Fatal(err)
	}
	if !Ready() {
		t.Fatal("not ready after Install")
	}
	if ids := Encode("an oil painting of a corgi"); len(ids) == 0 {
		t.Fatal("no tokens after Install")
	}
}

// TestVocabFileDamaged: a truncated, changed or extended file is refused
// with ErrVocab, and a well-formed file of other tokens fails parseVocab's
// own checks.
func TestVocabFileDamaged(t *testing.T) {
	data := VocabFileBytes()
	flipped := slices.Clone(data)
	flipped[len(flipped)/2] ^= 1
	for name, d := range map[string][]byte{
		"empty":     nil,
		"truncated": data[:len(data)-7],
		"flipped":   flipped,
		"extended":  append(slices.Clone(data), 'x'),
	} {
		if err := Install(d); !errors.Is(err, ErrVocab) {
			t.Errorf("%s: Install = %v, want an ErrVocab", name, err)
		}
	}
	toks := builtinVocab()
	dup := slices.Clone(toks)
	dup[300] = dup[299]
	for name, d := range map[string][]byte{
		"no header":   data[len(vocabMagic):],
		"duplicate":   marshalVocab(dup),
		"too few":     marshalVocab(toks[:len(toks)-1]),
		"cut off":     data[:len(data)-3],
		"trailing":    append(slices.Clone(data), 1, 'x'),
		"empty token": marshalVocab(append([]string{""}, toks[1:]...)),
	} {
		if _, err := parseVocab(d); !errors.Is(err, ErrVocab) {
			t.Errorf("%s: parseVocab = %v, want an ErrVocab", name, err)
		}
	}
}
