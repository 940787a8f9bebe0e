// Tokenizing: the page's live token count against GLIDE's text context.

package main

import (
	"syscall/js"

	"github.com/webglide/webglide/glide/bpe"
)

// tokenize answers {type: "tokenize", id, prompt} with {type: "tokens",
// id, count, max, truncated}: how many tokens the prompt has, the text
// context of both models (bpe.TextCtx) and how many tokens beyond it the
// models never see. It runs on the JS event loop (a prompt encodes in well
// under a millisecond; the first call builds the rank table, about a
// second under wasm), so while a generation runs the answer comes at the
// next step boundary. Until the vocabulary is in (vocab_js.go) it answers
// from a goroutine that waits for it.
func tokenize(id float64, data js.Value) {
	prompt := str(data, "prompt")
	if !bpe.Ready() {
		go func() {
			if err := ensureVocab(); err != nil {
				postError(id, err)
				return
			}
			postTokens(id, prompt)
		}()
		return
	}
	postTokens(id, prompt)
}

func postTokens(id float64, prompt string) {
	ids := bpe.Encode(prompt)
	post(map[string]any{
		"type": "tokens", "id": id, "count": len(ids), "max": bpe.TextCtx,
		"truncated": bpe.Truncated(ids, bpe.TextCtx),
	})
}
