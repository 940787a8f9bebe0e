// Command shellsw writes DIR/sw.js, the service worker of the static site
// in DIR (make site): DIR/site/sw.js behind the app shell's file list and
// content hash (internal/shell). Usage: go run ./tools/shellsw DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/webglide/webglide/internal/shell"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: shellsw DIR (a folder with index.html, site/ and build/, as make site writes)")
		os.Exit(2)
	}
	dir := os.Args[1]
	sw, version, err := shell.Build(os.DirFS(dir))
	if err != nil {
		fmt.Fprintf(os.Stderr, "shellsw: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(dir, "sw.js"), sw, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "shellsw: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("shellsw: %s/sw.js, shell %s\n", dir, version)
}
