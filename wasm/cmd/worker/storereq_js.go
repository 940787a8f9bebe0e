// The page's store requests: what is stored, and deleting it.

package main

import (
	"errors"
	"io/fs"

	"github.com/webglide/webglide/glide"
)

// storeBundles are the bundles a store-status reports on.
var storeBundles = []string{glide.BaseBundle, glide.UpsampleBundle}

// storeRequest answers store-status (per bundle under the weights URL:
// stored, partial, missing or absent, and the store's totals) and
// store-delete (empties the store, then reports like store-status without
// bundles).
func (w *worker) storeRequest(r request) error {
	op := r.typ
	st, err := openStore()
	if err != nil {
		return err
	}
	busy := 0
	if r.typ == "store-delete" {
		if busy, err = st.clear(); err != nil {
			return storeErr(op, err)
		}
	}
	var bundles []any
	if r.typ == "store-status" {
		for _, name := range storeBundles {
			b := map[string]any{"bundle": name, "state": "absent", "bytesStored": 0, "bytesTotal": 0}
			bundles = append(bundles, b)
			m, err := manifest(r.weights, name)
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					b["state"], b["error"] = "unreachable", err.Error()
				}
				continue
			}
			have, err := st.stored(r.weights+name+"/", m.Shards)
			if err != nil {
				return storeErr(op, err)
			}
			var total, stored int64
			for i, s := range m.Shards {
				total += s.Bytes
				stored += have[i]
			}
			state := "partial"
			switch {
			case stored == total:
				state = "stored"
			case stored == 0:
				state = "missing"
			}
			b["state"], b["bytesStored"], b["bytesTotal"], b["kind"] = state, stored, total, m.Kind
		}
	}
	info, err := st.info()
	if err != nil {
		return storeErr(op, err)
	}
	post(map[string]any{
		"type": "store", "id": r.id, "weights": r.weights, "bundles": bundles,
		"backend": info.Get("backend").String(), "note": info.Get("note").String(),
		"stored": info.Get("stored").Float(), "files": info.Get("files").Int(),
		"usage": info.Get("usage").Float(), "quota": info.Get("quota").Float(), "busy": busy,
	})
	return nil
}
