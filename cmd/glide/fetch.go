package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/webglide/webglide/glide/model"
	"github.com/webglide/webglide/glide/weights"
	"github.com/webglide/webglide/glide/weights/convert"
)

func init() {
	register(command{
		name:    "fetch",
		summary: "download the official GLIDE checkpoints and convert them into bundles",
		run:     runFetch,
	})
}

// defaultBaseURL is where glide-text2im's download.py fetches the
// checkpoints (glide-spec §2.7).
const defaultBaseURL = "https://openaipublic.blob.core.windows.net/diffusion/dec-2021"

// checkpointFiles maps a model kind to its file name under the base URL.
var checkpointFiles = map[string]string{
	"base":             "base.pt",
	"upsample":         "upsample.pt",
	"base-inpaint":     "base_inpaint.pt",
	"upsample-inpaint": "upsample_inpaint.pt",
}

type fetchOptions struct {
	dir     string
	models  []string
	baseURL string
	keep    bool // keep the downloaded .pt files

	client      *http.Client
	configs     map[string]*model.Config // per kind; nil means the preset (tests use tiny ones)
	backoff     time.Duration            // first retry delay, doubled each time
	maxBackoff  time.Duration
	maxAttempts int
	idle        time.Duration // cancel a request after this long without data
	stderr      io.Writer
}

func runFetch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "weights", "`folder` that receives one bundle per model (DIR/base, DIR/upsample, ...)")
	models := fs.String("models", "base,upsample", "comma-separated `kinds` to fetch: "+strings.Join(model.Kinds, ", "))
	baseURL := fs.String("base-url", defaultBaseURL, "`URL` prefix the checkpoint files are downloaded from")
	keep := fs.Bool("keep", false, "keep the downloaded .pt checkpoints in DIR after converting them")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: glide fetch [--dir DIR] [--models base,upsample] [--base-url URL] [--keep]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Downloads the official checkpoints (BASE-URL/base.pt, upsample.pt, base_inpaint.pt,")
		fmt.Fprintln(w, "upsample_inpaint.pt), resuming interrupted downloads from DIR/<file>.part and")
		fmt.Fprintln(w, "retrying network errors with exponential backoff, then converts each into the")
		fmt.Fprintln(w, "bundle DIR/<kind>. A bundle that is already complete and verifies is skipped.")
		fmt.Fprintln(w)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() { usage(stderr) }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		return 2
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "glide fetch: unexpected argument %q\n", pos[0])
		usage(stderr)
		return 2
	}
	o := fetchOptions{dir: *dir, baseURL: strings.TrimRight(*baseURL, "/"), keep: *keep, stderr: stderr}
	for _, m := range strings.Split(*models, ",") {
		m = strings.TrimSpace(m)
		if _, ok := checkpointFiles[m]; !ok {
			fmt.Fprintf(stderr, "glide fetch: unknown model %q (want %s)\n", m, strings.Join(model.Kinds, ", "))
			return 2
		}
		o.models = append(o.models, m)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fetchModels(ctx, o); err != nil {
		fmt.Fprintf(stderr, "glide fetch: %v\n", err)
		if ctx.Err() == nil {
			fmt.Fprintln(stderr, offlineHelp)
		}
		return 1
	}
	fmt.Fprintf(stdout, "glide fetch: bundles ready in %s\n", o.dir)
	return 0
}

func fetchModels(ctx context.Context, o fetchOptions) error {
	if o.client == nil {
		// No overall timeout (the files are 1.5 GB); stalls are caught by
		// the transport's header timeout and downloadOnce's idle timer.
		o.client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 60 * time.Second,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	if o.backoff == 0 {
		o.backoff = time.Second
	}
	if o.maxBackoff == 0 {
		o.maxBackoff = time.Minute
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = 10
	}
	if o.idle == 0 {
		o.idle = 2 * time.Minute
	}
	if o.stderr == nil {
		o.stderr = io.Discard
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	announcePlan(ctx, o)
	for _, kind := range o.models {
		file := checkpointFiles[kind]
		bundle := filepath.Join(o.dir, kind)
		if bundleReady(o, kind) {
			fmt.Fprintf(o.stderr, "fetch: %s: bundle %s is complete and verified, skipping\n", kind, bundle)
			continue
		}
		pt := filepath.Join(o.dir, file)
		if _, err := os.Stat(pt); err != nil {
			url := o.baseURL + "/" + file
			fmt.Fprintf(o.stderr, "fetch: %s: downloading %s\n", kind, url)
			if err := download(ctx, o, url, pt); err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
		} else {
			fmt.Fprintf(o.stderr, "fetch: %s: using the downloaded %s\n", kind, pt)
		}
		fmt.Fprintf(o.stderr, "fetch: %s: converting %s into %s\n", kind, pt, bundle)
		_, err := convert.Run(pt, bundle, convert.Options{Kind: kind, Config: o.configs[kind], Progress: progressPrinter(o.stderr, "convert "+kind)})
		if err != nil {
			return fmt.Errorf("%s: converting %s: %w (delete it to download it again)", kind, pt, err)
		}
		b, err := weights.Open(bundle)
		if err == nil {
			err = b.Verify()
		}
		if err != nil {
			return fmt.Errorf("%s: the new bundle does not verify: %w", kind, err)
		}
		if !o.keep {
			os.Remove(pt)
		}
	}
	return nil
}

// permanent marks a download error that retrying cannot fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// hopeless reports a request error that retrying will not fix soon: the
// host name does not resolve (offline, or a mistyped mirror), the network
// is unreachable, or the host refuses connections. Timeouts, resets and
// 5xx answers stay transient.
func hopeless(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsTimeout
	}
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ECONNREFUSED)
}

// offlineHelp is printed when the checkpoints cannot be downloaded.
const offlineHelp = `glide fetch: the checkpoints could not be downloaded. Three ways on:
  1. run 'glide fetch' again when online (it resumes where it stopped);
  2. download from a mirror: glide fetch --base-url URL (URL/base.pt, URL/upsample.pt, ...);
  3. import the official .pt files in the page ("Import checkpoint" in the Model section),
     or convert them here with 'glide convert IN.pt DIR/<kind>'.`

// download fetches url into dest through dest.part, resuming with HTTP
// Range requests and retrying transient failures (network errors, 5xx,
// 429) with exponential backoff.
func download(ctx context.Context, o fetchOptions, url, dest string) error {
	part := dest + ".part"
	delay := o.backoff
	for attempt := 1; ; attempt++ {
		err := downloadOnce(ctx, o, url, part)
		if err == nil {
			return os.Rename(part, dest)
		}
		var p permanent
		if errors.As(err, &p) || ctx.Err() != nil {
			return err
		}
		if attempt >= o.maxAttempts {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		fmt.Fprintf(o.stderr, "fetch: %v; retrying in %v (attempt %d of %d)\n", err, delay, attempt+1, o.maxAttempts)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
		delay = min(2*delay, o.maxBackoff)
	}
}

// downloadOnce makes one request, appending to part from its current size.
func downloadOnce(ctx context.Context, o fetchOptions, url, part string) error {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return permanent{err}
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return permanent{err}
	}
	// A connection that stalls mid-body is cancelled after o.idle without
	// data and retried from where it stopped.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := time.AfterFunc(o.idle, cancel)
	defer idle.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return permanent{err}
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := o.client.Do(req)
	if err != nil {
		if hopeless(err) {
			return permanent{err}
		}
		return err
	}
	defer resp.Body.Close()
	total := int64(-1)
	switch {
	case resp.StatusCode == http.StatusOK:
		if have > 0 { // the server ignored the range: start over
			if err := f.Truncate(0); err != nil {
				return permanent{err}
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return permanent{err}
			}
			have = 0
		}
		total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			f.Truncate(0) // cannot trust the resume point; restart from zero
			return fmt.Errorf("bad Content-Range %q for a resume at %d", resp.Header.Get("Content-Range"), have)
		}
		total = size
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// Either the file is complete already or it shrank on the server.
		if _, size, ok := parseContentRange(resp.Header.Get("Content-Range")); ok && size == have {
			return nil
		}
		f.Truncate(0)
		return fmt.Errorf("server refused the resume at byte %d", have)
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s: %s", url, resp.Status)
	default:
		return permanent{fmt.Errorf("%s: %s", url, resp.Status)}
	}
	bar := &downloadBar{w: o.stderr, name: filepath.Base(strings.TrimSuffix(part, ".part")), total: total, done: have, start: time.Now(), startBytes: have}
	body := &idleReader{r: resp.Body, t: idle, d: o.idle}
	n, err := io.Copy(f, io.TeeReader(body, bar))
	bar.finish()
	if err != nil {
		return fmt.Errorf("download interrupted after %s: %w", humanBytes(have+n), err)
	}
	if total >= 0 && have+n != total {
		return fmt.Errorf("download ended at %d of %d bytes", have+n, total)
	}
	return f.Sync()
}

// idleReader pushes back its timer on every read that returns data.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (r *idleReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.t.Reset(r.d)
	}
	return n, err
}

// parseContentRange parses "bytes START-END/SIZE" or "bytes */SIZE"
// (START is -1 then). SIZE "*" is -1.
func parseContentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, sz, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	size = -1
	if sz != "*" {
		v, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || v < 0 {
			return 0, 0, false
		}
		size = v
	}
	if rng == "*" {
		return -1, size, true
	}
	a, _, found := strings.Cut(rng, "-")
	v, err := strconv.ParseInt(a, 10, 64)
	if !found || err != nil || v < 0 {
		return 0, 0, false
	}
	return v, size, true
}

// downloadBar draws "name [#####.....] 45.2%  12.3/27.0 MiB  3.1 MiB/s  ETA 5s"
// on one stderr line, at most every 250 ms.
type downloadBar struct {
	w          io.Writer
	name       string
	total      int64 // -1 if unknown
	done       int64
	start      time.Time
	startBytes int64
	last       time.Time
}

func (p *downloadBar) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= 250*time.Millisecond {
		p.last = now
		p.draw()
	}
	return len(b), nil
}

func (p *downloadBar) draw() {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done-p.startBytes) / el
	}
	line := p.name
	if p.total > 0 {
		frac := float64(p.done) / float64(p.total)
		const width = 24
		fill := int(frac * width)
		fill = max(0, min(width, fill))
		line += fmt.Sprintf(" [%s%s] %5.1f%%  %s / %s", strings.Repeat("#", fill), strings.Repeat(".", width-fill), 100*frac, humanBytes(p.done), humanBytes(p.total))
	} else {
		line += "  " + humanBytes(p.done)
	}
	line += fmt.Sprintf("  %s/s", humanBytes(int64(rate)))
	if p.total > 0 && rate > 0 {
		eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second)
		line += "  ETA " + eta.String()
	}
	fmt.Fprintf(p.w, "\r%-90s", line)
}

func (p *downloadBar) finish() {
	p.draw()
	fmt.Fprintln(p.w)
}

// bundleReady reports whether DIR/<kind> is a complete bundle that verifies.
func bundleReady(o fetchOptions, kind string) bool {
	b, err := weights.Open(filepath.Join(o.dir, kind))
	return err == nil && b.Manifest.Kind == kind && b.Verify() == nil
}

// announcePlan tells, before anything is downloaded, which checkpoints will
// be fetched and how many bytes that is (from HEAD requests; a server that
// does not answer them gives "size unknown").
func announcePlan(ctx context.Context, o fetchOptions) {
	var total int64
	var parts []string
	unknown := false
	for _, kind := range o.models {
		file := checkpointFiles[kind]
		if _, err := os.Stat(filepath.Join(o.dir, file)); err == nil || bundleReady(o, kind) {
			continue
		}
		size := int64(-1)
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, o.baseURL+"/"+file, nil)
		if err == nil {
			if resp, err := o.client.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && resp.ContentLength >= 0 {
					size = resp.ContentLength
				}
			}
		}
		if st, err := os.Stat(filepath.Join(o.dir, file+".part")); err == nil && size > 0 {
			size = max(0, size-st.Size())
		}
		if size < 0 {
			unknown = true
			parts = append(parts, kind+" (size unknown)")
			continue
		}
		total += size
		parts = append(parts, fmt.Sprintf("%s %.2f GB", kind, float64(size)/1e9))
	}
	if len(parts) == 0 {
		fmt.Fprintf(o.stderr, "fetch: nothing to download into %s\n", o.dir)
		return
	}
	size := fmt.Sprintf("%.2f GB", float64(total)/1e9)
	switch {
	case unknown && total == 0:
		size = "files of unknown size (the server did not answer a HEAD request)"
	case unknown:
		size += " or more"
	}
	fmt.Fprintf(o.stderr, "fetch: will download %s into %s: %s\n", size, o.dir, strings.Join(parts, ", "))
}
