//go:build js && !bpe_tiktoken

package bpe

// The worker wasm has no vocabulary of its own: it Installs VocabFile.
const hasBuiltinVocab = false

func builtinVocab() []string { return nil }
