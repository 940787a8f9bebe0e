package backend

import "testing"

func TestTolScale(t *testing.T) {
	for name, want := range map[string]float64{CPUWasm: 1, WebGPU: 10, WebGPUF16: 100} {
		if got, err := TolScale(name); err != nil || got != want {
			t.Errorf("TolScale(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := TolScale("cuda"); err == nil {
		t.Error("TolScale accepted an unknown backend")
	}
}
