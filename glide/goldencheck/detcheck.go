package goldencheck

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/webglide/webglide/glide/detrand"
	"github.com/webglide/webglide/glide/golden"
)

func init() { kinds["detcheck"] = checkDetcheck }

// checkDetcheck verifies detweights v1 and detnoise v1 bit for bit against
// the generator's check values: hashes, raw splitmix outputs, u values and
// float32 bit patterns.
func checkDetcheck(_ context.Context, _ *Env, c *golden.Case) golden.Result {
	var weights []struct {
		Key     string    `json:"key"`
		Shape   []int     `json:"shape"`
		Rule    string    `json:"rule"`
		FNV     string    `json:"fnv1a64"`
		Indices []int     `json:"indices"`
		XHex    []string  `json:"x_hex"`
		U       []float64 `json:"u"`
		Bits    []string  `json:"values_f32_bits"`
		Values  []float64 `json:"values"`
	}
	var noises []struct {
		Stream  string    `json:"stream"`
		Numel   int       `json:"numel"`
		FNV     string    `json:"fnv1a64"`
		Indices []int     `json:"indices"`
		Values  []float64 `json:"values"`
		Bits    []string  `json:"values_f32_bits"`
	}
	if err := c.Field("detweights_checks", &weights); err != nil {
		return golden.Failed("%v", err)
	}
	if err := c.Field("detnoise_checks", &noises); err != nil {
		return golden.Failed("%v", err)
	}
	var acc golden.Accumulator
	checked := 0
	for _, w := range weights {
		h := detrand.FNV1a64(w.Key)
		if fmt.Sprintf("%016x", h) != w.FNV {
			acc.Fail("%s: fnv1a64 %016x, want %s", w.Key, h, w.FNV)
		}
		rule, err := detrand.RuleFor(w.Key, w.Shape)
		if err != nil {
			acc.Fail("%v", err)
			continue
		}
		if string(rule) != w.Rule {
			acc.Fail("%s: rule %s, want %s", w.Key, rule, w.Rule)
		}
		vals, err := detrand.Weight(w.Key, w.Shape)
		if err != nil {
			acc.Fail("%v", err)
			continue
		}
		for j, idx := range w.Indices {
			x := detrand.SplitMix64(h ^ (uint64(idx) * 0xd1b54a32d192ed03))
			if j < len(w.XHex) && fmt.Sprintf("%016x", x) != w.XHex[j] {
				acc.Fail("%s[%d]: x %016x, want %s", w.Key, idx, x, w.XHex[j])
			}
			if j < len(w.U) && detrand.Uniform(h, idx) != w.U[j] {
				acc.Fail("%s[%d]: u %v, want %v", w.Key, idx, detrand.Uniform(h, idx), w.U[j])
			}
			if j < len(w.Bits) {
				want, _ := strconv.ParseUint(w.Bits[j], 16, 32)
				if math.Float32bits(vals[idx]) != uint32(want) {
					acc.Fail("%s[%d]: bits %08x, want %s", w.Key, idx, math.Float32bits(vals[idx]), w.Bits[j])
				}
			} else if j < len(w.Values) && float64(vals[idx]) != w.Values[j] {
				acc.Fail("%s[%d]: %v, want %v", w.Key, idx, vals[idx], w.Values[j])
			}
			checked++
		}
	}
	for _, n := range noises {
		if fmt.Sprintf("%016x", detrand.FNV1a64(n.Stream)) != n.FNV {
			acc.Fail("%s: fnv1a64 mismatch", n.Stream)
		}
		vals := detrand.Noise(n.Stream, n.Numel)
		for j, idx := range n.Indices {
			if j < len(n.Bits) {
				want, _ := strconv.ParseUint(n.Bits[j], 16, 32)
				if math.Float32bits(vals[idx]) != uint32(want) {
					acc.Fail("%s[%d]: bits %08x, want %s", n.Stream, idx, math.Float32bits(vals[idx]), n.Bits[j])
				}
			} else if j < len(n.Values) && float64(vals[idx]) != n.Values[j] {
				acc.Fail("%s[%d]: %v, want %v", n.Stream, idx, vals[idx], n.Values[j])
			}
			checked++
		}
	}
	// The two small tensor files: a detnoise stream and a detweights tensor.
	for _, d := range c.Tensors {
		want, shape, err := c.F32(d.Name)
		if err != nil {
			acc.Fail("%v", err)
			continue
		}
		var got []float32
		switch {
		case d.Detnoise != "":
			got = detrand.Noise(d.Detnoise, len(want))
		default:
			key := d.DetweightsKey
			if key == "" {
				acc.Fail("tensor %s: neither detnoise nor a detweights key", d.Name)
				continue
			}
			got, err = detrand.Weight(key, shape)
			if err != nil {
				acc.Fail("%v", err)
				continue
			}
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				acc.Fail("%s[%d]: %v, want %v (bit-exact)", d.Name, i, got[i], want[i])
				break
			}
			checked++
		}
	}
	if checked == 0 {
		acc.Fail("no check values found")
	}
	if len(acc.Failures) > 0 {
		return acc.Result("")
	}
	return golden.Passed("bit_exact_values", float64(checked))
}
