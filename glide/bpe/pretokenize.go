package bpe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pretokenize returns the pieces that GPT-2's split regex (Pattern) cuts s
// into, as the reference's regex.findall does; BPE then encodes each piece
// on its own. GLIDE applies it to Lower(text). The pieces concatenate back
// to ToValidUTF8(s) (invalid UTF-8 is repaired first, as in Lower). The
// empty string gives an empty, non-nil slice.
func Pretokenize(s string) []string {
	s = ToValidUTF8(s)
	pieces := []string{}
	for len(s) > 0 {
		n := nextPiece(s)
		pieces = append(pieces, s[:n])
		s = s[n:]
	}
	return pieces
}

// runeClass is the class of a rune in the split regex. Every rune is in
// exactly one class, so some alternative always matches at every position
// and findall never skips text.
type runeClass uint8

const (
	classSpace  runeClass = iota // \s
	classLetter                  // \p{L}
	classNumber                  // \p{N}
	classOther                   // [^\s\p{L}\p{N}]
)

// classOf classifies r. \s in Python's regex module is the Unicode
// White_Space property (25 code points), which is exactly Go's
// unicode.IsSpace. Note what it leaves out: U+001C..U+001F (spaces to
// Python's str.isspace and re, not here), U+200B ZERO WIDTH SPACE and U+FEFF
// (category Cf, so "other"). Combining marks (\p{M}) are "other" too, so
// "naïve" written with U+0308 splits into "nai", "\u0308", "ve".
func classOf(r rune) runeClass {
	switch {
	case r < utf8.RuneSelf:
		// ASCII fast path; same answers as the general case.
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return classLetter
		case '0' <= r && r <= '9':
			return classNumber
		case r == ' ', '\t' <= r && r <= '\r':
			return classSpace
		}
		return classOther
	case unicode.IsSpace(r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classOther
}

// contractions are the regex's first seven alternatives, after the
// apostrophe. They are case-sensitive ("'S" is not one), which does not
// matter after Lower.
var contractions = [...]string{"s", "t", "re", "ve", "m", "ll", "d"}

// nextPiece returns the byte length of the first piece of s (non-empty,
// valid UTF-8): the match that Pattern finds at the start of s, trying its
// alternatives in order as a backtracking engine does:
//
//	's|'t|'re|'ve|'m|'ll|'d   a contraction
//	 ?\p{L}+                  an optional U+0020, then letters
//	 ?\p{N}+                  an optional U+0020, then numbers
//	 ?[^\s\p{L}\p{N}]+        an optional U+0020, then other runes
//	\s+(?!\S)                 whitespace not followed by a non-space
//	\s+                       whitespace
//
// Written out by hand rather than with a regex engine: Go's regexp has no
// lookahead, and regexp2 (the library's engine) gets U+007F wrong.
func nextPiece(s string) int {
	if s[0] == '\'' {
		for _, c := range contractions {
			if strings.HasPrefix(s[1:], c) {
				return 1 + len(c)
			}
		}
	}
	r, n := utf8.DecodeRuneInString(s)
	class := classOf(r)
	start := 0
	if r == ' ' && n < len(s) {
		// " ?X+": only a plain space can lead a word; it is taken if a
		// letter, number or other rune follows.
		next, _ := utf8.DecodeRuneInString(s[n:])
		if c := classOf(next); c != classSpace {
			class, start = c, n
		}
	}
	if class != classSpace {
		return start + runLength(s[start:], class)
	}
	// "\s+(?!\S)": the greedy \s+ backs off until no non-space follows. A
	// whitespace run that ends the text matches whole; otherwise it matches
	// all but its last rune, which is left to lead the next piece (so
	// "a   b" gives "a", "  ", " b"). A single whitespace rune before a
	// non-space cannot back off to nothing, and falls to the final "\s+".
	end := runLength(s, classSpace)
	if end == len(s) {
		return end
	}
	if _, last := utf8.DecodeLastRuneInString(s[:end]); end-last > 0 {
		return end - last
	}
	return end
}

// runLength returns the byte length of the run of class c at the start of s.
func runLength(s string, c runeClass) int {
	for i, r := range s {
		if classOf(r) != c {
			return i
		}
	}
	return len(s)
}
