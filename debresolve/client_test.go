package debresolve_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
)

const fakeHost = "http://archive.invalid/"

// fakeFetcher serves an archivetest.Archive from a URL map and records the
// requests it got.
type fakeFetcher struct {
	a *archivetest.Archive

	mu   sync.Mutex
	reqs []debresolve.FetchRequest
	// override maps a URL to the bytes returned instead of the file.
	override map[string][]byte
}

func (f *fakeFetcher) Fetch(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	b, ok := f.override[req.URL]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	b, ok = f.a.Get(strings.TrimPrefix(req.URL, fakeHost))
	if !ok {
		return nil, fmt.Errorf("GET %s: 404 Not Found", req.URL)
	}
	return b, nil
}

func (f *fakeFetcher) requests() []debresolve.FetchRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]debresolve.FetchRequest(nil), f.reqs...)
}

// trixieLike builds a signed archive with a main suite (Packages.gz), an
// updates suite (Packages.xz only, like the real one) and a security suite
// on another archive root.
func trixieLike(t testing.TB, key *openpgp.Entity) *archivetest.Archive {
	t.Helper()
	a := archivetest.New()
	suites := []archivetest.Suite{
		{Root: "debian", Dist: "trixie", Suite: "stable", Key: key, Packages: map[string]string{
			"main/amd64": strings.Join([]string{
				st("perl", "5.40.1-6", "Depends: perl-base (= 5.40.1-6), libperl5.40 (= 5.40.1-6), perl-modules-5.40 (>= 5.40.1-6)", "Priority: standard"),
				st("perl-base", "5.40.1-6", "Pre-Depends: libc6 (>= 2.38)", "Essential: yes", "Priority: required"),
				st("perl-modules-5.40", "5.40.1-6", "Architecture: all", "Depends: perl-base (>= 5.40.1-6)"),
				st("libperl5.40", "5.40.1-6", "Depends: libc6 (>= 2.38), libdb5.3t64, perl-modules-5.40 (>= 5.40.1-6)"),
				st("libdb5.3t64", "5.3.28+dfsg2-9", "Depends: libc6 (>= 2.34)"),
				st("libc6", "2.41-12", "Depends: libgcc-s1", "Priority: optional"),
				st("libc-bin", "2.41-12", "Depends: libc6 (>> 2.41)", "Priority: required"),
				st("libgcc-s1", "14.2.0-19", "Depends: gcc-14-base (= 14.2.0-19), libc6 (>= 2.35)"),
				st("gcc-14-base", "14.2.0-19", "Priority: required"),
				st("libhtml-parser-perl", "3.83-1+b2", "Depends: libhtml-tagset-perl, liburi-perl, perl:any, perlapi-5.40.1, libc6 (>= 2.4)"),
				st("libhtml-tagset-perl", "3.24-1", "Architecture: all", "Depends: perl:any"),
				st("liburi-perl", "5.30-1", "Architecture: all", "Depends: perl:any"),
				st("perl-base-provider-of-api", "1", "Provides: perlapi-5.40.0"),
				st("dpkg", "1.22.21", "Essential: yes", "Priority: required"),
			}, "\n") + "\n" +
				// perl-base also provides the perl API.
				"Package: perlapi-holder\nVersion: 1\nArchitecture: amd64\nProvides: perlapi-5.40.1\nPriority: optional\nFilename: pool/main/p/perlapi-holder/x.deb\n",
			"main/arm64": st("libc6", "2.41-12", "Architecture: arm64"),
		}},
		{Root: "debian", Dist: "trixie-updates", Suite: "stable-updates", Key: key, Compression: "xz",
			ValidUntil: relDate.Add(7 * 24 * time.Hour),
			Packages: map[string]string{
				"main/amd64": st("libc6", "2.41-12+deb13u1", "Depends: libgcc-s1") + "\n" +
					st("libc-bin", "2.41-12+deb13u1", "Depends: libc6 (>> 2.41)", "Priority: required"),
			}},
		{Root: "debian-security", Dist: "trixie-security", Suite: "stable-security", Key: key,
			ValidUntil: relDate.Add(7 * 24 * time.Hour),
			Packages: map[string]string{
				"main/amd64": st("libdb5.3t64", "5.3.28+dfsg2-9+deb13u1", "Depends: libc6 (>= 2.34)",
					"Filename: pool/updates/main/d/db5.3/libdb5.3t64_5.3.28+dfsg2-9+deb13u1_amd64.deb"),
			}},
	}
	for _, s := range suites {
		if err := a.AddSuite(s); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func trixieSources(t testing.TB) []debresolve.Source {
	t.Helper()
	srcs, err := debresolve.DefaultSources("debian", "trixie", fakeHost+"debian", "")
	if err != nil {
		t.Fatal(err)
	}
	return srcs
}

func TestLoadIndexesAndResolve(t *testing.T) {
	key := newKey(t, "archive")
	f := &fakeFetcher{a: trixieLike(t, key)}
	c := &debresolve.Client{Fetcher: f, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	idx, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 3 {
		t.Fatalf("%d indexes", len(idx))
	}
	for i, want := range []string{"trixie", "trixie-updates", "trixie-security"} {
		if idx[i].Suite != want || idx[i].Component != "main" || idx[i].Arch != "amd64" || idx[i].Release == nil {
			t.Errorf("index %d: suite %q comp %q arch %q", i, idx[i].Suite, idx[i].Component, idx[i].Arch)
		}
	}
	if idx[0].Path != "main/binary-amd64/Packages.gz" || idx[1].Path != "main/binary-amd64/Packages.xz" {
		t.Errorf("paths %q %q: want gzip preferred, xz as fallback", idx[0].Path, idx[1].Path)
	}

	// Every Packages file was fetched by hash, with the hash in the request.
	var byHash int
	for _, r := range f.requests() {
		if strings.HasSuffix(r.URL, "/InRelease") {
			if r.SHA256 != "" || r.Size != -1 {
				t.Errorf("InRelease request %+v", r)
			}
			continue
		}
		byHash++
		if r.SHA256 == "" || !strings.HasSuffix(r.URL, "/by-hash/SHA256/"+r.SHA256) || r.Size <= 0 || !strings.HasPrefix(r.Name, "Packages ") {
			t.Errorf("index request not by hash: %+v", r)
		}
	}
	if byHash != 3 {
		t.Errorf("%d index requests, want 3", byHash)
	}

	cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"perl", "libhtml-parser-perl"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gcc-14-base 14.2.0-19", "libc6 2.41-12+deb13u1", "libdb5.3t64 5.3.28+dfsg2-9+deb13u1", "libgcc-s1 14.2.0-19",
		"libhtml-parser-perl 3.83-1+b2", "libhtml-tagset-perl 3.24-1", "libperl5.40 5.40.1-6", "liburi-perl 5.30-1",
		"perl 5.40.1-6", "perl-base 5.40.1-6", "perl-modules-5.40 5.40.1-6", "perlapi-holder 1",
	}
	if got := closureIDs(cl); !reflect.DeepEqual(got, want) {
		t.Fatalf("closure\n got %v\nwant %v", got, want)
	}
	db := cl.Package("libdb5.3t64")
	if db.Suite != "trixie-security" || db.URL != fakeHost+"debian-security/pool/updates/main/d/db5.3/libdb5.3t64_5.3.28+dfsg2-9+deb13u1_amd64.deb" {
		t.Errorf("libdb5.3t64 from %q at %q", db.Suite, db.URL)
	}
	if p := cl.Package("libc6"); p.Suite != "trixie-updates" || !strings.HasPrefix(p.URL, fakeHost+"debian/pool/") {
		t.Errorf("libc6 from %q at %q", p.Suite, p.URL)
	}
	if got := cl.Edges["perl"]; !reflect.DeepEqual(got, []string{"libperl5.40", "perl-base", "perl-modules-5.40"}) {
		t.Errorf("Edges[perl] = %v", got)
	}

	// A second load reuses the parsed indexes: only InRelease is fetched.
	n := len(f.requests())
	idx2, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.requests()[n:] {
		if !strings.HasSuffix(r.URL, "/InRelease") {
			t.Errorf("index fetched again: %s", r.URL)
		}
	}
	if idx2[0] == idx[0] || idx2[0].Packages[0] != idx[0].Packages[0] {
		t.Error("second load did not share the parsed packages")
	}
}

func TestLoadIndexesErrors(t *testing.T) {
	key := newKey(t, "archive")
	ctx := context.Background()
	newClient := func(f debresolve.Fetcher, kr openpgp.EntityList) *debresolve.Client {
		return &debresolve.Client{Fetcher: f, Keyring: kr, Now: func() time.Time { return now }}
	}

	t.Run("index with wrong bytes", func(t *testing.T) {
		a := trixieLike(t, key)
		f := &fakeFetcher{a: a, override: map[string][]byte{}}
		// Find the by-hash URL of trixie main and serve other bytes there.
		for p := range a.Files {
			if strings.HasPrefix(p, "debian/dists/trixie/main/binary-amd64/by-hash/") {
				f.override[fakeHost+p] = []byte("not the index you are looking for")
			}
		}
		_, err := newClient(f, keyring(t, key)).LoadIndexes(ctx, trixieSources(t), "amd64")
		if err == nil || !strings.Contains(err.Error(), "main/binary-amd64/Packages.gz from "+fakeHost+"debian/dists/trixie/main/binary-amd64/by-hash/SHA256/") {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), "does not match InRelease") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("index with right size, wrong hash", func(t *testing.T) {
		a := trixieLike(t, key)
		f := &fakeFetcher{a: a, override: map[string][]byte{}}
		for p, b := range a.Files {
			if strings.HasPrefix(p, "debian/dists/trixie/main/binary-amd64/by-hash/") {
				bad := append([]byte(nil), b...)
				bad[len(bad)/2] ^= 0xff
				f.override[fakeHost+p] = bad
			}
		}
		_, err := newClient(f, keyring(t, key)).LoadIndexes(ctx, trixieSources(t), "amd64")
		if err == nil || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), "main/binary-amd64/Packages.gz") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad signature names the URL", func(t *testing.T) {
		a := trixieLike(t, key)
		_, err := newClient(&fakeFetcher{a: a}, keyring(t, newKey(t, "stranger"))).LoadIndexes(ctx, trixieSources(t), "amd64")
		if err == nil || !strings.Contains(err.Error(), "InRelease "+fakeHost+"debian") || !strings.Contains(err.Error(), "signature check failed") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unsigned InRelease", func(t *testing.T) {
		a := archivetest.New()
		if err := a.AddSuite(archivetest.Suite{Root: "debian", Dist: "sid", Packages: map[string]string{"main/amd64": st("a", "1")}}); err != nil {
			t.Fatal(err)
		}
		srcs := []debresolve.Source{{URL: fakeHost + "debian", Suite: "sid", Components: []string{"main"}}}
		_, err := newClient(&fakeFetcher{a: a}, keyring(t, key)).LoadIndexes(ctx, srcs, "amd64")
		if err == nil || !strings.Contains(err.Error(), fakeHost+"debian/dists/sid/InRelease") || !strings.Contains(err.Error(), "not a clear-signed file") {
			t.Fatalf("err = %v", err)
		}
		// An insecure source accepts it.
		srcs[0].Insecure = true
		if _, err := newClient(&fakeFetcher{a: a}, keyring(t, key)).LoadIndexes(ctx, srcs, "amd64"); err != nil {
			t.Fatalf("insecure source: %v", err)
		}
	})
	t.Run("expired Valid-Until", func(t *testing.T) {
		a := trixieLike(t, key)
		c := newClient(&fakeFetcher{a: a}, keyring(t, key))
		c.Now = func() time.Time { return relDate.Add(8 * 24 * time.Hour) }
		_, err := c.LoadIndexes(ctx, trixieSources(t), "amd64")
		if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "Valid-Until") {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), fakeHost+"debian") || !strings.Contains(err.Error(), "-updates/InRelease") && !strings.Contains(err.Error(), "-security/InRelease") {
			t.Fatalf("err does not name the URL: %v", err)
		}
	})
	t.Run("suite mismatch", func(t *testing.T) {
		a := trixieLike(t, key)
		// Serve trixie's InRelease as bookworm's (a replay).
		a.Set("debian/dists/bookworm/InRelease", a.Files["debian/dists/trixie/InRelease"])
		srcs := []debresolve.Source{{URL: fakeHost + "debian", Suite: "bookworm", Components: []string{"main"}}}
		_, err := newClient(&fakeFetcher{a: a}, keyring(t, key)).LoadIndexes(ctx, srcs, "amd64")
		if err == nil || !strings.Contains(err.Error(), `is for suite "stable" (codename "trixie"), not "bookworm"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown architecture", func(t *testing.T) {
		_, err := newClient(&fakeFetcher{a: trixieLike(t, key)}, keyring(t, key)).LoadIndexes(ctx, trixieSources(t)[:1], "s390x")
		if err == nil || !strings.Contains(err.Error(), "does not have architecture s390x") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing component", func(t *testing.T) {
		srcs := trixieSources(t)[:1]
		srcs[0].Components = []string{"main", "contrib"}
		_, err := newClient(&fakeFetcher{a: trixieLike(t, key)}, keyring(t, key)).LoadIndexes(ctx, srcs, "amd64")
		if err == nil || !strings.Contains(err.Error(), "lists no contrib/binary-amd64/Packages index") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("fetch error", func(t *testing.T) {
		srcs := []debresolve.Source{{URL: fakeHost + "nowhere", Suite: "trixie", Components: []string{"main"}}}
		_, err := newClient(&fakeFetcher{a: trixieLike(t, key)}, keyring(t, key)).LoadIndexes(ctx, srcs, "amd64")
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLoadIndexesWithoutByHash(t *testing.T) {
	key := newKey(t, "archive")
	a := archivetest.New()
	if err := a.AddSuite(archivetest.Suite{Root: "repo", Dist: "stable", Key: key, NoByHash: true, Compression: "none",
		Packages: map[string]string{"main/amd64": st("tool", "1.0")}}); err != nil {
		t.Fatal(err)
	}
	f := &fakeFetcher{a: a}
	c := &debresolve.Client{Fetcher: f, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	idx, err := c.LoadIndexes(context.Background(), []debresolve.Source{{URL: fakeHost + "repo", Suite: "stable", Components: []string{"main"}}}, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 1 || len(idx[0].Packages) != 1 || idx[0].Path != "main/binary-amd64/Packages" {
		t.Fatalf("indexes %+v", idx)
	}
}

// Two sources serving byte-identical indexes get their own URLs and suites
// while sharing one parse.
func TestIdenticalIndexesInTwoSources(t *testing.T) {
	key := newKey(t, "archive")
	a := archivetest.New()
	same := map[string]string{"main/amd64": st("tool", "1.0")}
	for _, d := range []string{"one", "two"} {
		if err := a.AddSuite(archivetest.Suite{Root: d, Dist: d, Key: key, Packages: same}); err != nil {
			t.Fatal(err)
		}
	}
	c := &debresolve.Client{Fetcher: &fakeFetcher{a: a}, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	idx, err := c.LoadIndexes(context.Background(), []debresolve.Source{
		{URL: fakeHost + "one", Suite: "one", Components: []string{"main"}},
		{URL: fakeHost + "two", Suite: "two", Components: []string{"main"}},
	}, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := idx[0].Packages[0], idx[1].Packages[0]
	if p1.Suite != "one" || p2.Suite != "two" || !strings.HasPrefix(p1.URL, fakeHost+"one/") || !strings.HasPrefix(p2.URL, fakeHost+"two/") {
		t.Fatalf("packages: %s %s / %s %s", p1.Suite, p1.URL, p2.Suite, p2.URL)
	}
}

func TestBinaryAllIndex(t *testing.T) {
	key := newKey(t, "archive")
	for _, noSupport := range []bool{false, true} {
		a := archivetest.New()
		if err := a.AddSuite(archivetest.Suite{Root: "repo", Dist: "stable", Key: key, NoSupportForArchitectureAll: noSupport,
			Packages: map[string]string{
				"main/amd64": st("tool", "1.0", "Depends: tool-data"),
				"main/all":   st("tool-data", "1.0", "Architecture: all"),
			}}); err != nil {
			t.Fatal(err)
		}
		c := &debresolve.Client{Fetcher: &fakeFetcher{a: a}, Keyring: keyring(t, key), Now: func() time.Time { return now }}
		idx, err := c.LoadIndexes(context.Background(), []debresolve.Source{{URL: fakeHost + "repo", Suite: "stable", Components: []string{"main"}}}, "amd64")
		if err != nil {
			t.Fatal(err)
		}
		_, err = debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"tool"}})
		if noSupport {
			// binary-all is not read: Debian lists arch:all packages in
			// binary-<arch> and says so.
			if len(idx) != 1 || err == nil {
				t.Errorf("No-Support-for-Architecture-all: %d indexes, err %v", len(idx), err)
			}
			continue
		}
		if len(idx) != 2 || idx[1].Arch != "all" || err != nil {
			t.Errorf("binary-all: %d indexes, err %v", len(idx), err)
		}
	}
}

func TestByHashFallback(t *testing.T) {
	key := newKey(t, "archive")
	a := trixieLike(t, key)
	// The security mirror has no by-hash copy of one index.
	var removed string
	for p := range a.Files {
		if strings.HasPrefix(p, "debian-security/dists/trixie-security/main/binary-amd64/by-hash/") {
			removed = p
			delete(a.Files, p)
		}
	}
	f := &fakeFetcher{a: a}
	c := &debresolve.Client{Fetcher: f, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	if _, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64"); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, r := range f.requests() {
		if strings.Contains(r.URL, "trixie-security/main") {
			urls = append(urls, strings.TrimPrefix(r.URL, fakeHost))
			if r.SHA256 == "" {
				t.Errorf("fallback request without SHA256: %+v", r)
			}
			if r.Fallback != !strings.Contains(r.URL, "/by-hash/") {
				t.Errorf("request %+v: Fallback must mark the canonical name's request only", r)
			}
		}
	}
	want := []string{removed, "debian-security/dists/trixie-security/main/binary-amd64/Packages.gz"}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("requests %v, want %v", urls, want)
	}
}
