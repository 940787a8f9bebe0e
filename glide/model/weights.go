package model

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/webglide/webglide/glide/nn"
)

// Weights maps state_dict keys to tensors on one device.
type Weights map[string]*nn.Tensor

// Check compares the weights with the configuration's parameter table and
// returns every difference (missing keys, unexpected keys, wrong shapes).
func (w Weights) Check(cfg Config) error {
	ps, err := cfg.Params()
	if err != nil {
		return err
	}
	var diffs []string
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.Name] = true
		t, ok := w[p.Name]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+p.Name)
		case t.Numel() != p.Numel():
			diffs = append(diffs, fmt.Sprintf("%s has shape %v, want %v", p.Name, t.Shape, p.Shape))
		}
	}
	for k := range w {
		if !seen[k] {
			diffs = append(diffs, "unexpected "+k)
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	return fmt.Errorf("model: weights do not match the %s configuration: %s", cfg.Kind(), strings.Join(diffs, "; "))
}

// ValuesFunc produces the float32 values of the parameter with state_dict
// key name and shape (detrand.Weight is one).
type ValuesFunc func(name string, shape []int) ([]float32, error)

// LoadWeights builds every parameter of cfg with values from fn and
// uploads it to dev. Parameters are generated in parallel.
func LoadWeights(dev nn.Device, cfg Config, fn ValuesFunc) (Weights, error) {
	ps, err := cfg.Params()
	if err != nil {
		return nil, err
	}
	w := make(Weights, len(ps))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan Param)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				vals, err := fn(p.Name, p.Shape)
				if err == nil && len(vals) != p.Numel() {
					err = fmt.Errorf("model: %s: %d values for shape %v", p.Name, len(vals), p.Shape)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					t := dev.Upload(vals, p.Shape...)
					t.Label = p.Name
					w[p.Name] = t
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range ps {
		next <- p
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return w, dev.Err()
}
