package goldencheck

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/webglide/webglide/glide/bpe"
	"github.com/webglide/webglide/glide/golden"
)

func init() { kinds["tokenizer"] = checkTokenizer }

// tokenizerPrompt is one entry of the tokenizer case's "prompts" field.
type tokenizerPrompt struct {
	Index      int      `json:"index"`
	TextHex    string   `json:"text_utf8_hex"`
	LoweredHex string   `json:"lowered_utf8_hex"`
	Pretokens  []string `json:"pretokens"`
	IDs        []int32  `json:"ids"`
	NTokens    int      `json:"n_tokens"`
	Decoded    string   `json:"decoded"`
}

// checkTokenizer checks package bpe against GLIDE's encoder, exactly (no
// tolerance), for every prompt of the case: Python-lowered bytes, regex
// pieces, ids, decoded text, and the padded [n, text_ctx] tokens and mask.
// The prompt text is taken from text_utf8_hex, not from the JSON string, so
// that no JSON escaping question can arise.
func checkTokenizer(_ context.Context, _ *Env, c *golden.Case) golden.Result {
	var cfg struct {
		TextCtx  int    `json:"text_ctx"`
		NVocab   int    `json:"n_vocab"`
		EndToken int32  `json:"end_token"`
		Pattern  string `json:"pattern"`
	}
	var prompts []tokenizerPrompt
	if err := c.Field("config", &cfg); err != nil {
		return golden.Failed("%v", err)
	}
	if err := c.Field("prompts", &prompts); err != nil {
		return golden.Failed("%v", err)
	}
	if len(prompts) == 0 {
		return golden.Failed("no prompts")
	}
	var acc golden.Accumulator
	if cfg.NVocab != bpe.VocabSize || cfg.EndToken != bpe.EndToken || cfg.TextCtx != bpe.TextCtx {
		acc.Fail("config n_vocab=%d end_token=%d text_ctx=%d, package bpe has %d, %d, %d",
			cfg.NVocab, cfg.EndToken, cfg.TextCtx, bpe.VocabSize, bpe.EndToken, bpe.TextCtx)
	}
	if cfg.Pattern != bpe.Pattern {
		acc.Fail("config pattern %q, package bpe implements %q", cfg.Pattern, bpe.Pattern)
	}
	ctx := cfg.TextCtx
	tokens, tshape, err := c.I32("padded_tokens_128")
	if err != nil {
		return golden.Failed("%v", err)
	}
	mask, mshape, err := c.Bool("mask_128")
	if err != nil {
		return golden.Failed("%v", err)
	}
	want := []int{len(prompts), ctx}
	if !slices.Equal(tshape, want) || !slices.Equal(mshape, want) {
		return golden.Failed("padded_tokens_128 %v and mask_128 %v, want %v (a row per prompt)", tshape, mshape, want)
	}

	for i, p := range prompts {
		// fail records a mismatch of prompt i, quoting (the start of) it.
		fail := func(format string, a ...any) {
			acc.Fail("prompt %d (%s): %s", i, short(p.TextHex), fmt.Sprintf(format, a...))
		}
		if p.Index != i {
			fail("index field is %d", p.Index)
		}
		text, err1 := hex.DecodeString(p.TextHex)
		lowered, err2 := hex.DecodeString(p.LoweredHex)
		if err1 != nil || err2 != nil {
			fail("bad hex: %v %v", err1, err2)
			continue
		}
		got := bpe.Lower(string(text))
		if got != string(lowered) {
			fail("lowered %q, want %q", got, lowered)
		}
		if pieces := bpe.Pretokenize(got); !slices.Equal(pieces, p.Pretokens) {
			fail("pretokens %q, want %q", pieces, p.Pretokens)
		}
		ids := bpe.Encode(string(text))
		if !slices.Equal(ids, p.IDs) {
			fail("ids %v, want %v", ids, p.IDs)
		}
		if p.NTokens != len(p.IDs) {
			fail("n_tokens %d but %d ids", p.NTokens, len(p.IDs))
		}
		if s, err := bpe.Decode(p.IDs); err != nil {
			fail("decode: %v", err)
		} else if s != p.Decoded {
			fail("decoded %q, want %q", s, p.Decoded)
		}
		padded, m := bpe.PaddedTokensAndMask(ids, ctx)
		row := i * ctx
		for j := range ctx {
			if padded[j] != tokens[row+j] || m[j] != mask[row+j] {
				fail("padded position %d: token %d mask %v, want %d %v", j, padded[j], m[j], tokens[row+j], mask[row+j])
				break
			}
		}
	}
	if len(acc.Failures) > 0 {
		return acc.Result("")
	}
	return golden.Passed("prompts", float64(len(prompts)))
}

// short returns the prompt of hex-encoded text, quoted and cut to about 40
// bytes, for failure messages.
func short(textHex string) string {
	b, err := hex.DecodeString(textHex)
	if err != nil {
		return "?"
	}
	if len(b) > 40 {
		return fmt.Sprintf("%q...", b[:40])
	}
	return fmt.Sprintf("%q", b)
}
