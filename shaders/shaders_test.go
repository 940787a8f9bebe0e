package shaders

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestSource(t *testing.T) {
	for _, name := range []string{"saxpy", "saxpy.wgsl"} {
		src, err := Source(name)
		if err != nil {
			t.Fatalf("Source(%q): %v", name, err)
		}
		if !strings.Contains(src, "@compute") {
			t.Errorf("Source(%q) has no @compute entry point", name)
		}
	}
	if _, err := Source("no_such_kernel"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Source(no_such_kernel) error = %v, want fs.ErrNotExist", err)
	}
}

// TestHeaders checks that every kernel's header comment names its Go
// (CPU) twin, as the style guide asks: a line containing "twin".
func TestHeaders(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no kernels embedded")
	}
	for _, n := range names {
		src, _ := Source(n)
		if !strings.Contains(strings.ToLower(header(src)), "twin") {
			t.Errorf("%s.wgsl: header comment does not name the kernel's Go twin (e.g. a line \"Go twin: nn.GroupNorm\")", n)
		}
	}
}

// header returns the leading // comment lines of a WGSL file.
func header(src string) string {
	var b strings.Builder
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "//") && line != "" {
			break
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
