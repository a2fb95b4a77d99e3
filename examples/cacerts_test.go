package examples

import (
	"encoding/pem"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

// TestE2ECABundleOtherPackage: the CA bundle's step reads the layers of
// ca-certificates and of the packages that depend on it. A package that
// ships a certificate without depending on ca-certificates makes its
// extraction fail; the frontend then builds again with the bundle read
// from every layer. Either way the image has every certificate, as
// update-ca-certificates would have written it, and only the fallback
// warns.
func TestE2ECABundleOtherPackage(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	caPEM, _ := testPKI(t)
	corpPEM, _ := testPKI(t)
	a := signedRepo(t, now, key,
		stampedPackage("ca-certificates", "all", stamp, nil, debtest.File("./usr/share/ca-certificates/mozilla/Test_Root.crt", 0o644, string(caPEM))),
		stampedPackage("corp-ca", "all", stamp, nil, debtest.File("./usr/share/ca-certificates/corp/Corp_Root.crt", 0o644, string(corpPEM))),
		stampedPackage("corp-ca-dep", "all", stamp, []string{"Depends: ca-certificates"}, debtest.File("./usr/share/ca-certificates/corp/Corp_Root.crt", 0o644, string(corpPEM))),
		stampedPackage("gamma", "amd64", stamp, nil))
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	const warning = "a package that neither is nor depends on ca-certificates ships files that update-ca-certificates reads"
	for _, tc := range []struct {
		install  string
		want     [][]byte // the certificates of the bundle, in order
		fallback bool
	}{
		{"ca-certificates gamma", [][]byte{caPEM}, false},
		{"ca-certificates corp-ca gamma", [][]byte{corpPEM, caPEM}, true}, // corp/ sorts before mozilla/
		{"corp-ca-dep gamma", [][]byte{corpPEM, caPEM}, false},
	} {
		t.Run(tc.install, func(t *testing.T) {
			dir := withRepo(t, e, srv.URL, key, "INSTALL "+tc.install+"\n")
			out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "-o", "type=tar,dest=image.tar", ".")
			if err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			other := len(tc.want) > 1
			if got := strings.Contains(out, warning); got != tc.fallback {
				t.Errorf("warning %v, want %v\n%s", got, tc.fallback, out)
			}
			if got := strings.Contains(out, "package corp-ca ships /usr/share/ca-certificates/corp/Corp_Root.crt"); got != tc.fallback {
				t.Errorf("the refused extraction named corp-ca's certificate: %v, want %v\n%s", got, tc.fallback, out)
			}
			hdrs, content := tarEntries(t, filepath.Join(dir, "image.tar"))
			var bundle []byte
			for _, c := range tc.want {
				bundle = append(bundle, c...)
			}
			if got := content["/etc/ssl/certs/ca-certificates.crt"]; got != string(bundle) {
				var n int
				for rest := []byte(got); ; n++ {
					var b *pem.Block
					if b, rest = pem.Decode(rest); b == nil {
						break
					}
				}
				t.Errorf("the bundle holds %d certificates, want %d (or other bytes)", n, len(tc.want))
			}
			if _, ok := hdrs["/etc/ssl/certs/Corp_Root.pem"]; ok != other {
				t.Errorf("etc/ssl/certs/Corp_Root.pem present: %v, want %v", ok, other)
			}
		})
	}
}
