//go:build !js

package httpfs

import (
	"fmt"
	"net/http"
)

// netTransport is the transport outside js/wasm: net/http's default
// client (used by the native tests).
type netTransport struct{ c *http.Client }

func defaultTransport() transport { return netTransport{c: http.DefaultClient} }

func (t netTransport) do(method, url string, header map[string]string) (*response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The body's size must be what the server sent: no transparent gzip.
	req.Header.Set("Accept-Encoding", "identity")
	res, err := t.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	r := &response{status: res.StatusCode, statusText: http.StatusText(res.StatusCode), header: res.Header.Get}
	if method == "HEAD" {
		res.Body.Close()
	} else {
		r.body = res.Body
	}
	return r, nil
}
