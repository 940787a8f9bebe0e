// Package shaders holds WebGLIDE's WGSL compute kernels, one kernel per
// .wgsl file named for its op in snake_case. Each file's header names the
// Go reference twin that defines what the kernel computes.
//
// The files are embedded here because go:embed cannot reach outside its
// package's directory; consumers ask for a kernel by name.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.wgsl
var files embed.FS

// Source returns the WGSL text of the kernel called name ("saxpy" or
// "saxpy.wgsl").
func Source(name string) (string, error) {
	if !strings.HasSuffix(name, ".wgsl") {
		name += ".wgsl"
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("shaders: no kernel %q: %w", name, fs.ErrNotExist)
	}
	return string(b), nil
}

// Names lists the embedded kernels, without the .wgsl suffix, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".wgsl"))
	}
	sort.Strings(names)
	return names
}
