// Offline loads: the manifests of downloaded bundles are kept in the store
// beside their shards, so that a page without network (after one visit
// that stored the weights) loads them from the store alone.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"syscall/js"

	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/wasm/httpfs"
)

// manifestKey names the stored copy of the manifest at a bundle's URL in
// site/store.js's manifest folder (putManifest/getManifest), apart from
// the imported bundles' names ("base", "upsample", …).
func manifestKey(bundleURL string) string {
	sum := sha256.Sum256([]byte(bundleURL))
	return "url-" + hex.EncodeToString(sum[:16])
}

// fetchedManifest reads <weightsURL><name>/manifest.json over HTTP and
// keeps a copy in the store. When the network fails it returns the stored
// copy, if every shard it names is stored too; otherwise the error says
// that these weights are not stored on this device yet (wrapping
// httpfs.ErrNetwork). A missing manifest is fs.ErrNotExist.
func fetchedManifest(weightsURL, name string) (*weights.Manifest, error) {
	url := weightsURL + name + "/"
	sub, _ := httpfs.New(weightsURL).Sub(name)
	data, err := fs.ReadFile(sub, "manifest.json")
	if err == nil {
		m, perr := weights.ParseManifest(data)
		if perr == nil {
			keepManifest(url, data)
		}
		return m, perr
	}
	if !errors.Is(err, httpfs.ErrNetwork) {
		return nil, err
	}
	notStored := func(detail string) error {
		return fmt.Errorf("these weights are not stored on this device yet%s; connect to the network once to download them (%w)", detail, err)
	}
	st, serr := openStore()
	if serr != nil {
		return nil, notStored("")
	}
	v, serr := await(st.v.Call("getManifest", manifestKey(url)))
	if serr != nil || v.Type() != js.TypeString {
		return nil, notStored("")
	}
	m, perr := weights.ParseManifest([]byte(v.String()))
	if perr != nil {
		return nil, notStored("")
	}
	have, serr := st.stored(url, m.Shards)
	if serr != nil {
		return nil, notStored("")
	}
	var total, stored int64
	for i, s := range m.Shards {
		total += s.Bytes
		stored += have[i]
	}
	if stored < total {
		return nil, notStored(fmt.Sprintf(" (%.1f of %.1f MB stored)", float64(stored)/1e6, float64(total)/1e6))
	}
	return m, nil
}

// keepManifest stores a copy of a fetched manifest. Failing to keep it
// (no OPFS, a full store) only costs the offline use, so it is reported
// on the console and not as an error.
func keepManifest(url string, data []byte) {
	st, err := openStore()
	if err == nil {
		_, err = await(st.v.Call("putManifest", manifestKey(url), string(data)))
	}
	if err != nil {
		js.Global().Get("console").Call("warn", fmt.Sprintf("WebGLIDE: the manifest of %s is not kept for offline use: %v", url, err))
	}
}
