package convert

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/f16"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/glide/weights/torchpt"
)

const goldenDir = "../../../testdata/golden"

type goldenCase struct {
	name       string
	checkpoint string
	config     model.Config
}

// goldenCases discovers every golden case that ships a checkpoint.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(goldenDir, "*", "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cj struct {
			Checkpoint *struct {
				File string `json:"file"`
			} `json:"checkpoint"`
		}
		if err := json.Unmarshal(b, &cj); err != nil {
			t.Fatal(err)
		}
		if cj.Checkpoint == nil || cj.Checkpoint.File == "" {
			continue
		}
		cfg, err := model.ConfigFromJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, goldenCase{filepath.Base(filepath.Dir(f)), filepath.Join(filepath.Dir(f), cj.Checkpoint.File), cfg})
	}
	if len(out) == 0 {
		t.Fatal("no golden case with a checkpoint")
	}
	return out
}

func TestConvertGoldenCheckpoints(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bundle")
			calls := 0
			m, err := Run(gc.checkpoint, out, Options{Config: &gc.config, MaxShardBytes: 4 << 20,
				Progress: func(done, total int, name string, n int64) { calls++ }})
			if err != nil {
				t.Fatal(err)
			}
			params, _ := gc.config.Params()
			if calls != len(params) || len(m.Tensors) != len(params) || len(m.Shards) < 2 {
				t.Fatalf("progress %d, %d tensors, %d shards; want %d tensors in several shards", calls, len(m.Tensors), len(m.Shards), len(params))
			}
			if m.Kind != gc.config.Kind() {
				t.Errorf("kind %q, want %q", m.Kind, gc.config.Kind())
			}
			b, err := weights.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			back, err := model.ConfigFromJSON(b.Manifest.Config)
			if err != nil || !reflect.DeepEqual(back, gc.config) {
				t.Fatalf("config round trip: %v\n%+v\n%+v", err, back, gc.config)
			}
			dev := nn.NewCPU(1)
			ts, err := b.Load(dev)
			if err != nil {
				t.Fatal(err)
			}
			if err := model.Weights(ts).Check(gc.config); err != nil {
				t.Fatal(err)
			}
			for i, p := range params {
				if m.Tensors[i].Name != p.Name {
					t.Fatalf("tensor %d is %s, want %s (state_dict order)", i, m.Tensors[i].Name, p.Name)
				}
				got, _ := dev.Download(ts[p.Name])
				want, err := detrand.Weight(p.Name, p.Shape)
				if err != nil {
					t.Fatal(err)
				}
				maxErr := 0.0
				for j := range want {
					e := math.Abs(float64(got[j]) - float64(want[j]))
					if e > f16.RoundingBound(want[j]) {
						t.Fatalf("%s[%d] = %v, want %v within %g", p.Name, j, got[j], want[j], f16.RoundingBound(want[j]))
					}
					maxErr = math.Max(maxErr, e)
				}
				if maxErr != m.Tensors[i].MaxAbsRoundingError {
					t.Errorf("%s: max error %g, manifest %g", p.Name, maxErr, m.Tensors[i].MaxAbsRoundingError)
				}
			}
			// Converting again replaces the bundle; no temporary folder is left.
			if _, err := Run(gc.checkpoint, out, Options{Config: &gc.config}); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(filepath.Dir(out))
			if len(ents) != 1 {
				t.Errorf("left behind: %v", ents)
			}
		})
	}
}

func TestInferKind(t *testing.T) {
	for _, gc := range goldenCases(t) {
		ck, err := torchpt.Open(gc.checkpoint)
		if err != nil {
			t.Fatal(err)
		}
		k, err := InferKind(ck.Tensors)
		ck.Close()
		if err != nil || k != gc.config.Kind() {
			t.Errorf("%s: inferred %q (%v), want %q", gc.name, k, err, gc.config.Kind())
		}
	}
	for cin, want := range map[int]string{3: "base", 6: "upsample", 7: "base-inpaint", 10: "upsample-inpaint"} {
		k, err := InferKind([]torchpt.TensorInfo{{Name: InputConvKey, Shape: []int{192, cin, 3, 3}}})
		if err != nil || k != want {
			t.Errorf("cin %d: %q %v", cin, k, err)
		}
	}
	if _, err := InferKind([]torchpt.TensorInfo{{Name: InputConvKey, Shape: []int{192, 4, 3, 3}}}); err == nil {
		t.Error("4 input channels accepted")
	}
	if _, err := InferKind([]torchpt.TensorInfo{{Name: "visual.conv1.weight", Shape: []int{1}}}); err == nil {
		t.Error("CLIP-like checkpoint accepted")
	}
}

func TestShapeMismatchRefused(t *testing.T) {
	gc := goldenCases(t)[0]
	cfg := gc.config
	cfg.XFWidth *= 2 // every text tensor changes shape
	out := filepath.Join(t.TempDir(), "b")
	_, err := Run(gc.checkpoint, out, Options{Config: &cfg})
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v", err)
	}
	want := "positional_embedding has shape [128 " // the checkpoint's shape, then the configuration's
	found := false
	for _, d := range me.Diffs {
		found = found || strings.HasPrefix(d, want)
	}
	if !found || !strings.Contains(err.Error(), "positional_embedding") {
		t.Fatalf("differences do not list positional_embedding: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output written for a refused checkpoint")
	}
	// The preset of the same kind (full size) mismatches too, with missing and unexpected keys.
	_, err = Run(gc.checkpoint, out, Options{Kind: gc.config.Kind()})
	if !errors.As(err, &me) || len(me.Diffs) < 10 {
		t.Fatalf("preset: %v", err)
	}
	// --kind that disagrees with --config.
	if _, err := Run(gc.checkpoint, out, Options{Kind: "upsample-inpaint", Config: &gc.config}); err == nil {
		t.Error("kind/config disagreement accepted")
	}
}

func TestRefuseForeignTarget(t *testing.T) {
	gc := goldenCases(t)[0]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644)
	if _, err := Run(gc.checkpoint, dir, Options{Config: &gc.config}); err == nil || !strings.Contains(err.Error(), "not replacing") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "precious.txt")); err != nil {
		t.Fatal(err)
	}
}
