package bpe

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode checks, for arbitrary strings: no panics; every id is an
// ordinary token (never EndToken, since special tokens are never
// recognised); decoding gives back the lowered text; the regexp2 split
// agrees with the hand-written oracle and covers the text; padding keeps its
// invariants. Seeds are the fixture's prompts plus a few edge cases.
//
//	go test -fuzz=FuzzEncode -parallel 1 ./glide/bpe
func FuzzEncode(f *testing.F) {
	for _, p := range loadFixture(f) {
		f.Add(unhex(f, p.TextHex))
	}
	for _, s := range []string{"\xff", "\xe0\x80Σ", "ΑΣ'", "İ", "<|endoftext|>", "a \u3000 b\u2029", "'ll'S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ids := Encode(text)
		for i, id := range ids {
			if id < 0 || id >= EndToken {
				t.Fatalf("id %d at %d is not an ordinary token", id, i)
			}
		}
		lowered := Lower(text)
		if !utf8.ValidString(lowered) {
			t.Fatalf("Lower(%q) = %q is not valid UTF-8", text, lowered)
		}
		decoded, err := Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		// Byte-level BPE is lossless, so decode(encode(x)) is lower(x). The
		// reference only ever sees valid text (a Python str); other inputs
		// are first repaired the way Python's decode(errors="replace") would,
		// and then round-trip to the repaired, lowered text.
		if utf8.ValidString(text) {
			if decoded != lowered {
				t.Fatalf("Decode(Encode(%q)) = %q, want %q", text, decoded, lowered)
			}
		} else if want := Lower(ToValidUTF8(text)); decoded != want {
			t.Fatalf("Decode(Encode(%q)) = %q, want %q", text, decoded, want)
		}
		pieces := Pretokenize(lowered)
		if got := strings.Join(pieces, ""); got != lowered {
			t.Fatalf("pieces of %q join to %q", lowered, got)
		}
		if oracle := splitOracle(lowered); !reflect.DeepEqual(pieces, oracle) {
			t.Fatalf("Pretokenize(%q) = %q, oracle %q", lowered, pieces, oracle)
		}
		tokens, mask := PaddedTokensAndMask(ids, TextCtx)
		real := min(len(ids), TextCtx)
		for j := range TextCtx {
			if mask[j] != (j < real) || (j < real && tokens[j] != ids[j]) || (j >= real && tokens[j] != EndToken) {
				t.Fatalf("padded position %d wrong: %d %v", j, tokens[j], mask[j])
			}
		}
		if Truncated(ids, TextCtx) != len(ids)-real {
			t.Fatalf("Truncated wrong")
		}
	})
}
