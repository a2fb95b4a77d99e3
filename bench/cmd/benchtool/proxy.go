package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// proxyCmd runs a counting forward proxy until killed.
func proxyCmd(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	logPath := fs.String("log", "", "file to append one line per request to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lf, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p := &proxy{log: lf, tr: &http.Transport{
		Proxy:               nil, // never chain to another proxy
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "benchtool proxy: listening on", ln.Addr())
	return (&http.Server{Handler: p}).Serve(ln)
}

type proxy struct {
	mu  sync.Mutex
	log *os.File
	tr  *http.Transport
}

func (p *proxy) record(method, url string, status int, n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.log, "%d %s %s %d %d\n", time.Now().UnixNano(), method, url, status, n)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "benchtool proxy: not a proxy request", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	out.Header.Del("Proxy-Authorization")
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		p.record(r.Method, r.URL.String(), 502, 0)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vv := range resp.Header {
		for _, v := range vv {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	n, _ := io.Copy(w, resp.Body)
	p.record(r.Method, r.URL.String(), resp.StatusCode, n)
}

// tunnel serves CONNECT (https): bytes from the server are counted.
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	dst, err := net.DialTimeout("tcp", r.Host, 30*time.Second)
	if err != nil {
		p.record("CONNECT", r.Host, 502, 0)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		dst.Close()
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	src, _, err := hj.Hijack()
	if err != nil {
		dst.Close()
		return
	}
	var down atomic.Int64
	done := make(chan struct{})
	go func() {
		n, _ := io.Copy(src, dst)
		down.Store(n)
		src.Close()
		close(done)
	}()
	_, _ = io.Copy(dst, src)
	dst.Close()
	<-done
	p.record("CONNECT", "https://"+r.Host, 200, down.Load())
}
