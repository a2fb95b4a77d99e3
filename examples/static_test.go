package examples

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goBuild builds a static program of this module into dir/app.
func goBuild(t *testing.T, pkg, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "app"), pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
}

func TestE2EStatic(t *testing.T) {
	e := e2eEnv(t)
	image, pkgs, size := buildExampleWith(t, e, "static", func(dir string) { goBuild(t, "./static/app", dir) })
	out, err := runIn(t, image, "/app")
	if err != nil {
		t.Fatalf("/app: %v\n%s", err, out)
	}
	for _, want := range []string{"uid=65532 gid=65532", "/etc/protocols: tcp 6 TCP", "/etc/services: https 443/tcp",
		"zoneinfo: 14:00 CEST", "ISRG Root X1: true"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if pkgs != 5+1 { // five packages and the COPY layer
		t.Errorf("%d layers besides the generated files and the effects, want 5 packages and the COPY", pkgs)
	}
	// distroless/static is about 2 MB compressed; the layer tars here
	// include the ~2.5 MB program.
	if size > 12e6 {
		t.Errorf("examples/static is %d bytes", size)
	}
}

// testPKI is a private CA and a server certificate for 127.0.0.1.
func testPKI(t *testing.T) (caPEM []byte, server tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Distrofile test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srv, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
}

// TestE2EGoHTTPS: a static Go program in the image reaches a loopback TLS
// server whose private CA the Distrofile adds, and fails without it.
func TestE2EGoHTTPS(t *testing.T) {
	e := e2eEnv(t)
	caPEM, cert := testPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello over TLS")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()

	prepare := func(dir string) {
		goBuild(t, "./go-https/app", dir)
		if err := os.WriteFile(filepath.Join(dir, "private-ca.crt"), caPEM, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	image, _, _ := buildExampleWith(t, e, "go-https", prepare)
	out, err := runIn(t, image, "/app", srv.URL)
	if err != nil || !strings.Contains(out, "200 OK: hello over TLS") {
		t.Fatalf("with the private CA: %v\n%s", err, out)
	}

	// The same image without the private CA: the handshake must fail.
	src, err := os.ReadFile("go-https/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(src), "\n") {
		if !strings.Contains(l, "private-ca.crt") {
			kept = append(kept, l)
		}
	}
	dir := withSyntax(t, e, strings.Join(kept, "\n"))
	prepare(dir)
	noCA := e.registry + "/examples/go-https:no-ca"
	if out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror, "--provenance=false", "--push", "-t", noCA, "."); err != nil {
		t.Fatalf("build without the CA: %v\n%s", err, out)
	}
	out, err = runIn(t, noCA, "/app", srv.URL)
	if err == nil || !strings.Contains(out, "certificate signed by unknown authority") {
		t.Errorf("without the private CA the request must fail on the certificate: %v\n%s", err, out)
	}
}
