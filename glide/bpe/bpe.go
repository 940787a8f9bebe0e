// Package bpe is GLIDE's text tokenizer (glide_text2im/tokenizer/bpe.py):
// Python str.lower(), GPT-2's pre-tokenisation regex, then GPT-2 byte-level
// BPE.
//
// GLIDE's vocabulary (encoder.json + vocab.bpe) is exactly tiktoken's
// r50k_base rank table, and its 50,000 merges are in rank order (merge r
// creates token 256+r), so merging by r50k_base rank equals GPT-2's
// merge-list BPE. This package takes the rank table from the r50k_base codec
// of github.com/tiktoken-go/tokenizer and ships no vocabulary files of its
// own. Everything else is done here:
//
//   - Lower: Python's str.lower(), which differs from strings.ToLower.
//   - Pretokenize: the split regex, hand-coded. The library's own split
//     (regexp2) silently drops U+007F DELETE, e.g. it splits "a\x7f" into
//     just ["a"], so its Encode loses the character; the reference keeps it
//     (token 221). The library's Encode is therefore never called. (Its
//     package still links regexp2, about 1.4 MB of wasm, for that Encode.)
//   - the rank-ordered byte-pair merge (merge.go), over the library's ranks.
//   - Decode with EndToken and Python's replacement of invalid UTF-8.
//   - GLIDE's fixed-length padding (PaddedTokensAndMask).
//
// Ids match the reference exactly on the golden fixtures and, in checks
// made while writing this package, on 40,000 random Unicode strings against
// a merge-list GPT-2 encoder over GLIDE's own vocabulary files. Known limit:
// Python 3.11 uses Unicode 14.0 and Go a newer edition, so runes assigned
// since then may lower or classify differently from the reference.
//
// All functions are safe for concurrent use. The rank table is built on
// first use (roughly 0.1 s natively), not at program start, so a program
// that links this package but never tokenizes pays nothing at run time.
//
// The vocabulary's source depends on the build (vocab.go): natively, the
// library's table; in the worker wasm, a file of the token bytes (VocabFile,
// written by tools/bpevocab, served beside the wasm and checked against
// VocabSHA256 by Install), because the library's table and the regexp
// engine its package links were about 0.55 MB of the wasm's 1.95 MB brotli.
package bpe

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// VocabSize is the number of token ids, 0..50256; it is also the row count
	// of the text transformer's token embedding.
	VocabSize = 50257
	// EndToken is GPT-2's "<|endoftext|>" id, the last id. GLIDE never adds it
	// to a prompt; it is only the padding id.
	EndToken = VocabSize - 1
	// TextCtx is the text context length of both GLIDE models (base and
	// upsampler): prompts are truncated or padded to this many tokens.
	TextCtx = 128
	// Pattern is GPT-2's pre-tokenisation regular expression as GLIDE's
	// bpe.py compiles it with Python's regex module. Pretokenize implements
	// it by hand; it is here for reference and for checking fixtures.
	Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
)

// endText is what GLIDE's decode() gives for EndToken: the reference's
// encoder.json lists "<|endoftext|>" as an ordinary entry, whereas r50k_base
// keeps it among the special tokens.
const endText = "<|endoftext|>"

var (
	mu    sync.Mutex
	ready atomic.Bool // the tables below are set and never change again
	// ranks maps a token's bytes to its id (its merge rank), for the
	// EndToken ordinary tokens.
	ranks map[string]int32
	// tokenBytes[id] is the byte string of ordinary token id.
	tokenBytes []string
)

// load makes sure the tables are set: from Install's file or, where the
// build has it (vocab_tiktoken.go), from the library's r50k_base table,
// built on first use.
func load() {
	if ready.Load() {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if ready.Load() {
		return
	}
	toks := builtinVocab()
	if toks == nil {
		panic("bpe: no vocabulary in this build: call bpe.Install with the vocabulary file (" + VocabFile + ") first")
	}
	setTables(toks)
}

// setTables builds the rank table from the ordinary tokens' bytes (index =
// id); the caller holds mu.
func setTables(toks []string) {
	r := make(map[string]int32, len(toks))
	for id, s := range toks {
		r[s] = int32(id)
	}
	ranks, tokenBytes = r, toks
	ready.Store(true)
}

// Encode returns GLIDE's encode(text): the token ids of Lower(text) under
// GPT-2 byte-level BPE. No start or end token is added, and special tokens
// are never recognised: the text "<|endoftext|>" encodes as ordinary text
// (< | end of text | >), never as EndToken (this is tiktoken's
// encode_ordinary). The empty text gives an empty, non-nil slice.
func Encode(text string) []int32 {
	load()
	s := Lower(text)
	ids := make([]int32, 0, len(s)/3+1)
	for len(s) > 0 {
		n := nextPiece(s)
		ids = appendPiece(ids, s[:n])
		s = s[n:]
	}
	return ids
}

// Decode returns GLIDE's decode(ids): the tokens' bytes concatenated and
// read as UTF-8, each ill-formed sequence replaced with U+FFFD the way
// Python's errors="replace" does (a token sequence can end in the middle of
// a character, e.g. after truncation). EndToken decodes to the text
// "<|endoftext|>". An id outside 0..EndToken is an error.
func Decode(ids []int32) (string, error) {
	load()
	var b strings.Builder
	for i, id := range ids {
		switch {
		case id < 0 || id > EndToken:
			return "", fmt.Errorf("bpe: decode: token %d is id %d, outside 0..%d", i, id, EndToken)
		case id == EndToken:
			b.WriteString(endText)
		default:
			b.WriteString(tokenBytes[id])
		}
	}
	return ToValidUTF8(b.String()), nil
}

// PaddedTokensAndMask returns GLIDE's padded_tokens_and_mask(ids, ctx): the
// first ctx ids, padded on the right with EndToken to exactly ctx entries,
// and a mask that is true for the real tokens and false for the padding. The
// empty prompt gives ctx × EndToken and an all-false mask. Tokens beyond ctx
// are dropped silently, as in the reference; Truncated says how many. It
// panics if ctx is negative.
func PaddedTokensAndMask(ids []int32, ctx int) ([]int32, []bool) {
	if ctx < 0 {
		panic(fmt.Sprintf("bpe: PaddedTokensAndMask: negative context length %d", ctx))
	}
	tokens := make([]int32, ctx)
	mask := make([]bool, ctx)
	n := copy(tokens, ids)
	for i := range n {
		mask[i] = true
	}
	for i := n; i < ctx; i++ {
		tokens[i] = EndToken
	}
	return tokens, mask
}

// Truncated returns how many of ids PaddedTokensAndMask(ids, ctx) drops:
// len(ids) − ctx, or 0 if they fit. The reference drops them without a
// word; callers use this to warn about prompts longer than TextCtx tokens.
func Truncated(ids []int32, ctx int) int {
	return max(0, len(ids)-ctx)
}

// EncodePadded encodes text and pads it to ctx tokens: the tokens and mask a
// GLIDE model takes, plus the number of tokens that did not fit.
func EncodePadded(text string, ctx int) (tokens []int32, mask []bool, truncated int) {
	ids := Encode(text)
	tokens, mask = PaddedTokensAndMask(ids, ctx)
	return tokens, mask, Truncated(ids, ctx)
}
