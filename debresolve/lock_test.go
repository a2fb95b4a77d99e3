package debresolve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
)

var (
	lockKeyOnce sync.Once
	lockKey     *openpgp.Entity
	lockArchive *archivetest.Archive
)

// lockOf resolves roots on the fake trixie archive for each arch and
// returns the stage lock.
func lockOf(t *testing.T, nsrc int, roots []string, archs ...string) (*debresolve.Lock, []debresolve.Source) {
	t.Helper()
	lockKeyOnce.Do(func() { lockKey = newKey(t, "archive"); lockArchive = trixieLike(t, lockKey) })
	c := &debresolve.Client{Fetcher: &fakeFetcher{a: lockArchive}, Keyring: keyring(t, lockKey), Now: func() time.Time { return now }}
	srcs := trixieSources(t)[:nsrc]
	in := debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: roots}
	var ls *debresolve.LockStage
	for _, arch := range archs {
		idx, err := c.LoadIndexes(context.Background(), srcs, arch)
		if err != nil {
			t.Fatal(err)
		}
		if ls == nil {
			ls = debresolve.NewLockStage("runtime", in, srcs, idx)
		}
		cl, err := debresolve.Resolve(idx, arch, debresolve.Request{Roots: roots})
		if err != nil {
			t.Fatal(err)
		}
		if err := ls.AddClosure(cl, idx); err != nil {
			t.Fatal(err)
		}
	}
	l := &debresolve.Lock{Stages: []*debresolve.LockStage{ls}}
	l.Finish()
	return l, srcs
}

func TestLockRoundTrip(t *testing.T) {
	l, srcs := lockOf(t, 3, []string{"perl"}, "amd64")
	data := l.Marshal()
	if !json.Valid(data) {
		t.Fatalf("not JSON:\n%s", data)
	}
	again, _ := lockOf(t, 3, []string{"perl"}, "amd64")
	if !bytes.Equal(data, again.Marshal()) {
		t.Fatalf("two locks of the same inputs differ:\n%s\n%s", data, again.Marshal())
	}
	parsed, err := debresolve.ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.Marshal(), data) {
		t.Fatalf("parse+marshal changed the bytes:\n%s\n%s", data, parsed.Marshal())
	}
	st := parsed.Stage("runtime")
	if st == nil || st.Arch("amd64") == nil || st.Arch("arm64") != nil || parsed.Stage("other") != nil {
		t.Fatalf("lookup: %+v", parsed)
	}
	if len(st.Sources) != 3 || st.Sources[0].Date != "2026-09-12T07:55:41Z" || len(st.Sources[2].InReleaseSHA256) != 64 {
		t.Fatalf("sources: %+v", st.Sources)
	}
	cl, err := st.Arch("amd64").Closure(srcs)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*debresolve.Package{}
	for _, p := range cl.Packages {
		byName[p.Name] = p
	}
	// Versions from the updates and security suites, with their own roots.
	if p := byName["libc6"]; p == nil || p.Version != "2.41-12+deb13u1" || p.Suite != "trixie-updates" || !strings.HasPrefix(p.URL, fakeHost+"debian/pool/") {
		t.Fatalf("libc6: %+v", p)
	}
	if p := byName["libdb5.3t64"]; p == nil || p.Suite != "trixie-security" || !strings.HasPrefix(p.URL, fakeHost+"debian-security/pool/updates/") || len(p.SHA256) != 64 {
		t.Fatalf("libdb5.3t64: %+v", p)
	}
	if !reflect.DeepEqual(cl.Edges["perl"], []string{"libperl5.40", "perl-base", "perl-modules-5.40"}) {
		t.Fatalf("perl edges: %v", cl.Edges["perl"])
	}
	// The C.utf8 locale's package, at libc6's version, from the same
	// suite, is not installed; it makes the lock version 3.
	if p := cl.Locale; p == nil || p.Name != "libc-bin" || p.Version != "2.41-12+deb13u1" || p.Suite != "trixie-updates" || len(p.SHA256) != 64 ||
		cl.Package("libc-bin") != nil || parsed.Version != 3 {
		t.Fatalf("locale %+v, lock version %d", p, parsed.Version)
	}
	// One package per line, the locale's last.
	lines := strings.Count(string(data), "\"name\":")
	if lines != len(cl.Packages)+1 || strings.Count(string(data), "\n") < len(cl.Packages)+10 ||
		!strings.Contains(string(data), "\n          ],\n          \"locale\": {\"name\":\"libc-bin\",") {
		t.Fatalf("layout:\n%s", data)
	}
	// Any other mirror serves the same lock: URLs follow the sources given.
	other, _ := debresolve.DefaultSources("debian", "trixie", "http://other.invalid/debian", "")
	cl2, _ := st.Arch("amd64").Closure(other)
	for _, p := range cl2.Packages {
		if !strings.HasPrefix(p.URL, "http://other.invalid/") {
			t.Fatalf("URL %s not on the given mirror", p.URL)
		}
	}
}

// TestLockDrop: a DROP scan record makes the lock version 2, with the
// record on one line after the sources and each package's drops on its
// own line; without one, the lock stays version 1.
func TestLockDrop(t *testing.T) {
	// Without libc6, for the version of a lock without the locale.
	l, _ := lockOf(t, 3, []string{"dpkg", "gcc-14-base"}, "amd64")
	if l.Version != 1 || strings.Contains(string(l.Marshal()), "drop") {
		t.Fatalf("no scan: version %d\n%s", l.Version, l.Marshal())
	}
	st := l.Stages[0]
	st.Drop = &debresolve.LockDrop{Version: 1, UsrMerge: true, Specs: []string{"docs", "/usr/share/man/**"}}
	pk := st.Archs[0].Packages
	pk[0].Drops = []string{"docs", "/usr/share/man/**"}
	pk[1].Drops = []string{"docs"}
	l.Finish()
	data := l.Marshal()
	if l.Version != 2 || !json.Valid(data) {
		t.Fatalf("version %d:\n%s", l.Version, data)
	}
	for _, want := range []string{
		"\n      ],\n      \"drop\": {\"version\":1,\"usrmerge\":true,\"specs\":[\"docs\",\"/usr/share/man/**\"]},\n      \"archs\": [",
		`"depends":[],"drops":["docs","/usr/share/man/**"]}`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("no %s in\n%s", want, data)
		}
	}
	if n := strings.Count(string(data), `"drops"`); n != 2 {
		t.Errorf("%d packages with drops, want 2", n)
	}
	parsed, err := debresolve.ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(parsed.Marshal(), data) {
		t.Fatalf("parse+marshal changed the bytes:\n%s\n%s", data, parsed.Marshal())
	}
	// A package's drop that the stage's record does not list.
	bad := strings.Replace(string(data), `"drops":["docs"]`, `"drops":["locales"]`, 1)
	if _, err := debresolve.ParseLock([]byte(bad)); err == nil || !strings.Contains(err.Error(), `drops "locales", which is not in the stage's drop specs`) {
		t.Errorf("unknown drop: %v", err)
	}
	bad = strings.Replace(string(data), `"lockfile_version": 2`, `"lockfile_version": 5`, 1)
	if _, err := debresolve.ParseLock([]byte(bad)); err == nil || !strings.Contains(err.Error(), "lockfile_version 5, this frontend reads versions 1 to 4") {
		t.Errorf("version 5: %v", err)
	}
}

func TestLockMultiArch(t *testing.T) {
	l, _ := lockOf(t, 1, []string{"libc6"}, "arm64", "amd64")
	st := l.Stages[0]
	if len(st.Archs) != 2 || st.Archs[0].Arch != "amd64" || st.Archs[1].Arch != "arm64" {
		t.Fatalf("archs not sorted or missing: %+v", st.Archs)
	}
	if p := st.Arch("arm64").Packages; len(p) != 1 || p[0].Arch != "arm64" || st.Arch("amd64").Edges()["libc6"][0] != "libgcc-s1" {
		t.Fatalf("arm64 closure: %+v", p)
	}
}

func TestParseLockErrors(t *testing.T) {
	l, _ := lockOf(t, 3, []string{"perl"}, "amd64")
	good := string(l.Marshal())
	sha := l.Stages[0].Archs[0].Packages[0].SHA256
	for _, tc := range []struct {
		name, data, want string
	}{
		{"not json", "{", "unexpected EOF"},
		{"version", strings.Replace(good, `"lockfile_version": 3`, `"lockfile_version": 9`, 1), "lockfile_version 9"},
		{"unknown field", strings.Replace(good, `"lockfile_version": 3,`, `"lockfile_version": 3, "x": 1,`, 1), "unknown field"},
		{"locale with depends", good[:strings.LastIndex(good, `"depends":[]}`)] + `"depends":["libc6"]}` + good[strings.LastIndex(good, `"depends":[]}`)+len(`"depends":[]}`):],
			`invalid locale entry "libc-bin"`},
		{"locale path escape", strings.Replace(good, `"path":"pool/main/libc/libc-bin`, `"path":"../libc-bin`, 1), `invalid locale entry "libc-bin"`},
		{"edited inputs", strings.Replace(good, `"roots":["perl"]`, `"roots":["perl","curl"]`, 1), "inputs_sha256 does not match"},
		{"bad sha256", strings.Replace(good, sha, "abc", 1), "invalid package entry"},
		{"bad source index", strings.Replace(good, `"source":0`, `"source":7`, 1), "invalid package entry"},
		{"path escape", strings.Replace(good, `"path":"pool/`, `"path":"../pool/`, 1), "invalid package entry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == good {
				t.Fatal("the test case does not change the lock")
			}
			_, err := debresolve.ParseLock([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLockInputsDiff(t *testing.T) {
	base := debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: []string{"perl", "tzdata"}}
	for _, tc := range []struct {
		name string
		edit func(in *debresolve.LockInputs)
		want string
	}{
		{"same", func(in *debresolve.LockInputs) {}, ""},
		{"roots", func(in *debresolve.LockInputs) { in.Roots = []string{"perl", "curl"} }, "INSTALL: added curl, removed tzdata"},
		{"order", func(in *debresolve.LockInputs) { in.Roots = []string{"tzdata", "perl"} }, "the order of INSTALL arguments"},
		{"suite", func(in *debresolve.LockInputs) { in.Suite = "bookworm" }, "FROM debian:bookworm (the lock has debian:trixie)"},
		{"snapshot", func(in *debresolve.LockInputs) { in.Snapshot = "20250520T000000Z" }, `snapshot "20250520T000000Z" (the lock has "")`},
		{"exclude", func(in *debresolve.LockInputs) { in.Excludes = []string{"debconf"} }, "EXCLUDE: added debconf"},
		{"source", func(in *debresolve.LockInputs) {
			in.Sources = []debresolve.LockSourceInput{{URL: "http://x.invalid/repo", Suite: "stable"}}
		}, `SOURCE: added {"url":"http://x.invalid/repo","suite":"stable"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Roots = append([]string(nil), base.Roots...)
			tc.edit(&in)
			if got := in.Diff(base); got != tc.want {
				t.Fatalf("Diff = %q, want %q", got, tc.want)
			}
			if (in.Digest() == base.Digest()) != (tc.want == "") {
				t.Fatalf("digest equality does not match the diff")
			}
		})
	}
}

func TestWhyPaths(t *testing.T) {
	edges := map[string][]string{
		"perl":                {"libperl5.40", "perl-base"},
		"libperl5.40":         {"libc6", "libdb5.3t64"},
		"libdb5.3t64":         {"libc6"},
		"perl-base":           {"libc6"},
		"libc6":               {"libgcc-s1"},
		"libgcc-s1":           {"libc6"},
		"libhtml-parser-perl": {"perl"},
		"tzdata":              nil,
	}
	for _, tc := range []struct {
		roots  []string
		target string
		want   [][]string
	}{
		{[]string{"perl"}, "libgcc-s1", [][]string{{"perl", "libperl5.40", "libc6", "libgcc-s1"}}},
		{[]string{"tzdata", "libhtml-parser-perl", "perl"}, "libdb5.3t64", [][]string{{"libhtml-parser-perl", "perl", "libperl5.40", "libdb5.3t64"}, {"perl", "libperl5.40", "libdb5.3t64"}}},
		{[]string{"perl"}, "perl", [][]string{{"perl"}}},
		{[]string{"tzdata"}, "libc6", nil},
	} {
		if got := debresolve.WhyPaths(edges, tc.roots, tc.target); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("WhyPaths(%v, %s) = %v, want %v", tc.roots, tc.target, got, tc.want)
		}
	}
}

func TestSnapshotSources(t *testing.T) {
	for _, tc := range []struct {
		distro, root, stamp string
		want                []string
		err                 string
	}{
		{"debian", "http://snap.invalid/archive/", "20250520T000000Z", []string{
			"http://snap.invalid/archive/debian/20250520T000000Z trixie main",
			"http://snap.invalid/archive/debian/20250520T000000Z trixie-updates main",
			"http://snap.invalid/archive/debian-security/20250520T000000Z trixie-security main"}, ""},
		{"ubuntu", "http://snap.invalid", "20250520T000000Z", []string{
			"http://snap.invalid/ubuntu/20250520T000000Z trixie main",
			"http://snap.invalid/ubuntu/20250520T000000Z trixie-updates main",
			"http://snap.invalid/ubuntu/20250520T000000Z trixie-security main"}, ""},
		{"debian", "", "20250520T000000Z", nil, "DISTROFILE_SNAPSHOT_MIRROR"},
		{"debian", "http://snap.invalid", "2025-05-20", nil, "invalid snapshot"},
		{"debian", "ftp://snap.invalid", "20250520T000000Z", nil, "invalid archive URL"},
	} {
		srcs, err := debresolve.SnapshotSources(tc.distro, "trixie", tc.root, tc.stamp)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %q %s: err = %v, want %q", tc.distro, tc.root, tc.stamp, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range srcs {
			got = append(got, s.String())
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.distro, got, tc.want)
		}
	}
}

// A snapshot build verifies as of the snapshot time and ignores
// Valid-Until, so an archived, long-expired InRelease is accepted.
func TestSnapshotClientIgnoresValidUntil(t *testing.T) {
	key := newKey(t, "archive")
	a := trixieLike(t, key)
	late := relDate.Add(365 * 24 * time.Hour)
	c := &debresolve.Client{Fetcher: &fakeFetcher{a: a}, Keyring: keyring(t, key), Now: func() time.Time { return late }}
	if _, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64"); err == nil || !strings.Contains(err.Error(), "Valid-Until") {
		t.Fatalf("err = %v, want Valid-Until", err)
	}
	c.IgnoreValidUntil = true
	if _, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64"); err != nil {
		t.Fatal(err)
	}
	// Before the signature was made, it does not verify.
	early := &debresolve.Client{Fetcher: &fakeFetcher{a: a}, Keyring: keyring(t, key), IgnoreValidUntil: true,
		Now: func() time.Time { return relDate.Add(-48 * time.Hour) }}
	if _, err := early.LoadIndexes(context.Background(), trixieSources(t), "amd64"); err == nil || !strings.Contains(err.Error(), "signature check failed") {
		t.Fatalf("err = %v", err)
	}
}

// A tampered InRelease stops with an error naming the file's URL.
func TestTamperedInReleaseNamesURL(t *testing.T) {
	key := newKey(t, "archive")
	a := trixieLike(t, key)
	p := "debian/dists/trixie-updates/InRelease"
	bad := bytes.Replace(a.Files[p], []byte("trixie-updates"), []byte("trixie-updatez"), 1)
	if bytes.Equal(bad, a.Files[p]) {
		t.Fatal("tampering changed nothing")
	}
	a.Set(p, bad)
	c := &debresolve.Client{Fetcher: &fakeFetcher{a: a}, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	_, err := c.LoadIndexes(context.Background(), trixieSources(t), "amd64")
	if err == nil || !strings.Contains(err.Error(), "InRelease "+fakeHost+p+": signature check failed") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmbeddedUbuntuKeyring(t *testing.T) {
	kr, err := debresolve.UbuntuKeyring()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range kr {
		for n := range e.Identities {
			ids = append(ids, n)
		}
	}
	if !strings.Contains(strings.Join(ids, "\n"), "Ubuntu Archive Automatic Signing Key (2018)") {
		t.Fatalf("keys: %v", ids)
	}
	srcs, err := debresolve.DefaultSources("ubuntu", "noble", "http://ubuntu.invalid/ubuntu", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if len(s.Keyring) != len(kr) {
			t.Fatalf("%s: keyring not set", s)
		}
	}
}
