package bpe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitOracle is an independent, hand-written reading of Pattern under
// Python regex semantics (leftmost match; at each position the first
// alternative that matches wins; greedy quantifiers backtrack). The tests and
// the fuzzer compare Pretokenize (regexp2) against it, so that a difference
// between the regex engines would show up as a disagreement between two
// implementations rather than go unnoticed.
//
// Every rune is exactly one of: White_Space (\s), letter (\p{L}), number
// (\p{N}) or "other", so some alternative always matches and findall never
// skips a rune.
func splitOracle(s string) []string {
	rs := []rune(s)
	n := len(rs)
	class := func(r rune) byte {
		switch {
		case unicode.IsSpace(r): // Go's IsSpace is exactly Unicode White_Space
			return 's'
		case unicode.IsLetter(r):
			return 'L'
		case unicode.IsNumber(r):
			return 'N'
		}
		return 'o'
	}
	// run returns the end of the run of class c starting at i.
	run := func(i int, c byte) int {
		for i < n && class(rs[i]) == c {
			i++
		}
		return i
	}
	out := []string{}
	for i := 0; i < n; {
		end := -1
		for _, c := range []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"} {
			if strings.HasPrefix(string(rs[i:min(i+3, n)]), c) {
				end = i + utf8.RuneCountInString(c)
				break
			}
		}
		if end < 0 {
			// " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional
			// ASCII space (only U+0020), then a run of one class.
			for _, c := range []byte{'L', 'N', 'o'} {
				j := i
				if rs[j] == ' ' && j+1 < n && class(rs[j+1]) == c {
					j++
				}
				if class(rs[j]) == c {
					end = run(j, c)
					break
				}
			}
		}
		if end < 0 && class(rs[i]) == 's' {
			// "\s+(?!\S)": the whole whitespace run if it reaches the end
			// of the text, else all but its last rune (which stays to
			// prefix the next word); with a run of one, "\s+" takes it.
			j := run(i, 's')
			switch {
			case j == n:
				end = j
			case j-1 > i:
				end = j - 1
			default:
				end = j
			}
		}
		out = append(out, string(rs[i:end]))
		i = end
	}
	return out
}
