package debresolve_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
)

// TestInstalled: a base image's packages satisfy what they can and stay
// out of the closure; one that would have to change stops the resolution
// with both versions.
func TestInstalled(t *testing.T) {
	idx := []*debresolve.Index{mkIndex(t, "test",
		st("app", "1", "Depends: libc6 (>= 2.36), zlib1g"),
		st("new", "1", "Depends: libc6 (>= 2.41)"),
		st("libc6", "2.41-12"), st("libc6", "2.36-9"), st("libc-bin", "2.41-12"),
		st("zlib1g", "1.3"),
		st("uses-virtual", "1", "Depends: mail-transport-agent"),
		st("exim4", "4.98", "Provides: mail-transport-agent"),
	)}
	base := []debresolve.InstalledPackage{
		{Name: "libc6", Version: "2.36-9", Architecture: "amd64"},
		{Name: "postfix", Version: "3.7", Architecture: "amd64", Provides: "mail-transport-agent"},
	}
	for _, tc := range []struct {
		name    string
		roots   []string
		want    string // closure, or the error's message
		wantErr bool
	}{
		{"satisfied by the base", []string{"app"}, "app 1, zlib1g 1.3", false},
		{"a virtual package the base provides", []string{"uses-virtual"}, "uses-virtual 1", false},
		{"a root the base has", []string{"libc6", "zlib1g"}, "zlib1g 1.3", false},
		{"a root pinned at the base's version", []string{"libc6=2.36-9"}, "", false},
		{"too old for a new package", []string{"new"}, "libc6 2.36-9 of the base image would have to be replaced by 2.41-12 (new needs libc6 (>= 2.41)): INSTALL on an image adds packages and never changes the image's own; rebuild the base image, or start from one that has a suitable libc6", true},
		{"a root pinned at another version", []string{"libc6=2.41-12"}, "libc6 2.36-9 of the base image would have to be replaced by 2.41-12 (INSTALL libc6=2.41-12)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: tc.roots, Installed: base})
			if tc.wantErr {
				var re *debresolve.ReplaceInstalledError
				if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(closureIDs(cl), ", "); got != tc.want {
				t.Errorf("closure %q, want %q", got, tc.want)
			}
			if cl.Locale != nil {
				t.Errorf("a locale from %s on a base with libc6", cl.Locale.ID())
			}
			for n := range cl.Edges {
				if cl.Package(n) == nil {
					t.Errorf("edges of %s, which is not in the closure", n)
				}
			}
		})
	}
	// A downgrade says so.
	_, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"libc6=2.36-9"},
		Installed: []debresolve.InstalledPackage{{Name: "libc6", Version: "2.41-12", Architecture: "amd64"}}})
	if err == nil || !strings.Contains(err.Error(), "libc6 2.41-12 of the base image would have to be downgraded to 2.36-9") {
		t.Errorf("downgrade: %v", err)
	}
}

// TestPrefer: a preferred version is kept where it still satisfies what
// asks for it; where it does not, the newest is taken.
func TestPrefer(t *testing.T) {
	idx := []*debresolve.Index{
		mkIndex(t, "test", st("app", "1", "Depends: liba, libb (>= 2)"), st("liba", "1"), st("libb", "1"), st("libb", "2"), st("libc", "1")),
		mkIndex(t, "test-security", st("liba", "1+deb1"), st("libb", "2+deb1"), st("libc", "1+deb1")),
	}
	for _, tc := range []struct {
		name   string
		prefer map[string]string
		want   string
	}{
		{"newest", nil, "app 1, liba 1+deb1, libb 2+deb1"},
		{"kept", map[string]string{"liba": "1", "libb": "2"}, "app 1, liba 1, libb 2"},
		{"too old to keep", map[string]string{"libb": "1"}, "app 1, liba 1+deb1, libb 2+deb1"},
		{"gone from the indexes", map[string]string{"liba": "0.9"}, "app 1, liba 1+deb1, libb 2+deb1"},
	} {
		cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"app"}, Prefer: tc.prefer})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(closureIDs(cl), ", "); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if p := debresolve.Candidate(idx, "libc", "amd64"); p == nil || p.Version != "1+deb1" || p.Suite != "test-security" {
		t.Errorf("candidate of libc: %+v", p)
	}
}

// TestFilenameRefused: an index entry whose Filename would leave the
// archive is refused at parse, naming the package; the lock refuses such
// paths too.
func TestFilenameRefused(t *testing.T) {
	for _, fn := range []string{"/etc/passwd", "http://evil.invalid/x.deb", "pool/../../x.deb", "..", "file:x.deb", `pool\x.deb`} {
		_, err := debresolve.ParseIndex([]byte("Package: evil\nVersion: 1\nArchitecture: amd64\nFilename: "+fn+"\n"), "http://mirror.invalid/debian", "test")
		if err == nil || !strings.Contains(err.Error(), "package evil 1: Filename") || !strings.Contains(err.Error(), "leaves the archive") {
			t.Errorf("%s: %v", fn, err)
		}
		if debresolve.ArchivePath(fn) {
			t.Errorf("ArchivePath(%q)", fn)
		}
	}
	for _, fn := range []string{"pool/main/p/perl/perl_5.40.1-6_amd64.deb", "pool/main/t/tzdata/tzdata_1%3a2025b-4_all.deb", "./pool/x.deb"} {
		if !debresolve.ArchivePath(fn) {
			t.Errorf("refused %q", fn)
		}
	}
}

func TestSnapshotURL(t *testing.T) {
	for _, tc := range []struct {
		root, archive, date, want string
	}{
		{"http://snap.invalid/archive/", "http://mirror.invalid/debian", "2025-05-20T09:15:44Z", "http://snap.invalid/archive/debian/20250520T091544Z/pool/main/t/tzdata/x.deb"},
		{"http://snap.invalid/archive", "http://mirror.invalid/debian-security/", "2025-05-20T09:15:44+02:00", "http://snap.invalid/archive/debian-security/20250520T071544Z/pool/main/t/tzdata/x.deb"},
		{"http://snap.invalid/archive", "http://repo.invalid/extra", "2025-05-20T09:15:44Z", ""},
		{"", "http://mirror.invalid/debian", "2025-05-20T09:15:44Z", ""},
		{"http://snap.invalid/archive", "http://mirror.invalid/debian", "yesterday", ""},
	} {
		got, ok := debresolve.SnapshotURL(tc.root, tc.archive, tc.date, "pool/main/t/tzdata/x.deb")
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%+v: %q %v", tc, got, ok)
		}
	}
}
