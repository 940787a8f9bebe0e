package goldencheck

import "fmt"

// BundleSource returns a WeightSource that reads weight bundles from dir.
func BundleSource(dir string) (WeightSource, error) {
	return nil, fmt.Errorf("goldencheck: weight bundles are not supported yet (%s)", dir)
}
