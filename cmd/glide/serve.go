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
	"syscall"
	"time"

	"github.com/webglide/webglide/internal/server"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve the web app (index.html, site/, build/) over HTTP",
		run:     runServe,
	})
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	root := fs.String("root", ".", "`folder` with index.html and site/ (the repository root)")
	build := fs.String("build", "", "`folder` with webglide.wasm and wasm_exec.js (default ROOT/build)")
	weightsDir := fs.String("weights", "", "weights `folder` (base/ and upsample/ bundles from glide fetch or glide convert) to serve under /weights/")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: glide serve [--addr 127.0.0.1:8080] [--root DIR] [--build DIR] [--weights DIR]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Serves the WebGLIDE page, site/ and the built wasm (make wasm) and prints")
		fmt.Fprintln(w, "the URL to open. With --weights, also serves a weights folder under")
		fmt.Fprintln(w, "/weights/ (the page's default; another URL: ?weights=URL). Stops on Ctrl-C.")
		fmt.Fprintln(w)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "glide serve: unexpected argument %q\n", fs.Arg(0))
		usage(stderr)
		return 2
	}

	h, err := server.New(server.Config{Root: *root, Build: *build, Weights: *weightsDir})
	if err != nil {
		fmt.Fprintf(stderr, "glide serve: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "glide serve: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "glide serve: open http://%s/\n", hostPort(ln.Addr()))

	select {
	case err := <-done:
		fmt.Fprintf(stderr, "glide serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "glide serve: %v\n", err)
		return 1
	}
	return 0
}

// hostPort names a listener's address for a URL: an unspecified host
// (":8080", "0.0.0.0") becomes 127.0.0.1, which browsers treat as a
// secure context (WebGPU needs one).
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
