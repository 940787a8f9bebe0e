package goldencheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/webglide/webglide/glide/golden"
	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/nn"
)

func init() { kinds["shapes"] = checkShapes }

// checkShapes compares the parameter table derived from each model's
// configuration with the reference's state_dict: same keys, same order,
// same shapes, same totals — exactly.
func checkShapes(_ context.Context, _ *Env, c *golden.Case) golden.Result {
	var models map[string]struct {
		Config    model.Config `json:"config"`
		NParams   int          `json:"n_params"`
		NTensors  int          `json:"n_tensors"`
		StateDict []struct {
			Key   string `json:"key"`
			Shape []int  `json:"shape"`
		} `json:"state_dict"`
	}
	if err := c.Field("models", &models); err != nil {
		return golden.Failed("%v", err)
	}
	if len(models) == 0 {
		return golden.Failed("no models in case")
	}
	var acc golden.Accumulator
	total := 0
	for name, m := range models {
		ps, err := m.Config.Params()
		if err != nil {
			acc.Fail("%s: %v", name, err)
			continue
		}
		var diffs []string
		if len(ps) != len(m.StateDict) || len(ps) != m.NTensors {
			diffs = append(diffs, fmt.Sprintf("%d tensors, want %d", len(ps), len(m.StateDict)))
		}
		n := 0
		for i, p := range ps {
			n += p.Numel()
			if i >= len(m.StateDict) {
				continue
			}
			want := m.StateDict[i]
			if p.Name != want.Key || !nn.SameShape(p.Shape, want.Shape) {
				diffs = append(diffs, fmt.Sprintf("#%d %s%v, want %s%v", i, p.Name, p.Shape, want.Key, want.Shape))
			}
		}
		if n != m.NParams {
			diffs = append(diffs, fmt.Sprintf("%d params, want %d", n, m.NParams))
		}
		if len(diffs) > 5 {
			diffs = append(diffs[:5], fmt.Sprintf("and %d more", len(diffs)-5))
		}
		if len(diffs) > 0 {
			acc.Fail("%s: %s", name, strings.Join(diffs, ", "))
		}
		total += len(ps)
	}
	if len(acc.Failures) > 0 {
		return acc.Result("")
	}
	return golden.Passed("tensors_matched", float64(total))
}
