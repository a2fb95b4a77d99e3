package fakemirror_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/internal/debtest"
	"github.com/distrofile/distrofile/internal/fakemirror"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// testArchive is a small trixie with a security suite, two architectures,
// an arch:all package, a virtual package and a contrib component.
func testArchive() fakemirror.Archive {
	return fakemirror.Archive{Suites: []fakemirror.Suite{
		{
			Dist:          "trixie",
			Suite:         "testing",
			Architectures: []string{"amd64", "arm64"},
			Packages: []fakemirror.Package{
				{Name: "libc6", Version: "2.41-12", MultiArch: "same", Priority: "required",
					Files: map[string]string{"/usr/lib/x86_64-linux-gnu/libc.so.6": "ELF libc"}},
				{Name: "libc6", Version: "2.41-12", Arch: "arm64", MultiArch: "same",
					Files: map[string]string{"/usr/lib/aarch64-linux-gnu/libc.so.6": "ELF libc arm64"}},
				{Name: "hello", Version: "2.10-5", Depends: "libc6 (>= 2.34)",
					Files:   map[string]string{"/usr/bin/hello": "#!hello\n", "/usr/share/doc/hello/copyright": "GPL"},
					Entries: []debtest.Entry{debtest.Symlink("./usr/bin/hi", "hello")}},
				{Name: "tzdata", Version: "2025b-4", Arch: "all", Files: map[string]string{"/usr/share/zoneinfo/Etc/UTC": "TZif"}},
				{Name: "exim4-daemon-light", Version: "4.98-3", Provides: "mail-transport-agent", Depends: "libc6"},
				{Name: "mailer", Version: "1:1.0-1", Depends: "mail-transport-agent"},
				{Name: "unrar", Version: "7.1-1", Component: "contrib", Depends: "libc6"},
			},
		},
		{
			Dist: "trixie-security", Root: "debian-security",
			Packages: []fakemirror.Package{{Name: "libc6", Version: "2.41-12+deb13u1", MultiArch: "same"}},
		},
	}}
}

func client(s *fakemirror.Server, timeout time.Duration) *debresolve.Client {
	return &debresolve.Client{Fetcher: fakemirror.Fetcher{Client: &http.Client{Timeout: timeout}}, Keyring: s.Keyring}
}

func get(t *testing.T, u string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestArchiveResolvesAndExtracts(t *testing.T) {
	s := fakemirror.New(t, testArchive())
	kr, err := debresolve.ReadKeyring(s.ArmoredKeyring)
	if err != nil || len(kr) != 1 {
		t.Fatalf("armored keyring: %v (%d keys)", err, len(kr))
	}
	in, _ := s.File(s.InReleasePath("trixie"))
	body, signer, err := debresolve.VerifyInRelease(in, kr, time.Now())
	if err != nil || !strings.Contains(signer, "fakemirror") {
		t.Fatalf("verify: %v (signer %q)", err, signer)
	}
	rel, err := debresolve.ParseRelease(body)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Suite != "testing" || rel.Codename != "trixie" || !rel.AcquireByHash || !reflect.DeepEqual(rel.Components, []string{"contrib", "main"}) ||
		!reflect.DeepEqual(rel.Architectures, []string{"all", "amd64", "arm64"}) || !rel.ValidUntil.Equal(s.ValidUntil) {
		t.Fatalf("release %+v", rel)
	}
	// Packages, Packages.gz and Packages.xz hold the same text, listed
	// with the right hashes and reachable by hash.
	plain, _ := s.File(s.IndexPath("trixie", "main", "amd64", "Packages"))
	for _, name := range []string{"Packages.gz", "Packages.xz"} {
		p := s.IndexPath("trixie", "main", "amd64", name)
		z, _ := s.File(p)
		var r io.Reader
		if name == "Packages.gz" {
			r, err = gzip.NewReader(bytes.NewReader(z))
		} else {
			r, err = xz.NewReader(bytes.NewReader(z))
		}
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(text, plain) {
			t.Errorf("%s does not decompress to Packages: %v", name, err)
		}
		fh, ok := rel.File("main/binary-amd64/" + name)
		if !ok || fh.Size != int64(len(z)) {
			t.Errorf("%s listed as %+v", name, fh)
		}
		_, byHash, err := get(t, s.URL+"/"+s.ByHashPath("trixie", "main", "amd64", name))
		if err != nil || !bytes.Equal(byHash, z) || !strings.HasSuffix(s.ByHashPath("trixie", "main", "amd64", name), fh.SHA256) {
			t.Errorf("by-hash %s: %v", name, err)
		}
	}

	c := client(s, 10*time.Second)
	sources := []debresolve.Source{
		{URL: s.ArchiveURL(""), Suite: "trixie", Components: []string{"main", "contrib"}},
		{URL: s.ArchiveURL("debian-security"), Suite: "trixie-security"},
	}
	idx, err := c.LoadIndexes(context.Background(), sources, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"hello", "tzdata", "mailer", "unrar"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cl.Packages {
		got = append(got, p.ID()+" "+p.Suite)
	}
	want := []string{
		"hello 2.10-5 amd64 trixie", "libc6 2.41-12+deb13u1 amd64 trixie-security", "tzdata 2025b-4 all trixie",
		"mailer 1:1.0-1 amd64 trixie", "exim4-daemon-light 4.98-3 amd64 trixie", "unrar 7.1-1 amd64 trixie",
	}
	if !sameSet(got, want) {
		t.Fatalf("closure\n got %q\nwant %q", got, want)
	}
	// Every package of the closure downloads with the index's hash and
	// size, and extracts to its files.
	out := t.TempDir()
	for _, p := range cl.Packages {
		resp, b, err := get(t, p.URL)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p.URL, err, resp)
		}
		if int64(len(b)) != p.Size || fmt.Sprintf("%x", sha256sum(b)) != p.SHA256 {
			t.Errorf("%s: size or hash differ from the index", p.Name)
		}
		if _, err := debextract.Extract(bytes.NewReader(b), out, debextract.Options{DpkgStatus: true}); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
	}
	for f, want := range map[string]string{"usr/bin/hello": "#!hello\n", "usr/share/zoneinfo/Etc/UTC": "TZif", "var/lib/dpkg/status.d/hello.md5sums": ""} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || want != "" && string(b) != want {
			t.Errorf("%s: %q %v", f, b, err)
		}
	}
	if l, err := os.Readlink(filepath.Join(out, "usr/bin/hi")); err != nil || l != "hello" {
		t.Errorf("symlink: %q %v", l, err)
	}
	if fi, err := os.Stat(filepath.Join(out, "usr/bin/hello")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("usr/bin/hello mode: %v %v", fi, err)
	}
	if d, ok := s.Deb("mailer"); !ok || !strings.HasSuffix(d.Path, "debian/pool/main/m/mailer/mailer_1.0-1_amd64.deb") {
		t.Errorf("mailer deb %+v", d.Path)
	}
	if d, ok := s.Deb("libc6"); !ok || !strings.HasPrefix(d.Path, "debian/pool/main/libc/libc6/") {
		t.Errorf("libc6 deb %+v", d.Path)
	}
	// The arm64 index has the arm64 libc6 and the arch:all tzdata.
	idx, err = c.LoadIndexes(context.Background(), sources[:1], "arm64")
	if err != nil {
		t.Fatal(err)
	}
	var arm []string
	for _, p := range idx[0].Packages {
		arm = append(arm, p.ID())
	}
	if !reflect.DeepEqual(arm, []string{"libc6 2.41-12 arm64", "tzdata 2025b-4 all"}) {
		t.Errorf("arm64 index: %q", arm)
	}
	if _, err := c.LoadIndexes(context.Background(), sources[:1], "riscv64"); err == nil ||
		err.Error() != s.URL+"/debian/dists/trixie/InRelease does not have architecture riscv64 (it has all amd64 arm64)" {
		t.Errorf("riscv64: %v", err)
	}
}

func sha256sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestStartRejectsBadArchives(t *testing.T) {
	for _, a := range []fakemirror.Archive{
		{Suites: []fakemirror.Suite{{Dist: "x"}, {Dist: "x"}}},
		{Suites: []fakemirror.Suite{{Dist: ""}}},
		{Suites: []fakemirror.Suite{{Dist: "x", Packages: []fakemirror.Package{{Name: "a"}}}}},
		{Suites: []fakemirror.Suite{{Dist: "x", Packages: []fakemirror.Package{{Name: "a", Version: "1", Files: map[string]string{"rel": ""}}}}}},
		{Suites: []fakemirror.Suite{{Dist: "x", Packages: []fakemirror.Package{{Name: "a", Version: "1"}, {Name: "a", Version: "1", Depends: "b"}}}}},
	} {
		if s, err := fakemirror.Start(a); err == nil {
			s.Close()
			t.Errorf("%+v: no error", a)
		}
	}
}

// TestFaultsOverHTTP checks what each misbehaviour looks like on the wire.
func TestFaultsOverHTTP(t *testing.T) {
	s := fakemirror.New(t, testArchive())
	s.SlowDelay, s.SlowChunk = 20*time.Millisecond, 64
	inPath := s.InReleasePath("trixie")
	in, _ := s.File(inPath)
	gzPath := s.IndexPath("trixie", "main", "amd64", "Packages.gz")
	gz, _ := s.File(gzPath)
	for _, f := range fakemirror.Faults {
		t.Run(f.String(), func(t *testing.T) {
			s.Reset()
			s.Fail(inPath, f)
			s.Fail(gzPath, f)
			for _, p := range []string{inPath, gzPath} {
				orig, _ := s.File(p)
				start := time.Now()
				resp, b, err := get(t, s.URL+"/"+p)
				isIn := p == inPath
				switch f {
				case WrongSignatureFault, UnknownKeyFault, ExpiredFault:
					if err != nil || resp.StatusCode != 200 {
						t.Fatalf("%s: %v %v", p, err, resp)
					}
					if isIn == bytes.Equal(b, orig) {
						t.Errorf("%s: changed %v, want %v", p, !bytes.Equal(b, orig), isIn)
					}
				case fakemirror.HashMismatch:
					if err != nil || !bytes.Equal(b, fakemirror.Corrupt(orig)) || len(b) != len(orig) || bytes.Equal(b, orig) {
						t.Errorf("%s: %v", p, err)
					}
				case fakemirror.Truncated:
					if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) != len(orig)/2 {
						t.Errorf("%s: %d bytes, %v", p, len(b), err)
					}
				case fakemirror.NotFound, fakemirror.ServerError:
					want := map[fakemirror.Fault]int{fakemirror.NotFound: 404, fakemirror.ServerError: 500}[f]
					if err != nil || resp.StatusCode != want {
						t.Errorf("%s: %v %v", p, err, resp)
					}
				case fakemirror.Slow:
					chunks := (len(orig) + 63) / 64
					if err != nil || !bytes.Equal(b, orig) || time.Since(start) < time.Duration(chunks-1)*20*time.Millisecond {
						t.Errorf("%s: %v after %v for %d chunks", p, err, time.Since(start), chunks)
					}
				case fakemirror.RedirectLoop:
					if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
						t.Errorf("%s: %v", p, err)
					}
				}
			}
		})
	}
	// Prefix rules, precedence and the global fault.
	s.Reset()
	s.FailAll(fakemirror.ServerError)
	s.Fail("debian/dists/trixie/*", fakemirror.NotFound)
	s.Fail(gzPath, fakemirror.OK)
	for p, want := range map[string]int{inPath: 404, gzPath: 200, "debian/pool/main/h/hello/hello_2.10-5_amd64.deb": 500, "nowhere": 500} {
		if resp, _, err := get(t, s.URL+"/"+p); err != nil || resp.StatusCode != want {
			t.Errorf("%s: %v %v, want %d", p, err, resp, want)
		}
	}
	if n := s.Requests(inPath); n != 1 {
		t.Errorf("%d requests for InRelease", n)
	}
	s.Reset()
	if resp, b, err := get(t, s.URL+"/"+inPath); err != nil || resp.StatusCode != 200 || !bytes.Equal(b, in) {
		t.Errorf("after Reset: %v %v", err, resp)
	}
	if resp, b, err := get(t, s.URL+"/"+gzPath); err != nil || resp.StatusCode != 200 || !bytes.Equal(b, gz) {
		t.Errorf("after Reset: %v %v", err, resp)
	}
	if resp, _, err := get(t, s.URL+"/debian/dists/sid/InRelease"); err != nil || resp.StatusCode != 404 {
		t.Errorf("unknown path: %v %v", err, resp)
	}
}

// Aliases keep the switch above readable.
const (
	WrongSignatureFault = fakemirror.WrongSignature
	UnknownKeyFault     = fakemirror.UnknownKey
	ExpiredFault        = fakemirror.Expired
)

// TestClientErrors drives debresolve.Client through every misbehaviour and
// checks the exact error: it names the URL, and the status for 404 and 500.
func TestClientErrors(t *testing.T) {
	s := fakemirror.New(t, testArchive())
	s.SlowDelay, s.SlowChunk = time.Second, 16
	inPath := s.InReleasePath("trixie")
	inURL := s.URL + "/" + inPath
	gzPath := s.IndexPath("trixie", "main", "amd64", "Packages.gz")
	gzURL := s.URL + "/" + gzPath
	byHash := s.ByHashPath("trixie", "main", "amd64", "Packages.gz")
	byHashURL := s.URL + "/" + byHash
	gz, _ := s.File(gzPath)
	gzSum, badSum := fmt.Sprintf("%x", sha256sum(gz)), fmt.Sprintf("%x", sha256sum(fakemirror.Corrupt(gz)))
	indexDir := "debian/dists/trixie/main/binary-amd64/*"
	expiredAt := s.Date.Add(time.Second).Format(time.RFC1123)

	for _, tc := range []struct {
		name    string
		pattern string // "" means FailAll
		fault   fakemirror.Fault
		want    string // "" means success
	}{
		{"wrong signature", inPath, fakemirror.WrongSignature,
			"InRelease " + inURL + ": signature check failed: openpgp: invalid signature: EdDSA verification failure"},
		{"unknown key", inPath, fakemirror.UnknownKey,
			"InRelease " + inURL + ": signature check failed: no signature by a key in the keyring (1 signatures): openpgp: signature made by unknown entity"},
		{"expired", inPath, fakemirror.Expired,
			"InRelease " + inURL + " expired at " + expiredAt + " (Valid-Until): the mirror is stale or the clock is wrong"},
		{"InRelease hash mismatch breaks the signature", inPath, fakemirror.HashMismatch,
			"InRelease " + inURL + ": signature check failed: not a clear-signed file (no valid PGP SIGNED MESSAGE block)"},
		{"index hash mismatch", byHash, fakemirror.HashMismatch,
			"main/binary-amd64/Packages.gz from " + byHashURL + ": sha256 " + badSum + " does not match InRelease (" + gzSum + ")"},
		{"truncated InRelease", inPath, fakemirror.Truncated,
			"fetching InRelease of trixie: GET " + inURL + ": unexpected EOF"},
		{"truncated by-hash index falls back", byHash, fakemirror.Truncated, ""},
		{"truncated index", indexDir, fakemirror.Truncated,
			"fetching main/binary-amd64/Packages.gz of trixie: GET " + byHashURL + ": unexpected EOF; falling back to " + gzURL + ": GET " + gzURL + ": unexpected EOF"},
		{"404 InRelease", inPath, fakemirror.NotFound,
			"fetching InRelease of trixie: GET " + inURL + ": 404 Not Found"},
		{"404 index", indexDir, fakemirror.NotFound,
			"fetching main/binary-amd64/Packages.gz of trixie: GET " + byHashURL + ": 404 Not Found; falling back to " + gzURL + ": GET " + gzURL + ": 404 Not Found"},
		{"500 InRelease", inPath, fakemirror.ServerError,
			"fetching InRelease of trixie: GET " + inURL + ": 500 Internal Server Error"},
		{"500 index", indexDir, fakemirror.ServerError,
			"fetching main/binary-amd64/Packages.gz of trixie: GET " + byHashURL + ": 500 Internal Server Error; falling back to " + gzURL + ": GET " + gzURL + ": 500 Internal Server Error"},
		{"500 everywhere", "", fakemirror.ServerError,
			"fetching InRelease of trixie: GET " + inURL + ": 500 Internal Server Error"},
		{"slow InRelease", inPath, fakemirror.Slow,
			"fetching InRelease of trixie: GET " + inURL + ": context deadline exceeded (Client.Timeout or context cancellation while reading body)"},
		{"redirect loop", inPath, fakemirror.RedirectLoop,
			"fetching InRelease of trixie: GET " + inURL + ": stopped after 10 redirects"},
		{"redirect loop everywhere", "", fakemirror.RedirectLoop,
			"fetching InRelease of trixie: GET " + inURL + ": stopped after 10 redirects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			if tc.pattern == "" {
				s.FailAll(tc.fault)
			} else {
				s.Fail(tc.pattern, tc.fault)
			}
			c := client(s, 3*time.Second)
			_, err := c.LoadIndexes(context.Background(), []debresolve.Source{{URL: s.ArchiveURL(""), Suite: "trixie"}}, "amd64")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatal("no error")
			case tc.want != "" && err.Error() != tc.want:
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			if tc.want == "" && s.Requests(gzPath) != 1 {
				t.Errorf("%d requests for %s, want the fallback", s.Requests(gzPath), gzPath)
			}
		})
	}
}
