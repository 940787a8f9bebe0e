package bpe

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The test vectors of the spec (§6), checked there with the real merges file.
func TestEncodeSpecVectors(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []int32
	}{
		{"an oil painting of a corgi", []int32{272, 3056, 12036, 286, 257, 1162, 12397}},
		{"a corgi in a field", []int32{64, 1162, 12397, 287, 257, 2214}},
		{"A Photo of a CAT!", []int32{64, 4590, 286, 257, 3797, 0}},
	} {
		if got := Encode(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// Expected values are Python 3.11's str.lower().
func TestLower(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"A Photo of a CAT!", "a photo of a cat!"},
		{"İstanbul", "i\u0307stanbul"},
		{"DİYARBAKIR ı", "di\u0307yarbakir ı"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"},
		{"Σ", "σ"},   // nothing cased before it
		{"1Σ", "1σ"}, // a digit is not cased
		{"ΑΣ", "ας"}, // end of text
		{"ΑΣ ΑΣ", "ας ας"},
		{"ΑΣΑ", "ασα"}, // a cased letter follows
		{"ΣΣ", "σς"},   // decided on the original text, not the lowered one
		{"ΑΣ.", "ας."},
		{"ΑΣ1", "ας1"},
		{"ΑΣ'Α", "ασ'α"},           // ' is case-ignorable, so Α counts as following
		{"Α'Σ", "α'ς"},             // ... and as preceding
		{"Α.Σ b", "α.ς b"},         // . (MidNumLet) is case-ignorable
		{"Α\u0301Σ", "α\u0301ς"},   // combining mark (Mn) is case-ignorable
		{"ΑΣ\u00adΒ", "ασ\u00adβ"}, // soft hyphen (Cf) is case-ignorable
		{"ªΣ", "ªς"},               // ª is Other_Lowercase, so cased
		{"ⅠΣ", "ⅰς"},               // Ⅰ is Other_Uppercase (Nl), so cased
		{"STRASSE ẞ ß", "strasse ß ß"},
		{"Ǆ ǅ", "ǆ ǆ"},
		{"\u212a \u2126 \u212b", "k ω å"}, // Kelvin, Ohm, Angstrom signs
		{"ＡＢＣ", "ａｂｃ"},
		{"\xe0\x80A", "\ufffd\ufffda"},
	} {
		if got := Lower(tc.in); got != tc.want {
			t.Errorf("Lower(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Expected values are Python's bytes.decode("utf-8", errors="replace").
func TestToValidUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"\xff", "\ufffd"},
		{"\xe0\x80", "\ufffd\ufffd"},           // E0 needs A0..BF next
		{"\xf0\x90\x80", "\ufffd"},             // truncated 4-byte form
		{"\xf0\x90\x80A", "\ufffdA"},           //
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"}, // surrogate
		{"\xc3", "\ufffd"},
		{"\xc3(", "\ufffd("},
		{"\xc0\xaf", "\ufffd\ufffd"}, // overlong
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"},
		{"é\x80é", "é\ufffdé"},
	} {
		if got := ToValidUTF8(tc.in); got != tc.want {
			t.Errorf("ToValidUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSpecialTokenIsText(t *testing.T) {
	ids := Encode("<|endoftext|>")
	if slices.Contains(ids, EndToken) {
		t.Fatalf("Encode(<|endoftext|>) = %v contains EndToken", ids)
	}
	// < | end of text | >
	if want := []int32{27, 91, 437, 1659, 5239, 91, 29}; !slices.Equal(ids, want) {
		t.Errorf("Encode(<|endoftext|>) = %v, want %v", ids, want)
	}
}

func TestDecode(t *testing.T) {
	s, err := Decode([]int32{64, 1162, 12397, EndToken, 0})
	if err != nil || s != "a corgi<|endoftext|>!" {
		t.Errorf("Decode = %q, %v", s, err)
	}
	if s, err := Decode(nil); err != nil || s != "" {
		t.Errorf("Decode(nil) = %q, %v", s, err)
	}
	for _, bad := range []int32{-1, VocabSize, 1 << 30} {
		if _, err := Decode([]int32{5, bad}); err == nil {
			t.Errorf("Decode(%d) gave no error", bad)
		}
	}
	// A character split across tokens decodes, once cut, to U+FFFD.
	ids := Encode("🐶")
	if len(ids) < 2 {
		t.Fatalf("Encode(🐶) = %v, want a multi-token character", ids)
	}
	s, err = Decode(ids[:len(ids)-1])
	if err != nil || s != "\ufffd" {
		t.Errorf("Decode(first tokens of 🐶) = %q, %v; want one U+FFFD", s, err)
	}
	// ... and whole again with all its tokens.
	if s, err := Decode(ids); err != nil || s != "🐶" {
		t.Errorf("Decode(Encode(🐶)) = %q, %v", s, err)
	}
}

func TestEmptyPrompt(t *testing.T) {
	ids := Encode("")
	if ids == nil || len(ids) != 0 {
		t.Fatalf("Encode(\"\") = %#v, want an empty non-nil slice", ids)
	}
	tokens, mask := PaddedTokensAndMask(ids, TextCtx)
	if len(tokens) != TextCtx || len(mask) != TextCtx {
		t.Fatalf("lengths %d, %d", len(tokens), len(mask))
	}
	for i := range tokens {
		if tokens[i] != EndToken || mask[i] {
			t.Fatalf("position %d: token %d mask %v, want %d false", i, tokens[i], mask[i], EndToken)
		}
	}
}

func TestPaddingAndTruncation(t *testing.T) {
	ids := []int32{1, 2, 3, 4, 5}
	tokens, mask := PaddedTokensAndMask(ids, 8)
	if !slices.Equal(tokens, []int32{1, 2, 3, 4, 5, EndToken, EndToken, EndToken}) ||
		!slices.Equal(mask, []bool{true, true, true, true, true, false, false, false}) {
		t.Errorf("pad: %v %v", tokens, mask)
	}
	if n := Truncated(ids, 8); n != 0 {
		t.Errorf("Truncated(5 ids, 8) = %d", n)
	}
	tokens, mask = PaddedTokensAndMask(ids, 3)
	if !slices.Equal(tokens, []int32{1, 2, 3}) || !slices.Equal(mask, []bool{true, true, true}) {
		t.Errorf("truncate: %v %v", tokens, mask)
	}
	if n := Truncated(ids, 3); n != 2 {
		t.Errorf("Truncated(5 ids, 3) = %d", n)
	}
	if tokens, mask = PaddedTokensAndMask(ids, 0); len(tokens) != 0 || len(mask) != 0 {
		t.Errorf("ctx 0: %v %v", tokens, mask)
	}
	ids[0] = 99 // the result must not alias the input
	if tokens, _ = PaddedTokensAndMask(ids[:1], 1); tokens[0] != 99 {
		t.Errorf("got %v", tokens)
	}

	long := strings.Repeat("a photograph of a red fox, ", 30)
	tokens, mask, dropped := EncodePadded(long, TextCtx)
	all := Encode(long)
	if len(all) <= TextCtx || dropped != len(all)-TextCtx {
		t.Fatalf("%d tokens, dropped %d", len(all), dropped)
	}
	if !slices.Equal(tokens, all[:TextCtx]) || slices.Contains(mask, false) {
		t.Errorf("truncated prompt: tokens or mask wrong")
	}
}

func TestPaddedTokensAndMaskNegativeCtxPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	PaddedTokensAndMask(nil, -1)
}

func TestPretokenize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"a   b", []string{"a", "  ", " b"}},
		{"x  ", []string{"x", "  "}},
		{"it's we'll", []string{"it", "'s", " we", "'ll"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"a\x1cb", []string{"a", "\x1c", "b"}}, // U+001C is not \s here
		{"x 123 !?", []string{"x", " 123", " !?"}},
		{"na\u0301ive", []string{"na", "\u0301", "ive"}}, // marks are not \p{L}
	} {
		got := Pretokenize(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Pretokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if oracle := splitOracle(tc.in); !reflect.DeepEqual(oracle, tc.want) {
			t.Errorf("splitOracle(%q) = %q, want %q", tc.in, oracle, tc.want)
		}
	}
}

func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := Encode("a corgi in a field"); !slices.Equal(got, []int32{64, 1162, 12397, 287, 257, 2214}) {
					t.Errorf("got %v", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// fixturePrompt is one entry of the tokenizer fixture's "prompts".
type fixturePrompt struct {
	Index      int      `json:"index"`
	TextHex    string   `json:"text_utf8_hex"`
	LoweredHex string   `json:"lowered_utf8_hex"`
	Pretokens  []string `json:"pretokens"`
	IDs        []int32  `json:"ids"`
	Decoded    string   `json:"decoded"`
}

// fixtureDir is the reference tokenizer fixture, relative to this package.
var fixtureDir = filepath.Join("..", "..", "testdata", "golden", "tokenizer")

func loadFixture(tb testing.TB) []fixturePrompt {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, "case.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var c struct {
		Prompts []fixturePrompt `json:"prompts"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		tb.Fatal(err)
	}
	if len(c.Prompts) == 0 {
		tb.Fatal("no prompts in the tokenizer fixture")
	}
	return c.Prompts
}

func unhex(tb testing.TB, s string) string {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestFixture checks every step against the reference's outputs. (Package
// goldencheck checks the same fixture through the golden runner; this copy
// keeps the tokenizer's own tests self-contained.)
func TestFixture(t *testing.T) {
	prompts := loadFixture(t)
	rawTok, err := os.ReadFile(filepath.Join(fixtureDir, "padded_tokens_128.i32"))
	if err != nil {
		t.Fatal(err)
	}
	rawMask, err := os.ReadFile(filepath.Join(fixtureDir, "mask_128.u8"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rawTok) != 4*TextCtx*len(prompts) || len(rawMask) != TextCtx*len(prompts) {
		t.Fatalf("tensor files do not hold %d rows of %d", len(prompts), TextCtx)
	}
	for i, p := range prompts {
		text := unhex(t, p.TextHex)
		lowered := Lower(text)
		if want := unhex(t, p.LoweredHex); lowered != want {
			t.Errorf("prompt %d: Lower = %q, want %q", i, lowered, want)
		}
		if got := Pretokenize(lowered); !reflect.DeepEqual(got, p.Pretokens) {
			t.Errorf("prompt %d: Pretokenize = %q, want %q", i, got, p.Pretokens)
		}
		if got := splitOracle(lowered); !reflect.DeepEqual(got, p.Pretokens) {
			t.Errorf("prompt %d: splitOracle = %q, want %q", i, got, p.Pretokens)
		}
		ids := Encode(text)
		if !slices.Equal(ids, p.IDs) && !(len(ids) == 0 && len(p.IDs) == 0) {
			t.Errorf("prompt %d: Encode = %v, want %v", i, ids, p.IDs)
		}
		if s, err := Decode(p.IDs); err != nil || s != p.Decoded {
			t.Errorf("prompt %d: Decode = %q, %v; want %q", i, s, err, p.Decoded)
		}
		tokens, mask := PaddedTokensAndMask(ids, TextCtx)
		for j := range TextCtx {
			k := i*TextCtx + j
			wantTok := int32(binary.LittleEndian.Uint32(rawTok[4*k:]))
			if tokens[j] != wantTok || mask[j] != (rawMask[k] == 1) {
				t.Errorf("prompt %d position %d: token %d mask %v, want %d %v", i, j, tokens[j], mask[j], wantTok, rawMask[k] == 1)
				break
			}
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	text := "an oil painting of a corgi wearing a party hat, highly detailed, trending on artstation"
	Encode(text)
	b.ResetTimer()
	for range b.N {
		Encode(text)
	}
}

// Merging a token's bytes gives back the token itself, for every token. So
// appendPiece's whole-token shortcut (also tiktoken's) cannot change a
// result.
func TestEveryTokenMergesToItself(t *testing.T) {
	load()
	for id := range int32(EndToken) {
		if got := mergeBytes(nil, tokenBytes[id]); len(got) != 1 || got[0] != id {
			t.Fatalf("token %d (%q) merges to %v", id, tokenBytes[id], got)
		}
	}
}

// U+007F is an ordinary "other" rune to the reference's regex; the
// library's regexp2 split drops it (so its Encode loses it). Expected ids
// are the reference's.
func TestDelete(t *testing.T) {
	for _, tc := range []struct {
		text   string
		pieces []string
		ids    []int32
	}{
		{"\x7f", []string{"\x7f"}, []int32{221}},
		{"a\x7f", []string{"a", "\x7f"}, []int32{64, 221}},
		{"😀\x7f", []string{"😀\x7f"}, []int32{47249, 222, 221}},
	} {
		if got := Pretokenize(tc.text); !reflect.DeepEqual(got, tc.pieces) {
			t.Errorf("Pretokenize(%q) = %q, want %q", tc.text, got, tc.pieces)
		}
		if got := Encode(tc.text); !slices.Equal(got, tc.ids) {
			t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.ids)
		}
	}
}

// \s is Unicode White_Space: exactly these 25 code points.
func TestWhiteSpaceClass(t *testing.T) {
	want := []rune{'\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680,
		0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
		0x2028, 0x2029, 0x202F, 0x205F, 0x3000}
	var got []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if classOf(r) == classSpace {
			got = append(got, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("whitespace class = %U, want %U", got, want)
	}
	// The ASCII fast path agrees with the general classification.
	for r := rune(0); r < utf8.RuneSelf; r++ {
		var want runeClass
		switch {
		case unicode.IsSpace(r):
			want = classSpace
		case unicode.IsLetter(r):
			want = classLetter
		case unicode.IsNumber(r):
			want = classNumber
		default:
			want = classOther
		}
		if classOf(r) != want {
			t.Errorf("classOf(%U) = %d, want %d", r, classOf(r), want)
		}
	}
}

// A prompt can be one long "word"; merging must not be quadratic in it.
func TestLongPiece(t *testing.T) {
	text := strings.Repeat("abcdefghij", 20000) // one 200,000-byte piece
	start := time.Now()
	ids := Encode(text)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Encode of a 200 kB word took %v", d)
	}
	if s, err := Decode(ids); err != nil || s != text {
		t.Errorf("round trip of a long word failed: %v", err)
	}
}
