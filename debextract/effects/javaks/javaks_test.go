package javaks

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract/cacerts"
)

// testTime dates the entries of the keystores the tests build.
var testTime = time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)

func TestAliasFor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ISRG_Root_X1.pem", "debian:isrg_root_x1.pem"},
		{"/etc/ssl/certs/ISRG_Root_X1.pem", "debian:isrg_root_x1.pem"},
		{"ACCVRAIZ1.pem", "debian:accvraiz1.pem"},
		{"Hellenic_Academic_and_Research_Institutions_RootCA_2015.pem", "debian:hellenic_academic_and_research_institutions_rootca_2015.pem"},
		{"NetLock_Arany_=Class_Gold=_Főtanúsítvány.pem", "debian:netlock_arany_=class_gold=_főtanúsítvány.pem"},
		{"İstanbul.pem", "debian:i\u0307stanbul.pem"},
		{"Größe.PEM", "debian:größe.pem"},
	} {
		if got := AliasFor(tc.in); got != tc.want {
			t.Errorf("AliasFor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJavaHash(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int32
	}{
		{"", 0},
		{"a", 97},
		{"hello", 99162322},
		{"Aa", 2112},
		{"BB", 2112},
		{"polygenelubricants", -2147483648},
		{"\U0001D518", 0xd835*31 + 0xdd18},
	} {
		if got := javaHash(tc.s); got != tc.want {
			t.Errorf("javaHash(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestHashtableOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []string // "+key" puts the next value, "-key" removes
		want []int    // values in keys() order
	}{
		// Buckets 9, 10 and 0 of 11, walked from the last.
		{"buckets", []string{"+a", "+b", "+c"}, []int{1, 0, 2}},
		// "Aa" and "BB" share a bucket: the newer is the chain's head.
		{"chain", []string{"+Aa", "+BB"}, []int{1, 0}},
		// Putting an existing key keeps its place.
		{"replace", []string{"+Aa", "+BB", "+Aa"}, []int{1, 2}},
		// Removing and putting again moves it to the head.
		{"remove", []string{"+Aa", "+BB", "-Aa", "+Aa"}, []int{3, 1}},
		// The ninth key rehashes to 23 buckets: a..i are 97..105, so
		// buckets 5..13, walked from the last.
		{"rehash", []string{"+a", "+b", "+c", "+d", "+e", "+f", "+g", "+h", "+i"}, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHashtable()
			for i, op := range tc.ops {
				if op[0] == '-' {
					h.remove(op[1:])
				} else {
					h.put(op[1:], i)
				}
			}
			if got := h.values(); !slices.Equal(got, tc.want) {
				t.Errorf("values %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWriteUTF(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"", []byte{0, 0}},
		{"debian:a", []byte("\x00\x08debian:a")},
		{"\x00", []byte{0, 2, 0xc0, 0x80}},
		{"é", []byte{0, 2, 0xc3, 0xa9}},
		{"€", []byte{0, 3, 0xe2, 0x82, 0xac}},
		{"\U0001D518", []byte{0, 6, 0xed, 0xa0, 0xb5, 0xed, 0xb4, 0x98}},
	} {
		var b bytes.Buffer
		if err := writeUTF(&b, tc.in); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), tc.want) {
			t.Errorf("writeUTF(%q) = % x, want % x", tc.in, b.Bytes(), tc.want)
		}
		r := &reader{b: b.Bytes()}
		if got := r.utf(); got != tc.in || r.err != nil {
			t.Errorf("read back %q (%v), want %q", got, r.err, tc.in)
		}
	}
	var b bytes.Buffer
	if err := writeUTF(&b, strings.Repeat("é", 40000)); err == nil {
		t.Error("an alias of 80000 bytes was written")
	}
	if err := writeUTF(&b, "\xff"); err == nil {
		t.Error("invalid UTF-8 was written")
	}
}

func TestMarshalParse(t *testing.T) {
	entries := []Entry{
		{Alias: "debian:b.pem", Created: testTime, DER: testCert(t, "b")},
		{Alias: "debian:a.pem", Created: testTime.Add(time.Millisecond), DER: testCert(t, "a")},
	}
	ks, err := Marshal(entries, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(ks, []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2}) {
		t.Errorf("header % x", ks[:16])
	}
	got, err := Parse(ks, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i].Alias != entries[i].Alias || !got[i].Created.Equal(entries[i].Created) || !bytes.Equal(got[i].DER, entries[i].DER) {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], entries[i])
		}
	}
	if _, err := Parse(ks, "wrong"); !errors.Is(err, ErrDigest) {
		t.Errorf("wrong password: %v", err)
	}
	for _, n := range []int{0, 11, 40, len(ks) - 1} {
		if _, err := Parse(ks[:n], StorePass); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
}

func TestTrustStore(t *testing.T) {
	a, b, c := testCert(t, "a"), testCert(t, "b"), testCert(t, "c")
	for _, tc := range []struct {
		name  string
		certs []Cert
		want  map[string][]byte
	}{
		{"empty", nil, map[string][]byte{}},
		{"one", []Cert{{"debian:a.pem", a}}, map[string][]byte{"debian:a.pem": a}},
		{"lowercased", []Cert{{"debian:A.pem", a}, {"debian:B.pem", b}}, map[string][]byte{"debian:a.pem": a, "debian:b.pem": b}},
		{"later replaces", []Cert{{"debian:A.pem", a}, {"debian:b.pem", b}, {"debian:a.pem", c}}, map[string][]byte{"debian:a.pem": c, "debian:b.pem": b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := TrustStore(tc.certs, testTime)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := Parse(ks, StorePass)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			for _, e := range entries {
				got[e.Alias] = e.DER
				if !e.Created.Equal(testTime.Truncate(time.Millisecond)) {
					t.Errorf("%s: dated %v", e.Alias, e.Created)
				}
			}
			if len(got) != len(entries) || len(got) != len(tc.want) {
				t.Fatalf("aliases %v, want %d", got, len(tc.want))
			}
			for alias, der := range tc.want {
				if !bytes.Equal(got[alias], der) {
					t.Errorf("%s: wrong or missing certificate", alias)
				}
			}
		})
	}
}

func TestTrustStoreDeterministic(t *testing.T) {
	var certs []Cert
	for _, n := range goldenNames() {
		certs = append(certs, Cert{Alias: AliasFor(n), DER: testCert(t, n)})
	}
	first, err := TrustStore(certs, testTime)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := TrustStore(slices.Clone(certs), testTime)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("the same certificates gave different keystores")
		}
	}
}

func TestFirstCertificate(t *testing.T) {
	a, b := testCert(t, "a"), testCert(t, "b")
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	for _, tc := range []struct {
		name string
		data string
		want []byte // nil: an error
	}{
		{"pem", pemOf("CERTIFICATE", a), a},
		{"text before", "Subject: A\n" + pemOf("CERTIFICATE", a), a},
		{"first of two", pemOf("CERTIFICATE", a) + pemOf("CERTIFICATE", b), a},
		{"der", string(a), a},
		{"der, bytes after", string(a) + "junk", a},
		{"trailing data in the block", pemOf("TRUSTED CERTIFICATE", append(slices.Clone(a), 0x30, 0)), nil},
		{"key first", pemOf("PRIVATE KEY", []byte{0x30, 0}) + pemOf("CERTIFICATE", a), nil},
		{"empty", "", nil},
		{"text", "not a certificate\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := firstCertificate([]byte(tc.data))
			if tc.want == nil {
				if err == nil {
					t.Errorf("no error")
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("got %d bytes, %v", len(got), err)
			}
		})
	}
}

// TestFromResult builds an image with packaged and local certificates,
// runs the CA step on it and checks the keystore: the aliases the postinst
// gives, and the trust set of ca-certificates.crt (but for what Java
// cannot read, and the second certificate of a file).
func TestFromResult(t *testing.T) {
	base, local := t.TempDir(), t.TempDir()
	writeFiles(t, base, map[string]string{
		"usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt":         string(testPEM(t, "isrg")),
		"usr/share/ca-certificates/mozilla/NetLock_(Class_Gold).crt": string(testPEM(t, "netlock")),
		"usr/share/ca-certificates/mozilla/Two,_In_One.crt":          string(testPEM(t, "two-1")) + string(testPEM(t, "two-2")),
		"usr/share/ca-certificates/other/Back\\slash.crt":            string(testPEM(t, "backslash")),
		"usr/share/ca-certificates/mozilla/ZZ_Last.crt":              string(testPEM(t, "zz")),
		"usr/share/ca-certificates/mozilla/Broken.crt":               "not a certificate\n",
	})
	writeFiles(t, local, map[string]string{
		"usr/local/share/ca-certificates/corp/Corp_Root.crt": string(testPEM(t, "corp")),
		"usr/local/share/ca-certificates/isrg_root_x1.crt":   string(testPEM(t, "local isrg")),
		"usr/local/share/ca-certificates/linked.crt":         "-> corp/Corp_Root.crt",
	})
	layers := []string{base, local}
	res, err := cacerts.BuildLayers(layers, cacerts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certs, warnings, err := FromResult(layers, res)
	if err != nil {
		t.Fatal(err)
	}
	var aliases []string
	for _, c := range certs {
		aliases = append(aliases, c.Alias)
	}
	wantAliases := []string{
		"debian:corp_root.pem", "debian:isrg_root_x1.pem", "debian:netlock_=class_gold=.pem",
		"debian:two__in_one.pem", "debian:zz_last.pem", "debian:isrg_root_x1.pem", "debian:linked.pem",
	}
	if !slices.Equal(aliases, wantAliases) {
		t.Errorf("aliases %q, want %q", aliases, wantAliases)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "Back\\slash.pem") || !strings.Contains(warnings[1], "Broken.pem") {
		t.Errorf("warnings %q", warnings)
	}

	ks, err := TrustStore(certs, testTime)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := Parse(ks, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[string(e.DER)] = true
	}
	want := map[string]bool{}
	for _, name := range []string{"netlock", "two-1", "zz", "corp", "local isrg"} {
		want[string(testCert(t, name))] = true
	}
	if !mapsEqual(got, want) {
		t.Errorf("%d certificates in the keystore, want %d", len(got), len(want))
	}
	// The bundle holds the same set, plus what Java skips.
	bundle := bundleCerts(t, res)
	for _, name := range []string{"isrg", "two-2", "backslash"} {
		want[string(testCert(t, name))] = true
	}
	if !mapsEqual(bundle, want) {
		t.Errorf("ca-certificates.crt holds %d certificates, want %d", len(bundle), len(want))
	}
}

// bundleCerts returns the certificates of ca-certificates.crt in res.
func bundleCerts(t *testing.T, res *cacerts.Result) map[string]bool {
	t.Helper()
	certs := map[string]bool{}
	for _, f := range res.Files {
		if "/"+f.Path != cacerts.BundlePath {
			continue
		}
		for rest := f.Data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				t.Fatal(err)
			}
			certs[string(b.Bytes)] = true
		}
	}
	return certs
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
