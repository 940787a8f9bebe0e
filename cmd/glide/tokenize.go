package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/webglide/webglide/glide/bpe"
)

func init() {
	register(command{
		name:    "tokenize",
		summary: "print GLIDE's token ids (and padded mask) for a prompt",
		run:     runTokenize,
	})
}

// tokenizeOutput is the one JSON line tokenize prints. Mask is present only
// with --ctx (a nil slice is omitted; with --ctx it is never nil).
type tokenizeOutput struct {
	Tokens []int32 `json:"tokens"`
	Mask   []bool  `json:"mask,omitempty"`
}

func runTokenize(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ctx := fs.Int("ctx", 0, "truncate or pad (with 50256) to exactly `N` tokens and print the mask too; GLIDE uses 128")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: glide tokenize [--ctx N] [--] TEXT")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Prints, as one JSON line, GLIDE's token ids for TEXT: the text lower-cased as")
		fmt.Fprintln(stderr, "Python does, then GPT-2 byte-level BPE, with no start or end token:")
		fmt.Fprintln(stderr, `  {"tokens":[...]}`)
		fmt.Fprintln(stderr, "With --ctx N the ids are cut or padded to N, as the models take them, and")
		fmt.Fprintln(stderr, "the mask (true for real tokens) is printed too:")
		fmt.Fprintln(stderr, `  {"tokens":[...],"mask":[...]}`)
		fmt.Fprintln(stderr, `TEXT may be "" (no tokens). Use -- before a TEXT that starts with "-".`)
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		if fs.NArg() == 0 {
			fmt.Fprintln(stderr, "glide tokenize: give the prompt TEXT")
		} else {
			fmt.Fprintf(stderr, "glide tokenize: give the prompt as one argument (quote it); got %d\n", fs.NArg())
		}
		fs.Usage()
		return 2
	}
	ctxSet := false
	fs.Visit(func(f *flag.Flag) { ctxSet = ctxSet || f.Name == "ctx" })
	if ctxSet && *ctx < 1 {
		fmt.Fprintf(stderr, "glide tokenize: --ctx must be at least 1, got %d\n", *ctx)
		return 2
	}

	out := tokenizeOutput{Tokens: bpe.Encode(fs.Arg(0))}
	if ctxSet {
		if n := bpe.Truncated(out.Tokens, *ctx); n > 0 {
			// GLIDE truncates silently; say so on stderr, keeping stdout JSON.
			fmt.Fprintf(stderr, "glide tokenize: warning: the prompt has %d tokens; the last %d do not fit in --ctx %d and were dropped\n",
				len(out.Tokens), n, *ctx)
		}
		out.Tokens, out.Mask = bpe.PaddedTokensAndMask(out.Tokens, *ctx)
	}
	line, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintf(stderr, "glide tokenize: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", line)
	return 0
}
