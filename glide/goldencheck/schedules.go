package goldencheck

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/webglide/webglide/glide/diffusion"
	"github.com/webglide/webglide/glide/golden"
)

func init() { kinds["schedules"] = checkSchedules }

// scheduleTol bounds the per-element relative error of the float64 tables.
// The formulas and their order of operations are the reference's, so the
// only differences are libm's last bits (Go's math.Cos and math.Log against
// glibc's and NumPy's), carried through the cumulative product: a few ulps.
const scheduleTol = 1e-12

// checkSchedules rebuilds every (schedule, respacing) process the case lists
// in its "schedules" field and compares every table stored under its tag:
// timestep_map exactly, the float64 tables within scheduleTol relative per
// element, and the *_f32 tables (float32 roundings of a float64 table)
// exactly. It reports the worst relative error over all float64 tables.
func checkSchedules(_ context.Context, env *Env, c *golden.Case) golden.Result {
	var entries []struct {
		Schedule    string `json:"schedule"`
		Respacing   string `json:"respacing"`
		Tag         string `json:"tag"`
		NumSteps    *int   `json:"num_timesteps"`
		TimestepMap []int  `json:"timestep_map"`
	}
	if err := c.Field("schedules", &entries); err != nil {
		return golden.Failed("%v", err)
	}
	steps := 1000 // diffusion_steps in every GLIDE configuration
	if c.Has("diffusion_steps") {
		if err := c.Field("diffusion_steps", &steps); err != nil {
			return golden.Failed("%v", err)
		}
	}
	if len(entries) == 0 {
		return golden.Failed("case lists no schedules")
	}
	var acc golden.Accumulator
	worstAt := ""
	compared := 0
	for _, e := range entries {
		tag := e.Tag
		if tag == "" {
			r := e.Respacing
			if r == "" {
				r = "none"
			}
			tag = e.Schedule + "/" + r
		}
		d, err := diffusion.New(e.Schedule, steps, e.Respacing)
		if err != nil {
			acc.Fail("%s: %v", tag, err)
			continue
		}
		if e.NumSteps != nil && d.NumTimesteps != *e.NumSteps {
			acc.Fail("%s: %d steps, want %d", tag, d.NumTimesteps, *e.NumSteps)
		}
		if e.TimestepMap != nil && !slices.Equal(d.TimestepMap, e.TimestepMap) {
			acc.Fail("%s: timestep_map %v, want %v (case.json)", tag, d.TimestepMap, e.TimestepMap)
		}
		tables := d.Tables()
		found := 0
		for _, desc := range c.Tensors {
			name, ok := strings.CutPrefix(desc.Name, tag+"/")
			if !ok {
				continue
			}
			found++
			switch {
			case name == "timestep_map":
				want, _, err := c.I32(desc.Name)
				if err != nil {
					acc.Fail("%v", err)
					continue
				}
				got := make([]int, len(want))
				for i, v := range want {
					got[i] = int(v)
				}
				if !slices.Equal(d.TimestepMap, got) {
					acc.Fail("%s: %v, want %v", desc.Name, d.TimestepMap, got)
				}
				compared++
			case strings.HasSuffix(name, "_f32"):
				table, ok := tables[strings.TrimSuffix(name, "_f32")]
				if !ok {
					acc.Fail("%s: no such table", desc.Name)
					continue
				}
				want, _, err := c.F32(desc.Name)
				if err != nil {
					acc.Fail("%v", err)
					continue
				}
				if len(want) != len(table) {
					acc.Fail("%s: length %d, want %d", desc.Name, len(table), len(want))
					continue
				}
				for i, w := range want {
					if g := float32(table[i]); math.Float32bits(g) != math.Float32bits(w) {
						acc.Fail("%s[%d]: %v, want %v (exact)", desc.Name, i, g, w)
						break
					}
				}
				compared++
			default:
				table, ok := tables[name]
				if !ok {
					acc.Fail("%s: no such table", desc.Name)
					continue
				}
				want, _, err := c.F64(desc.Name)
				if err != nil {
					acc.Fail("%v", err)
					continue
				}
				if len(want) != len(table) {
					acc.Fail("%s: length %d, want %d", desc.Name, len(table), len(want))
					continue
				}
				rel, at := worstRel64(table, want)
				if rel > acc.Worst {
					acc.Worst = rel
					worstAt = fmt.Sprintf("%s[%d]", desc.Name, at)
				}
				if rel > scheduleTol {
					acc.Fail("%s[%d]: %v, want %v: relative error %.3g > %.3g", desc.Name, at, table[at], want[at], rel, scheduleTol)
				}
				compared++
			}
		}
		if found == 0 {
			acc.Fail("%s: no tensors stored under this tag", tag)
		}
	}
	if compared == 0 {
		acc.Fail("no tables compared")
	}
	if env != nil && env.Log != nil && worstAt != "" {
		fmt.Fprintf(env.Log, "schedules: %d tables, worst relative error %.3g at %s\n", compared, acc.Worst, worstAt)
	}
	return acc.Result("max_rel_err")
}

// worstRel64 returns the largest per-element relative error |got − want|/|want|
// (the absolute error where want is 0; +Inf where the two disagree on NaN or
// Inf) and its index.
func worstRel64(got, want []float64) (float64, int) {
	worst, at := 0.0, 0
	for i, w := range want {
		g := got[i]
		var r float64
		switch {
		case g == w || (math.IsNaN(g) && math.IsNaN(w)):
			continue
		case math.IsNaN(g) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsInf(w, 0):
			r = math.Inf(1)
		case w == 0:
			r = math.Abs(g)
		default:
			r = math.Abs(g-w) / math.Abs(w)
		}
		if r > worst {
			worst, at = r, i
		}
	}
	return worst, at
}
