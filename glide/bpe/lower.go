package bpe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lower returns Python's str.lower() of s, which GLIDE's encoder applies to
// every prompt before splitting it.
//
// Go's strings.ToLower applies only the simple (one rune to one rune) case
// mapping. Python applies the full mapping, and over every code point the two
// differ in exactly two places, both handled here:
//
//   - U+0130 'İ' (capital I with dot above) lowers to "i" + U+0307 (combining
//     dot above), two runes, not to a plain "i".
//   - U+03A3 'Σ' lowers to the final form 'ς' (U+03C2) when it ends a word,
//     by the Unicode Final_Sigma condition (see isFinalSigma), else to 'σ'.
//
// The other runes use unicode.ToLower. Python 3.11 uses Unicode 14.0 and Go
// uses a newer edition, so code points assigned after Unicode 14.0 may lower
// differently from the reference; no GLIDE prompt is expected to use them.
//
// s should be valid UTF-8. Invalid bytes are first replaced with U+FFFD the
// way Python's bytes.decode("utf-8", errors="replace") does (see
// ToValidUTF8), since a Python str can never hold them.
func Lower(s string) string {
	s = ToValidUTF8(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// ASCII lowers the same in Go and Python, and this path is taken by
		// almost every prompt.
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if isFinalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isFinalSigma reports whether the capital sigma at byte offset i of s is in
// the Final_Sigma context of Unicode's SpecialCasing.txt, exactly as CPython's
// handle_capital_sigma tests it:
//
//	\p{Cased} \p{Case_Ignorable}* Σ !( \p{Case_Ignorable}* \p{Cased} )
//
// That is: skipping case-ignorable runes, the nearest rune before Σ exists
// and is cased, and the nearest rune after it either does not exist or is
// not cased. The test looks at the original (not yet lowered) text, as
// Python does, so "ΣΣ" gives "σς".
func isFinalSigma(s string, i int) bool {
	j := i
	before := false
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if !isCaseIgnorable(r) {
			before = isCased(r)
			break
		}
	}
	if !before {
		return false
	}
	for j = i + len("Σ"); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if !isCaseIgnorable(r) {
			return !isCased(r)
		}
	}
	return true
}

// isCased reports the Unicode derived property Cased: Lowercase or Uppercase
// or general category Lt, where Lowercase = Ll + Other_Lowercase and
// Uppercase = Lu + Other_Uppercase. (unicode.IsUpper/IsLower are not enough:
// they test only Lu/Ll, and e.g. U+00AA 'ª' and U+2160 'Ⅰ' are cased too.)
func isCased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// isCaseIgnorable reports the Unicode derived property Case_Ignorable:
// general category Mn, Me, Cf, Lm or Sk, or Word_Break MidLetter, MidNumLet
// or Single_Quote. Go has no Word_Break tables, so those three small classes
// are listed here (they are unchanged from Unicode 14 to 15).
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', // Single_Quote
		'.', '\u2018', '\u2019', '\u2024', '\uFE52', '\uFF07', '\uFF0E', // MidNumLet
		':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2027', '\uFE13', '\uFE55', '\uFF1A': // MidLetter
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// ToValidUTF8 returns s with each ill-formed UTF-8 sequence replaced by
// U+FFFD, one replacement per maximal subpart (Unicode §3.9, "U+FFFD
// substitution of maximal subparts"). This is what Python's
// bytes.decode("utf-8", errors="replace") does, and so what GLIDE's decode()
// produces for token sequences that split a character.
//
// strings.ToValidUTF8 is not used because it replaces a whole run of invalid
// bytes with a single U+FFFD, whereas Python emits one per maximal subpart
// (e.g. "\xe0\x80" gives two, "\xf0\x90\x80" gives one).
func ToValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
			n = maximalSubpart(s)
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// maximalSubpart returns the length of the maximal subpart at the start of
// s, which starts with an ill-formed sequence: the longest prefix that is
// the start of some well-formed sequence, or 1 if there is none. The ranges
// are those of Table 3-7 (well-formed UTF-8 byte sequences) of the Unicode
// Standard; only the second byte has ranges narrower than 80..BF.
func maximalSubpart(s string) int {
	lead := s[0]
	lo, hi := byte(0x80), byte(0xBF)
	var cont int // continuation bytes a complete sequence needs
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		cont = 1
	case lead == 0xE0:
		cont, lo = 2, 0xA0 // no overlong 3-byte forms
	case lead == 0xED:
		cont, hi = 2, 0x9F // no surrogates
	case lead >= 0xE1 && lead <= 0xEF:
		cont = 2
	case lead == 0xF0:
		cont, lo = 3, 0x90 // no overlong 4-byte forms
	case lead >= 0xF1 && lead <= 0xF3:
		cont = 3
	case lead == 0xF4:
		cont, hi = 3, 0x8F // nothing above U+10FFFF
	default:
		return 1 // a continuation byte, C0, C1 or F5..FF
	}
	n := 1
	for n <= cont && n < len(s) && s[n] >= lo && s[n] <= hi {
		lo, hi = 0x80, 0xBF
		n++
	}
	return n
}
