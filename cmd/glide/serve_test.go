package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestServeFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"serve", "--help"}, 0, "usage: glide serve", ""},
		{[]string{"serve", "--bogus"}, 2, "", "usage: glide serve"},
		{[]string{"serve", "extra"}, 2, "", "unexpected argument"},
		{[]string{"serve", "--root", t.TempDir()}, 1, "", "no index.html"},
		{[]string{"serve", "--help"}, 0, "--weights", ""},
		{[]string{"serve", "--root", "../..", "--weights", "no/such/folder"}, 1, "", "weights folder no/such/folder does not exist"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("glide %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				strings.Join(tc.args, " "), code, stdout.String(), stderr.String(), tc.code, tc.out, tc.err)
		}
	}
}
