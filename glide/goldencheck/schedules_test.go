package goldencheck

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/golden"
)

// syntheticSchedules writes a schedules case for the given respacings from
// our own tables, with edit applied to the bytes of one file name.
func syntheticSchedules(t *testing.T, specs [][2]string, edit func(name string, b []byte)) *golden.Case {
	t.Helper()
	fsys := fstest.MapFS{}
	var tensors []map[string]any
	var entries []map[string]any
	add := func(name, dtype string, n int, b []byte) {
		file := strings.ReplaceAll(name, "/", "__") + "." + map[string]string{"f64": "f64", "f32": "f32", "i32": "i32"}[dtype]
		if edit != nil {
			edit(name, b)
		}
		fsys["s/"+file] = &fstest.MapFile{Data: b}
		tensors = append(tensors, map[string]any{"name": name, "shape": []int{n}, "dtype": dtype, "file": file})
	}
	for _, sp := range specs {
		d, err := diffusion.New(sp[0], 1000, sp[1])
		if err != nil {
			t.Fatal(err)
		}
		r := sp[1]
		if r == "" {
			r = "none"
		}
		tag := sp[0] + "/" + r
		entries = append(entries, map[string]any{"schedule": sp[0], "respacing": sp[1], "tag": tag, "num_timesteps": d.NumTimesteps})
		tm := make([]byte, 4*d.NumTimesteps)
		for i, v := range d.TimestepMap {
			binary.LittleEndian.PutUint32(tm[4*i:], uint32(v))
		}
		add(tag+"/timestep_map", "i32", d.NumTimesteps, tm)
		for name, tab := range d.Tables() {
			b := make([]byte, 8*len(tab))
			for i, v := range tab {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
			}
			add(tag+"/"+name, "f64", len(tab), b)
		}
		b := make([]byte, 4*len(d.Betas))
		for i, v := range d.Betas {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(v)))
		}
		add(tag+"/betas_f32", "f32", len(d.Betas), b)
	}
	js, err := json.Marshal(map[string]any{
		"format": golden.Format, "case": "schedules", "kind": "schedules",
		"tensors": tensors, "schedules": entries, "diffusion_steps": 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["s/case.json"] = &fstest.MapFile{Data: js}
	c, err := golden.Load(fsys, "s")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCheckSchedulesSynthetic checks that the checker follows whatever
// respacings a case lists and that it notices a changed table.
func TestCheckSchedulesSynthetic(t *testing.T) {
	specs := [][2]string{{"linear", "7,3"}, {"squaredcos_cap_v2", "ddim50"}}
	r := checkSchedules(context.Background(), &Env{}, syntheticSchedules(t, specs, nil))
	if r.Status != golden.Pass || r.Value != 0 {
		t.Fatalf("own tables: %+v", r)
	}
	for _, target := range []string{"linear/7,3/posterior_mean_coef2", "squaredcos_cap_v2/ddim50/timestep_map", "linear/7,3/betas_f32"} {
		c := syntheticSchedules(t, specs, func(name string, b []byte) {
			if name == target {
				b[len(b)-1] ^= 0x01 // last element, a high mantissa or sign/exponent bit
				b[len(b)-2] ^= 0x80
			}
		})
		if r := checkSchedules(context.Background(), &Env{}, c); r.Status != golden.Fail || !strings.Contains(r.Why, target) {
			t.Errorf("changed %s: %+v", target, r)
		}
	}
}
