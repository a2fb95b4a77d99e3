package cacerts

import (
	"archive/tar"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rawName builds a DER Name from RDNs of (OID, tag, raw value bytes).
type atv struct {
	oid asn1.ObjectIdentifier
	tag int
	val []byte
}

func rawName(t *testing.T, rdns ...[]atv) []byte {
	t.Helper()
	var seq []byte
	for _, rdn := range rdns {
		var set []byte
		for _, a := range rdn {
			oid, err := asn1.Marshal(a.oid)
			if err != nil {
				t.Fatal(err)
			}
			set = append(set, tlv(0x30, append(oid, tlv(byte(a.tag), a.val)...))...)
		}
		seq = append(seq, tlv(0x31, set)...)
	}
	return tlv(0x30, seq)
}

func bmp(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

var (
	oidC     = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO     = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU    = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCN    = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidL     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// testSubjects are the subjects of the hermetic test's certificates.
func testSubjects(t *testing.T) map[string][]byte {
	return map[string][]byte{
		// Plain, as crypto/x509 encodes a pkix.Name (PrintableString).
		"plain": rawName(t,
			[]atv{{oidC, tagPrintableString, []byte("DE")}},
			[]atv{{oidO, tagPrintableString, []byte("Distrofile Test")}},
			[]atv{{oidCN, tagPrintableString, []byte("Distrofile Test Root CA")}}),
		// Non-ASCII, uppercase and runs of white space in UTF8String.
		"unicode": rawName(t,
			[]atv{{oidC, tagPrintableString, []byte("AT")}},
			[]atv{{oidO, tagUTF8String, []byte("  Größe   GmbH\t& Co.  KG ")}},
			[]atv{{oidCN, tagUTF8String, []byte("ÜNÏCÖDÉ  Root\n\nCA 2026")}}),
		// BMPString, T61String (Latin-1), a multi-valued RDN given out of
		// DER order and an IA5String e-mail address.
		"mixed": rawName(t,
			[]atv{{oidC, tagPrintableString, []byte("FR")}},
			[]atv{{oidO, tagT61String, []byte("Soci\xe9t\xe9   G\xe9N\xe9RALE")}},
			[]atv{{oidOU, tagBMPString, bmp("Ünité  DE Test")}, {oidL, tagUTF8String, []byte("PARIS")}},
			[]atv{{oidCN, tagBMPString, bmp("  Racine  ŒUVRE  ")}},
			[]atv{{oidEmail, tagIA5String, []byte("PKI@Example.ORG")}}),
	}
}

// selfSigned returns a PEM certificate with the given raw subject and a
// fresh key: the key does not matter to the subject hash.
func selfSigned(t *testing.T, subject []byte, serial int64) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		RawSubject:            subject,
		Subject:               pkix.Name{CommonName: "unused"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	parent := *tmpl
	parent.RawSubject = subject
	der, err := x509.CreateCertificate(rand.Reader, tmpl, &parent, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestDumpForOpenSSL writes the test certificates and CRLs to
// $CACERTS_DUMP, to compute the expected hashes with
// "openssl x509 -subject_hash -noout" and "openssl crl -hash -noout".
func TestDumpForOpenSSL(t *testing.T) {
	dir := os.Getenv("CACERTS_DUMP")
	if dir == "" {
		t.Skip("CACERTS_DUMP not set")
	}
	for name, subj := range testSubjects(t) {
		if err := os.WriteFile(filepath.Join(dir, name+".crt"), selfSigned(t, subj, 1), 0644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".crl"), testCRL(t, subj), 0644); err != nil {
			t.Fatal(err)
		}
	}
}

// Hashes computed once with "openssl x509 -subject_hash -noout" (OpenSSL
// 3.0.19) on the certificates TestDumpForOpenSSL writes.
var opensslHashes = map[string]string{
	"plain":   "87f60cec",
	"unicode": "f7183c1a",
	"mixed":   "16ee8e72",
}

func TestNameHash(t *testing.T) {
	for name, subj := range testSubjects(t) {
		h, err := NameHash(subj)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := fmt8(h); got != opensslHashes[name] {
			t.Errorf("%s: hash %s, openssl says %s", name, got, opensslHashes[name])
		}
	}
	// An empty name hashes the empty string, as OpenSSL does.
	if h, err := NameHash([]byte{0x30, 0}); err != nil || fmt8(h) != "eea339da" {
		t.Errorf("empty name: %08x %v", h, err)
	}
	for _, bad := range [][]byte{nil, {0x31, 0}, {0x30, 1}, {0x30, 2, 0x31, 1}, append(rawName(t), 0)} {
		if _, err := NameHash(bad); err == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

func fmt8(h uint32) string { return fmt.Sprintf("%08x", h) }

func write(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// TestBuild runs Build on a fake image root: certificate names that sort
// differently in the C locale, a file without a final newline, colliding
// hashes, a duplicate certificate, links inside the root, escaping links
// and loops, an existing file in /etc/ssl/certs.
func TestBuild(t *testing.T) {
	subj := testSubjects(t)
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	secret := selfSigned(t, subj["mixed"], 99)
	write(t, filepath.Join(tmp, "secret.crt"), secret) // outside the root

	plain := selfSigned(t, subj["plain"], 1)
	plain2 := selfSigned(t, subj["plain"], 2)
	copied := selfSigned(t, subj["plain"], 3)
	unicode := selfSigned(t, subj["unicode"], 4)
	local := selfSigned(t, subj["unicode"], 5)
	mixed := bytes.TrimSuffix(selfSigned(t, subj["mixed"], 6), []byte("\n"))

	moz := filepath.Join(root, "usr/share/ca-certificates/mozilla")
	write(t, filepath.Join(moz, "plain.crt"), plain)
	write(t, filepath.Join(moz, "plain_2.crt"), plain2)
	write(t, filepath.Join(moz, "Uni(code),Root.crt"), unicode)
	write(t, filepath.Join(moz, "mixed.crt"), mixed)
	write(t, filepath.Join(moz, "README"), []byte("not a certificate"))
	symlink(t, "plain.crt", filepath.Join(moz, "link.crt")) // find -type f skips it
	loc := filepath.Join(root, "usr/local/share/ca-certificates")
	write(t, filepath.Join(loc, "dup.crt"), plain)
	write(t, filepath.Join(root, "opt/certs/local.pem"), local)
	symlink(t, "/opt/certs/local.pem", filepath.Join(loc, "sub/local.crt")) // absolute: inside the root
	symlink(t, "../../../../../../../secret.crt", filepath.Join(loc, "evil.crt"))
	symlink(t, "/../secret.crt", filepath.Join(loc, "evil2.crt"))
	symlink(t, ".", filepath.Join(loc, "sub/loop"))
	symlink(t, "missing.crt", filepath.Join(loc, "dangling.crt"))
	write(t, filepath.Join(root, "etc/ssl/certs/copied.pem"), copied)
	write(t, filepath.Join(root, "etc/ssl/certs/two.pem"), append(append([]byte(nil), plain...), unicode...))
	write(t, filepath.Join(root, "etc/ssl/certs/revoked.CRL"), testCRL(t, subj["plain"]))
	symlink(t, "copied.pem", filepath.Join(root, "etc/ssl/certs/87f60cec.7")) // a stale hash link: ignored

	res, err := Build(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]File{}
	for _, f := range res.Files {
		got[f.Path] = f
	}

	wantConf := ConfHeader + "mozilla/Uni(code),Root.crt\nmozilla/mixed.crt\nmozilla/plain.crt\nmozilla/plain_2.crt\n"
	if c := string(got["etc/ca-certificates.conf"].Data); c != wantConf {
		t.Errorf("conf:\n%s\nwant\n%s", c, wantConf)
	}
	wantBundle := string(unicode) + string(mixed) + "\n" + string(plain) + string(plain2) + string(plain) + string(local)
	if b := string(got["etc/ssl/certs/ca-certificates.crt"].Data); b != wantBundle {
		t.Errorf("bundle differs (%d bytes, want %d)", len(b), len(wantBundle))
	}
	wantLinks := map[string]string{
		"Uni=code=_Root.pem": "/usr/share/ca-certificates/mozilla/Uni(code),Root.crt",
		"mixed.pem":          "/usr/share/ca-certificates/mozilla/mixed.crt",
		"plain.pem":          "/usr/share/ca-certificates/mozilla/plain.crt",
		"plain_2.pem":        "/usr/share/ca-certificates/mozilla/plain_2.crt",
		"dup.pem":            "/usr/local/share/ca-certificates/dup.crt",
		"local.pem":          "/usr/local/share/ca-certificates/sub/local.crt",
		// Sorted: copied.pem, dup.pem, plain.pem (a duplicate of
		// dup.pem: no link), plain_2.pem.
		opensslHashes["plain"] + ".0":   "copied.pem",
		opensslHashes["plain"] + ".1":   "dup.pem",
		opensslHashes["plain"] + ".2":   "plain_2.pem",
		opensslHashes["unicode"] + ".0": "Uni=code=_Root.pem",
		opensslHashes["unicode"] + ".1": "local.pem",
		opensslHashes["mixed"] + ".0":   "mixed.pem",
		opensslHashes["plain"] + ".r0":  "revoked.CRL", // issuer hash
	}
	var links []string
	for p, f := range got {
		if f.Link == "" {
			continue
		}
		name := strings.TrimPrefix(p, "etc/ssl/certs/")
		links = append(links, name)
		if wantLinks[name] != f.Link {
			t.Errorf("%s -> %s, want -> %s", p, f.Link, wantLinks[name])
		}
	}
	if len(links) != len(wantLinks) || len(got) != len(wantLinks)+2 {
		t.Errorf("links %q", links)
	}
	if res.Certificates != 6 || res.Local != 2 || res.PEMLinks != 6 || res.HashLinks != 7 {
		t.Errorf("summary %s", res)
	}
	if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "skipping duplicate certificate in plain.pem") || !strings.Contains(w, "skipping two.pem, it does not contain exactly one") {
		t.Errorf("warnings %q", res.Warnings)
	}

	// With a configuration: a deselected and a missing certificate.
	conf := "# comment\n!mozilla/plain.crt\nmozilla/mixed.crt\n  mozilla/gone.crt  \n\n"
	res, err = Build(root, Options{Config: []byte(conf)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files[0].Path == "etc/ca-certificates.conf" || res.Certificates != 3 || res.Local != 2 {
		t.Errorf("with config: %s, first file %s", res, res.Files[0].Path)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "/usr/share/ca-certificates/mozilla/gone.crt not found") {
		t.Errorf("warnings %q", res.Warnings)
	}

	// The tar stream.
	var buf bytes.Buffer
	mtime := time.Unix(1700000000, 0)
	if err := res.Tar(&buf, mtime); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.ModTime.Equal(mtime) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %v %d:%d", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		names = append(names, h.Name)
	}
	if len(names) != 3+len(res.Files) || strings.Join(names[:3], " ") != "etc/ etc/ssl/ etc/ssl/certs/" {
		t.Errorf("tar names %q", names)
	}
}

func TestFindRefusesNames(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "usr/share/ca-certificates/mozilla/a b.crt"), nil)
	if _, err := Build(root, Options{}); err == nil || !strings.Contains(err.Error(), "white space") {
		t.Fatalf("err = %v", err)
	}
	// No ca-certificates at all: an empty bundle and configuration.
	res, err := Build(t.TempDir(), Options{})
	if err != nil || res.Certificates != 0 || len(res.Files) != 2 {
		t.Fatalf("%v %v", res, err)
	}
}

func TestPEMName(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/share/ca-certificates/mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt": "NetLock_Arany_=Class_Gold=_Főtanúsítvány.pem",
		"/x/a (b),c.crt": "a_=b=_c.pem",
		"/x/.crt":        ".crt.pem",
		"/x/a.crt.crt":   "a.crt.pem",
	} {
		if got := pemName(in); got != want {
			t.Errorf("pemName(%q) = %q, want %q", in, got, want)
		}
	}
}

// testCRL returns a PEM CRL whose issuer is the raw name issuer.
func testCRL(t *testing.T, issuer []byte) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{RawSubject: issuer, SubjectKeyId: []byte{1, 2, 3}, KeyUsage: x509.KeyUsageCRLSign}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NextUpdate: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}, ca, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// TestBuildLayers: the union of layer directories gives what Build gives
// for the same layers merged into one directory, including a certificate
// replaced by an upper layer, directories spread over layers, links that
// cross layers and a link target that only an upper layer provides.
func TestBuildLayers(t *testing.T) {
	subj := testSubjects(t)
	type entry struct {
		layer      int
		path       string
		data, link string
	}
	a, b := string(selfSigned(t, subj["plain"], 1)), string(selfSigned(t, subj["plain"], 2))
	c, d := string(selfSigned(t, subj["unicode"], 3)), string(selfSigned(t, subj["mixed"], 4))
	entries := []entry{
		{layer: 0, path: "usr/share/ca-certificates/mozilla/a.crt", data: a},
		{layer: 0, path: "usr/share/ca-certificates/mozilla/b.crt", data: a}, // replaced in layer 1
		{layer: 1, path: "usr/share/ca-certificates/mozilla/b.crt", data: b},
		{layer: 1, path: "usr/share/ca-certificates/other/c.crt", data: c},
		{layer: 0, path: "etc/ssl/certs/old.pem", data: c},
		{layer: 2, path: "etc/ssl/certs/java.pem", link: "/opt/java/d.pem"}, // target in layer 1
		{layer: 1, path: "opt/java/d.pem", data: d},
		{layer: 2, path: "usr/local/share/ca-certificates/local.crt", link: "/usr/share/ca-certificates/other/c.crt"},
		{layer: 2, path: "usr/local/share/ca-certificates/sub/e.crt", data: d},
		// A directory replaced by a file in an upper layer hides what
		// the lower layers have beneath it.
		{layer: 0, path: "usr/share/ca-certificates/gone/x.crt", data: a},
		{layer: 2, path: "usr/share/ca-certificates/gone", data: "not a directory"},
		{layer: 2, path: "usr/local/share/ca-certificates/hidden.crt", link: "/usr/share/ca-certificates/gone/x.crt"},
	}
	tmp := t.TempDir()
	merged := filepath.Join(tmp, "merged")
	layers := []string{filepath.Join(tmp, "l0"), filepath.Join(tmp, "l1"), filepath.Join(tmp, "l2")}
	for _, e := range entries {
		for _, root := range []string{merged, layers[e.layer]} {
			p := filepath.Join(root, e.path)
			os.RemoveAll(p)
			if e.link != "" {
				symlink(t, e.link, p)
			} else {
				write(t, p, []byte(e.data))
			}
		}
	}
	want, err := Build(merged, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := BuildLayers(layers, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Files, want.Files) || got.String() != want.String() || !reflect.DeepEqual(got.Warnings, want.Warnings) {
		t.Errorf("union:\n%s %v\nmerged:\n%s %v", got, got.Warnings, want, want.Warnings)
	}
	bundle := func(r *Result) string {
		for _, f := range r.Files {
			if f.Path == "etc/ssl/certs/ca-certificates.crt" {
				return string(f.Data)
			}
		}
		return ""
	}
	// b replaced a, and the local link resolved across layers.
	if w := a + b + c + c + d; bundle(got) != w {
		t.Errorf("bundle has %d bytes, want %d", len(bundle(got)), len(w))
	}
	if _, err := BuildLayers(nil, Options{}); err == nil {
		t.Error("no layers: no error")
	}
}
