package diffusion

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// closeRel reports whether got is within rel of want, relative to |want|
// (absolute where want is 0).
func closeRel(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) <= rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// Maps from glide-spec §4.3 (and the schedules fixture's case.json).
var (
	map100 = []int{0, 10, 20, 30, 40, 50, 61, 71, 81, 91, 101, 111, 121, 131, 141, 151, 161, 172, 182, 192, 202, 212, 222, 232, 242,
		252, 262, 272, 283, 293, 303, 313, 323, 333, 343, 353, 363, 373, 383, 394, 404, 414, 424, 434, 444, 454, 464, 474,
		484, 494, 505, 515, 525, 535, 545, 555, 565, 575, 585, 595, 605, 616, 626, 636, 646, 656, 666, 676, 686, 696, 706,
		716, 727, 737, 747, 757, 767, 777, 787, 797, 807, 817, 827, 838, 848, 858, 868, 878, 888, 898, 908, 918, 928, 938,
		949, 959, 969, 979, 989, 999}
	mapFast27 = []int{0, 22, 44, 66, 88, 111, 133, 155, 177, 199, 200, 222, 244, 266, 288, 311, 333, 355, 377, 399, 400, 500, 599, 600,
		799, 800, 997}
	map25 = []int{0, 42, 83, 125, 166, 208, 250, 291, 333, 375, 416, 458, 500, 541, 583, 624, 666, 708, 749, 791, 832, 874, 916, 957, 999}
)

func TestSpaceTimesteps(t *testing.T) {
	ddim25 := make([]int, 25)
	for i := range ddim25 {
		ddim25[i] = 40 * i
	}
	all := make([]int, 1000)
	for i := range all {
		all[i] = i
	}
	for _, tc := range []struct {
		spec string
		want []int
	}{
		{"100", map100},
		{"fast27", mapFast27},
		{"25", map25},
		{"ddim25", ddim25},
		{"", all},
		{"1000", all},
		{"10,10,3,2,2", append(append([]int(nil), mapFast27[:26]...), 999)},
		{"1", []int{0}},
		{"1,1", []int{0, 500}},
		{"2,0", []int{0, 499}}, // a section may keep nothing
	} {
		got, err := SpaceTimesteps(1000, tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q:\n got %v\nwant %v", tc.spec, got, tc.want)
		}
	}
	// Sections of unequal size: 10 = 4 + 3 + 3.
	got, err := SpaceTimesteps(10, "2,2,2")
	if err != nil || !slices.Equal(got, []int{0, 3, 4, 6, 7, 9}) {
		t.Errorf("SpaceTimesteps(10, \"2,2,2\") = %v, %v", got, err)
	}
	// Round half to even: the 3-step section of 200 has stride 99.5, and
	// the reference keeps 400 + round(99.5) = 500.
	got, _ = SpaceTimesteps(1000, "10,10,3,2,2")
	if got[21] != 500 {
		t.Errorf("round half to even: got %d, want 500", got[21])
	}
}

func TestSpaceTimestepsErrors(t *testing.T) {
	for _, spec := range []string{
		"0", "0,0", "-5", "abc", "10,abc", "10,,10", "1001", "10,10,3,2,2,500",
		"ddim", "ddim0", "ddimx", "ddim999", "ddim-3", "fast28", "1.5", "100 steps",
	} {
		got, err := SpaceTimesteps(1000, spec)
		if err == nil {
			t.Errorf("%q: no error, got %d steps", spec, len(got))
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: error %v does not wrap ErrInvalid", spec, err)
		}
	}
	if _, err := SpaceTimesteps(0, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 steps: %v", err)
	}
	for _, name := range []string{"", "cosine", "Linear", "quad"} {
		if _, err := BetaSchedule(name, 1000); !errors.Is(err, ErrInvalid) {
			t.Errorf("schedule %q: %v", name, err)
		}
	}
	if _, err := New(ScheduleLinear, 1000, "bogus"); !errors.Is(err, ErrInvalid) {
		t.Errorf("New with a bad respacing: %v", err)
	}
}

// TestBetaSchedules checks the schedules against glide-spec §4.1.
func TestBetaSchedules(t *testing.T) {
	cos, err := BetaSchedule(ScheduleCosine, 1000)
	if err != nil {
		t.Fatal(err)
	}
	lin, err := BetaSchedule(ScheduleLinear, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"cos β_0", cos[0], 4.128422482196914e-05},
		{"cos β_1", cos[1], 4.614175273665033e-05},
		{"cos β_997", cos[997], 0.5555537567416202},
		{"cos β_998", cos[998], 0.7499993929011166},
		{"cos β_999", cos[999], 0.999},
		{"linear β_0", lin[0], 1e-4},
		{"linear β_1", lin[1], 1.1991991991991993e-4},
		{"linear β_999", lin[999], 0.02},
	} {
		// The cosine schedule cancels ~4 digits (β = 1 − ᾱ(t2)/ᾱ(t1)), so a
		// last-bit difference in cos shows up at ~1e-12 relative.
		if !closeRel(c.got, c.want, 1e-12) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for i, b := range cos[:999] {
		if b >= 0.999 {
			t.Errorf("cos β_%d = %v is capped; only β_999 should be", i, b)
		}
	}
}

// TestRespacedTables checks the respaced processes against the reference
// values of glide-spec §4.3.
func TestRespacedTables(t *testing.T) {
	base, err := New(ScheduleCosine, 1000, "100")
	if err != nil {
		t.Fatal(err)
	}
	if base.NumTimesteps != 100 || !slices.Equal(base.TimestepMap, map100) {
		t.Fatalf("'100': %d steps, map %v", base.NumTimesteps, base.TimestepMap)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		rel       float64
	}{
		{"β_99", base.Betas[99], 0.9999899991985922, 1e-12},
		{"ᾱ_99", base.AlphasCumprod[99], 2.4287669e-09, 1e-7},
		{"β_98", base.Betas[98], 0.7499392803846628, 1e-12},
		{"β_1", base.Betas[1], 6.798400685055217e-4, 1e-12},
		{"β_0", base.Betas[0], 4.128422482196914e-05, 1e-12},
		{"coef1_0", base.PosteriorMeanCoef1[0], 1, 1e-12},
		{"coef2_0", base.PosteriorMeanCoef2[0], 0, 0},
		{"ᾱprev_0", base.AlphasCumprodPrev[0], 1, 0},
		{"ᾱnext_99", base.AlphasCumprodNext[99], 0, 0},
		{"σ̃²_0", base.PosteriorVariance[0], 0, 0},
	} {
		if !closeRel(c.got, c.want, c.rel) {
			t.Errorf("'100' %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if base.PosteriorLogVarianceClipped[0] != base.PosteriorLogVarianceClipped[1] ||
		base.PosteriorLogVarianceClipped[1] != math.Log(base.PosteriorVariance[1]) {
		t.Errorf("posterior_log_variance_clipped[0:2] = %v, want log σ̃²_1 twice", base.PosteriorLogVarianceClipped[:2])
	}

	up, err := New(ScheduleLinear, 1000, "fast27")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(up.TimestepMap, mapFast27) {
		t.Fatalf("fast27 map %v", up.TimestepMap)
	}
	for k, want := range map[int]float64{0: 1.0e-4, 1: 0.0072149534, 2: 0.0167458400, 24: 0.9400766593, 25: 0.0160359359, 26: 0.9721254110} {
		if math.Abs(up.Betas[k]-want) > 1e-10 { // the spec gives 10 decimals
			t.Errorf("fast27 β_%d (t=%d) = %.10f, want %.10f", k, up.TimestepMap[k], up.Betas[k], want)
		}
	}
	if !closeRel(up.AlphasCumprod[26], 4.2022e-05, 1e-4) {
		t.Errorf("fast27 ᾱ at t=997 = %v, want ≈ 4.2022e-05", up.AlphasCumprod[26])
	}
	// Respacing preserves ᾱ at the kept timesteps.
	full, _ := New(ScheduleLinear, 1000, "")
	for k, tt := range up.TimestepMap {
		if !closeRel(up.AlphasCumprod[k], full.AlphasCumprod[tt], 1e-13) {
			t.Errorf("fast27 ᾱ_%d = %v, full ᾱ_%d = %v", k, up.AlphasCumprod[k], tt, full.AlphasCumprod[tt])
		}
	}
	if len(up.Tables()) != 13 {
		t.Errorf("Tables has %d entries, want 13", len(up.Tables()))
	}
}

func TestStepCoefs(t *testing.T) {
	d, err := New(ScheduleCosine, 1000, "25")
	if err != nil {
		t.Fatal(err)
	}
	K := d.NumTimesteps
	for k := range K {
		a := d.StepCoefs(k, Ancestral, true)
		if a.DDIM || !a.Clip {
			t.Fatalf("k=%d: flags %+v", k, a)
		}
		if a.SqrtRecipAlphaBar != float32(d.SqrtRecipAlphasCumprod[k]) ||
			a.SqrtRecipM1AlphaBar != float32(d.SqrtRecipM1AlphasCumprod[k]) ||
			a.PostCoef1 != float32(d.PosteriorMeanCoef1[k]) ||
			a.PostCoef2 != float32(d.PosteriorMeanCoef2[k]) ||
			a.MinLog != float32(d.PosteriorLogVarianceClipped[k]) ||
			a.MaxLog != float32(math.Log(d.Betas[k])) {
			t.Errorf("k=%d: ancestral coefficients are not the rounded tables: %+v", k, a)
		}
		if want := float32(1); k == 0 && a.NoiseScale != 0 || k > 0 && a.NoiseScale != want {
			t.Errorf("k=%d: NoiseScale %v", k, a.NoiseScale)
		}

		abPrev := d.AlphasCumprodPrev[k]
		z := d.StepCoefs(k, DDIM(0), false)
		if !z.DDIM || z.Clip || z.Sigma != 0 {
			t.Errorf("k=%d: DDIM(0) %+v", k, z)
		}
		// The reference computes 1 − ᾱprev in float32 from float32(ᾱprev),
		// which loses up to 6e-8 absolute: compare the squares absolutely.
		dir2 := float64(z.DirCoef) * float64(z.DirCoef)
		if math.Abs(dir2-(1-abPrev)) > 1e-5*(1-abPrev)+2e-7 ||
			!closeRel(float64(z.SqrtAlphaBarPrev), math.Sqrt(abPrev), 1e-7) {
			t.Errorf("k=%d: DDIM(0) DirCoef %v, SqrtAlphaBarPrev %v", k, z.DirCoef, z.SqrtAlphaBarPrev)
		}

		// With η = 1, DDIM's σ² is the DDPM posterior variance σ̃² (DDIM
		// eq. 16), and σ² + DirCoef² = 1 − ᾱ_{k−1}.
		o := d.StepCoefs(k, DDIM(1), true)
		s2 := float64(o.Sigma) * float64(o.Sigma)
		if k == 0 {
			if o.Sigma != 0 || o.DirCoef != 0 || o.SqrtAlphaBarPrev != 1 {
				t.Errorf("k=0: DDIM(1) %+v, want σ = 0, DirCoef = 0, √ᾱprev = 1", o)
			}
			continue
		}
		if math.Abs(s2-d.PosteriorVariance[k]) > 1e-5*d.PosteriorVariance[k]+2e-7 {
			t.Errorf("k=%d: DDIM(1) σ² = %v, posterior variance %v", k, s2, d.PosteriorVariance[k])
		}
		if math.Abs(s2+float64(o.DirCoef)*float64(o.DirCoef)-(1-abPrev)) > 1e-5*(1-abPrev)+2e-7 {
			t.Errorf("k=%d: σ² + DirCoef² = %v, want 1 − ᾱprev = %v", k, s2+float64(o.DirCoef)*float64(o.DirCoef), 1-abPrev)
		}
	}
}

// A single-step process (steps "1") has finite step coefficients: the
// last step's variance is unused, but an infinite MinLog turned pixels
// whose v left [−1, 1] into NaN.
func TestSingleStepFinite(t *testing.T) {
	for _, sched := range []string{"squaredcos_cap_v2", "linear"} {
		d, err := New(sched, 1000, "1")
		if err != nil {
			t.Fatal(err)
		}
		c := d.StepCoefs(0, Ancestral, true)
		for name, v := range map[string]float32{"MinLog": c.MinLog, "MaxLog": c.MaxLog, "PostCoef1": c.PostCoef1, "PostCoef2": c.PostCoef2} {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("%s: %s = %v", sched, name, v)
			}
		}
		if c.NoiseScale != 0 || c.PostCoef1 != 1 || c.PostCoef2 != 0 {
			t.Errorf("%s: the only step is not x0 itself: %+v", sched, c)
		}
	}
}
