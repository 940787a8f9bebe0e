package diffusion

// Ported from glide-text2im glide_text2im/respace.py (space_timesteps).

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// SpaceTimesteps returns, in ascending order, the original timesteps
// (0 … n−1) that a respacing spec keeps:
//
//   - "" keeps all n steps (the reference turns it into [n]);
//   - "K" or a comma list "a,b,c,…" splits the n steps into len(list) equal
//     sections (the first n mod len sections get one extra step) and takes
//     count steps from each, at the rounded positions of a float cursor that
//     starts at 0.0 and grows by stride = (size−1)/(count−1) each time (by
//     repeated addition; rounding is Python's round-half-to-even);
//   - "ddimK" keeps range(0, n, s) for the first integer stride s that gives
//     exactly K steps (the DDIM paper's striding);
//   - "fast27" is "10,10,3,2,2" with n−1 replaced by n−3, so that the first
//     DDIM step does not start from the noisiest timestep.
//
// Errors wrap ErrInvalid.
func SpaceTimesteps(n int, spec string) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("diffusion: %d diffusion steps: %w", n, ErrInvalid)
	}
	set, err := spaceTimesteps(n, spec)
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("diffusion: respacing %q keeps no steps: %w", spec, ErrInvalid)
	}
	steps := make([]int, 0, len(set))
	for t := range set {
		steps = append(steps, t)
	}
	sort.Ints(steps)
	return steps, nil
}

func spaceTimesteps(n int, spec string) (map[int]bool, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return spaceSections(n, []int{n})
	case strings.HasPrefix(spec, "ddim"):
		want, err := strconv.Atoi(spec[len("ddim"):])
		if err != nil || want < 1 {
			return nil, fmt.Errorf("diffusion: respacing %q: want ddimK with a positive integer K: %w", spec, ErrInvalid)
		}
		for stride := 1; stride < n; stride++ {
			if (n+stride-1)/stride == want { // len(range(0, n, stride))
				set := map[int]bool{}
				for t := 0; t < n; t += stride {
					set[t] = true
				}
				return set, nil
			}
		}
		return nil, fmt.Errorf("diffusion: respacing %q: no integer stride gives exactly %d of %d steps: %w", spec, want, n, ErrInvalid)
	case spec == "fast27":
		set, err := spaceSections(n, []int{10, 10, 3, 2, 2})
		if err != nil {
			return nil, fmt.Errorf("diffusion: respacing %q: %w", spec, err)
		}
		if !set[n-1] || n < 3 {
			return nil, fmt.Errorf("diffusion: respacing %q needs timestep %d among %d steps: %w", spec, n-1, n, ErrInvalid)
		}
		delete(set, n-1)
		set[n-3] = true
		return set, nil
	}
	parts := strings.Split(spec, ",")
	counts := make([]int, len(parts))
	for i, p := range parts {
		c, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("diffusion: respacing %q: section %d is %q, not an integer (want \"\", \"K\", \"a,b,…\", \"ddimK\" or \"fast27\"): %w", spec, i, p, ErrInvalid)
		}
		counts[i] = c
	}
	return spaceSections(n, counts)
}

// spaceSections is space_timesteps for a list of per-section step counts.
func spaceSections(n int, counts []int) (map[int]bool, error) {
	sizePer, extra := n/len(counts), n%len(counts)
	set := map[int]bool{}
	start := 0
	for i, count := range counts {
		size := sizePer
		if i < extra {
			size++
		}
		if count < 0 {
			return nil, fmt.Errorf("diffusion: section %d: negative step count %d: %w", i, count, ErrInvalid)
		}
		if size < count {
			return nil, fmt.Errorf("diffusion: cannot divide section %d of %d steps into %d: %w", i, size, count, ErrInvalid)
		}
		stride := 1.0
		if count > 1 {
			stride = float64(size-1) / float64(count-1)
		}
		// The reference accumulates the cursor by repeated addition; a
		// multiplication k·stride could round differently.
		cur := 0.0
		for range count {
			set[start+int(math.RoundToEven(cur))] = true
			cur += stride
		}
		start += size
	}
	return set, nil
}
