package debresolve_test

import (
	"testing"

	"github.com/distrofile/distrofile/debresolve"
)

// TestLocale: the closure takes the C.utf8 locale from libc-bin at
// libc6's version, and only when libc6 is in and libc-bin is not.
func TestLocale(t *testing.T) {
	main := []string{
		st("app", "1", "Depends: libc6"), st("static", "1"),
		st("libc6", "2.41-12"), st("libc-bin", "2.41-12", "Depends: libc6 (>> 2.41)"),
		st("libc6", "2.41-12", "Architecture: arm64"), st("libc-bin", "2.41-12", "Architecture: arm64"),
	}
	updates := []string{st("libc6", "2.41-12+deb13u1"), st("libc-bin", "2.41-12+deb13u1")}
	for _, tc := range []struct {
		name    string
		suites  [][]string
		arch    string
		roots   []string
		exclude []string
		want    string // "" for none, else "version suite"
	}{
		{"libc6", [][]string{main}, "amd64", []string{"app"}, nil, "2.41-12 test"},
		{"libc6 updated", [][]string{main, updates}, "amd64", []string{"app"}, nil, "2.41-12+deb13u1 test-updates"},
		{"libc6 pinned", [][]string{main, updates}, "amd64", []string{"app", "libc6=2.41-12"}, nil, "2.41-12 test"},
		{"other arch", [][]string{main}, "arm64", []string{"libc6"}, nil, "2.41-12 test"},
		{"libc-bin installed", [][]string{main}, "amd64", []string{"app", "libc-bin"}, nil, ""},
		{"libc-bin excluded", [][]string{main}, "amd64", []string{"app"}, []string{"libc-bin"}, ""},
		{"no libc6", [][]string{main}, "amd64", []string{"static"}, nil, ""},
		{"no libc-bin at libc6's version", [][]string{main, updates[:1]}, "amd64", []string{"app"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var idx []*debresolve.Index
			for i, s := range tc.suites {
				suite := "test"
				if i > 0 {
					suite = "test-updates"
				}
				idx = append(idx, mkIndex(t, suite, s...))
			}
			arch := tc.arch
			cl, err := debresolve.Resolve(idx, arch, debresolve.Request{Roots: tc.roots, Exclude: tc.exclude})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p := cl.Locale; p != nil {
				got = p.Version + " " + p.Suite
				if p.Name != debresolve.LocalePackage || p.Architecture != arch {
					t.Errorf("locale from %s", p.ID())
				}
			}
			if got != tc.want {
				t.Errorf("locale %q, want %q", got, tc.want)
			}
			if cl.Package(debresolve.LocalePackage) != nil && cl.Locale != nil {
				t.Error("libc-bin both installed and the locale's package")
			}
		})
	}
}
