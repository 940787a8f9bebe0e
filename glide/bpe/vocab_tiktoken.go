//go:build !js || bpe_tiktoken

package bpe

import (
	"fmt"

	"github.com/tiktoken-go/tokenizer/codec"
)

// This build has the vocabulary: the r50k_base table of
// github.com/tiktoken-go/tokenizer (the native CLI and tests; js builds
// with the bpe_tiktoken tag, the wasm test binaries).
const hasBuiltinVocab = true

// builtinVocab returns the ordinary tokens' bytes from the library. Its
// table is unexported, but its Decode of a single id gives that token's
// bytes, which is all the table holds.
func builtinVocab() []string {
	c := codec.NewR50kBase()
	toks := make([]string, EndToken)
	seen := make(map[string]bool, EndToken)
	for id := range int32(EndToken) {
		s, err := c.Decode([]uint{uint(id)})
		if err != nil || s == "" {
			panic(fmt.Sprintf("bpe: r50k_base has no token %d: %v", id, err))
		}
		if seen[s] {
			panic(fmt.Sprintf("bpe: r50k_base token %d (%q) is not unique", id, s))
		}
		seen[s] = true
		toks[id] = s
	}
	return toks
}

// VocabFileBytes returns the vocabulary file (VocabFile) of this build's
// table, for tools/bpevocab.
func VocabFileBytes() []byte { return marshalVocab(builtinVocab()) }
