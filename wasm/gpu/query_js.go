package gpu

import "syscall/js"

// FeatureTimestampQuery is the WebGPU feature that lets compute passes
// write GPU timestamps into a query set (timestampWrites).
const FeatureTimestampQuery = "timestamp-query"

// HasTimestamps reports whether the adapter offers timestamp queries.
func (a *Adapter) HasTimestamps() bool { return a.Features[FeatureTimestampQuery] }

// QuerySet is a GPUQuerySet of timestamps.
type QuerySet struct {
	v     js.Value
	Label string
	Count int
}

// CreateTimestampQuerySet calls device.createQuerySet for count
// timestamps; the device must have been created with
// FeatureTimestampQuery.
func (d *Device) CreateTimestampQuerySet(label string, count int) (*QuerySet, error) {
	d.PushErrorScope("validation")
	v, err := call("createQuerySet "+label, d.v, "createQuerySet", map[string]any{"label": label, "type": "timestamp", "count": count})
	if perr := d.PopErrorScope(); err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	return &QuerySet{v: v, Label: label, Count: count}, nil
}

// Destroy frees the query set.
func (q *QuerySet) Destroy() { q.v.Call("destroy") }

// JSValue is the GPUQuerySet (for the dispatch encoder).
func (q *QuerySet) JSValue() js.Value { return q.v }
