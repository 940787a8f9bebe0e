package golden

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Status is the outcome of checking one case.
type Status int

const (
	Pass Status = iota
	Fail
	Skip
)

// Result is what a checker reports for one case.
type Result struct {
	Status Status
	Metric string  // metric name for PASS lines, e.g. "max_rel_err"
	Value  float64 // metric value
	Why    string  // failure or skip reason
}

// Passed makes a passing result.
func Passed(metric string, value float64) Result {
	return Result{Status: Pass, Metric: metric, Value: value}
}

// Failed makes a failing result.
func Failed(format string, a ...any) Result {
	return Result{Status: Fail, Why: fmt.Sprintf(format, a...)}
}

// Checker checks one case of the kind it was registered for.
type Checker func(ctx context.Context, c *Case) Result

// Accumulator gathers the worst relative error over the tensors of a case
// and the failures among them.
type Accumulator struct {
	Worst    float64
	Failures []string
}

// Check compares one tensor with tol and records the outcome.
func (a *Accumulator) Check(tol Tolerance, name string, got, want []float32) {
	r, why := tol.Check(name, got, want)
	if r > a.Worst || math.IsInf(r, 1) {
		a.Worst = r
	}
	if why != "" {
		a.Failures = append(a.Failures, why)
	}
}

// Fail records a failure that is not a tensor comparison.
func (a *Accumulator) Fail(format string, args ...any) {
	a.Failures = append(a.Failures, fmt.Sprintf(format, args...))
}

// Result turns the accumulated comparisons into a Result.
func (a *Accumulator) Result(metric string) Result {
	if len(a.Failures) > 0 {
		return Result{Status: Fail, Why: strings.Join(a.Failures, "; ")}
	}
	return Passed(metric, a.Worst)
}

// Summary counts outcomes.
type Summary struct {
	Passed, Failed, Skipped int
}

// OK reports whether nothing failed and at least one case was checked.
func (s Summary) OK() bool { return s.Failed == 0 && s.Passed > 0 }

func (s Summary) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
}

// Run checks each case with the checker registered for its kind, writes
// one line per case (PASS <case> <metric>=<value> | FAIL <case> <why> |
// SKIP <case> kind <k> not supported yet), then the summary line.
func Run(ctx context.Context, cases []*Case, checkers map[string]Checker, w io.Writer) Summary {
	var s Summary
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(w, "FAIL %s %v\n", c.Name, err)
			s.Failed++
			continue
		}
		check, ok := checkers[c.Kind]
		if !ok {
			fmt.Fprintf(w, "SKIP %s kind %s not supported yet\n", c.Name, c.Kind)
			s.Skipped++
			continue
		}
		r := safeCheck(ctx, check, c)
		switch r.Status {
		case Pass:
			fmt.Fprintf(w, "PASS %s %s=%.3g\n", c.Name, r.Metric, r.Value)
			s.Passed++
		case Skip:
			fmt.Fprintf(w, "SKIP %s %s\n", c.Name, r.Why)
			s.Skipped++
		default:
			fmt.Fprintf(w, "FAIL %s %s\n", c.Name, r.Why)
			s.Failed++
		}
	}
	fmt.Fprintln(w, s.String())
	return s
}

func safeCheck(ctx context.Context, check Checker, c *Case) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Failed("panic: %v", p)
		}
	}()
	return check(ctx, c)
}

// Kinds lists the kinds with a checker, sorted.
func Kinds(checkers map[string]Checker) []string {
	var ks []string
	for k := range checkers {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
