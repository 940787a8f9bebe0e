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

// Prelude returns the lines a host puts before a kernel's source to pick
// its storage precision. Kernels written against the alias `st` (the
// element type of activation and weight buffers) compile on both paths:
//
//	f32 path: alias st = f32;
//	f16 path: enable f16; alias st = f16;   (needs the shader-f16 feature)
//
// Arithmetic inside the kernels is f32 either way (loads widen with
// f32(...), stores narrow with st(...)); only storage changes. This is the
// whole mechanism: one WGSL alias, no template language.
func Prelude(f16 bool) string {
	if f16 {
		return "enable f16;\nalias st = f16;\n"
	}
	return "alias st = f32;\n"
}
