package goldencheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights/convert"
)

// convertCheckpoints converts every golden case's .pt checkpoint into a
// bundle under dir and returns the cases that have one.
func convertCheckpoints(t *testing.T, dir string) []*golden.Case {
	t.Helper()
	cases, err := golden.Discover(os.DirFS(goldenDir(t)), ".")
	if err != nil {
		t.Fatal(err)
	}
	var with []*golden.Case
	for _, c := range cases {
		var ck struct {
			File string `json:"file"`
		}
		if !c.Has("checkpoint") || c.Field("checkpoint", &ck) != nil {
			continue
		}
		cfg, err := model.ConfigFromJSON(c.RawField("config"))
		if err != nil {
			t.Fatal(err)
		}
		in := filepath.Join(goldenDir(t), c.Dir, ck.File)
		if _, err := convert.Run(in, filepath.Join(dir, c.Name), convert.Options{Config: &cfg, MaxShardBytes: 4 << 20}); err != nil {
			t.Fatalf("convert %s: %v", in, err)
		}
		with = append(with, c)
	}
	if len(with) == 0 {
		t.Fatal("no golden case has a checkpoint")
	}
	return with
}

// The fixtures' .pt checkpoints, converted to fp16 bundles, reproduce their
// model cases within the fp16 tolerance; a flipped byte in a shard is caught
// and named.
func TestGoldenWithBundles(t *testing.T) {
	dir := t.TempDir()
	cases := convertCheckpoints(t, dir)
	src, err := BundleSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Device: nn.NewCPU(0), Weights: src}
	for _, c := range cases {
		r := Checkers(env)[c.Kind](context.Background(), c)
		if r.Status != golden.Pass {
			t.Errorf("%s with bundle weights: %s", c.Name, r.Why)
		} else if r.Value < 1e-5 {
			t.Errorf("%s: error %.3g is too small for fp16 weights: were detweights used instead?", c.Name, r.Value)
		}
	}

	// Corrupt one byte of the first case's first shard.
	shard := filepath.Join(dir, cases[0].Name, "0000.bin")
	data, err := os.ReadFile(shard)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x40
	if err := os.WriteFile(shard, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := Checkers(env)[cases[0].Kind](context.Background(), cases[0])
	if r.Status != golden.Fail || !strings.Contains(r.Why, "0000.bin") {
		t.Errorf("corrupt shard: status %v, why %q; want a failure naming 0000.bin", r.Status, r.Why)
	}
}
