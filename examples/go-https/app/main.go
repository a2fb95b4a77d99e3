// Command app is the program of examples/go-https: a static Go binary that
// makes an HTTPS request, trusting the image's CA bundle
// (/etc/ssl/certs/ca-certificates.crt, where Go looks first).
//
// Usage: app URL
package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: app URL")
		os.Exit(2)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
	fmt.Printf("trusting %d certificates\n", len(pool.Subjects())) //nolint:staticcheck // a count is all we need
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	fmt.Printf("%s: %s\n", resp.Status, strings.TrimSpace(string(body)))
}
