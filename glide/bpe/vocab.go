package bpe

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// The vocabulary file: the bytes of the ordinary tokens 0..EndToken−1 in id
// order (an id is its merge rank), which is all the rank table holds.
//
//	"GLIDEBPE1\n"  magic
//	EndToken ×     uvarint length (1..255), then that many bytes
//
// make wasm writes it (tools/bpevocab) as build/VocabFile from the
// library's table; the worker fetches it beside the wasm and Installs it.
const (
	// VocabFile is the file's name in build/ and in the static site.
	VocabFile = "glide-bpe.vocab"
	// VocabSHA256 is the file's SHA-256 (lower-case hex), compiled into
	// every build so that Install accepts only the table the goldens were
	// made with. TestVocabFile checks it against the library's table.
	VocabSHA256 = "2a4970f890d6b51d48c89ab5911e97ab335f654ec02c79c237000876c685e40b"
	vocabMagic  = "GLIDEBPE1\n"
)

// ErrVocab is the kind of every Install error: the file is not the
// vocabulary this build expects (another version, truncated, corrupt).
var ErrVocab = errors.New("bpe: vocabulary file")

// Install sets the tokenizer's vocabulary from the vocabulary file's bytes.
// The file must have VocabSHA256's digest; any other is an error wrapping
// ErrVocab and changes nothing. Installing when a vocabulary is already
// set (installed, or the build's own) checks the file and keeps the tables.
func Install(data []byte) error {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != VocabSHA256 {
		return fmt.Errorf("%w: %d bytes with SHA-256 %s…, want %s… (a different build's file, or damaged)", ErrVocab, len(data), got[:12], VocabSHA256[:12])
	}
	toks, err := parseVocab(data)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if !ready.Load() {
		setTables(toks)
	}
	return nil
}

// Ready says whether the tokenizer has its vocabulary (Install done, or
// the build's own table), so that Encode will not panic.
func Ready() bool { return ready.Load() || hasBuiltinVocab }

// marshalVocab writes the vocabulary file of the ordinary tokens toks.
func marshalVocab(toks []string) []byte {
	out := []byte(vocabMagic)
	for _, t := range toks {
		out = binary.AppendUvarint(out, uint64(len(t)))
		out = append(out, t...)
	}
	return out
}

// parseVocab reads a vocabulary file: exactly EndToken distinct, non-empty
// tokens and nothing after them.
func parseVocab(data []byte) ([]string, error) {
	if len(data) < len(vocabMagic) || string(data[:len(vocabMagic)]) != vocabMagic {
		return nil, fmt.Errorf("%w: no %q header", ErrVocab, vocabMagic[:len(vocabMagic)-1])
	}
	rest := data[len(vocabMagic):]
	toks := make([]string, EndToken)
	seen := make(map[string]bool, EndToken)
	for id := range toks {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n == 0 || n > 255 || uint64(len(rest)-k) < n {
			return nil, fmt.Errorf("%w: token %d is cut off or has a bad length", ErrVocab, id)
		}
		t := string(rest[k : k+int(n)])
		if seen[t] {
			return nil, fmt.Errorf("%w: token %d (%q) repeats an earlier one", ErrVocab, id, t)
		}
		seen[t] = true
		toks[id] = t
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last token", ErrVocab, len(rest))
	}
	return toks, nil
}
