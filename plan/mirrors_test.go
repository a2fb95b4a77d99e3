package plan

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/internal/fakemirror"
)

func mirrorArchive() fakemirror.Archive {
	pkgs := []fakemirror.Package{{Name: "hello", Version: "1.0", Depends: "libhello"}, {Name: "libhello", Version: "2.0"}}
	return fakemirror.Archive{Suites: []fakemirror.Suite{
		{Dist: "trixie", Packages: pkgs},
		{Dist: "trixie-updates"},
		{Dist: "trixie-security", Root: "debian-security"},
	}}
}

// TestMirrorFallback: with MIRROR a b, a mirror whose indexes fail is
// passed over with a warning, and the packages come from the next one;
// when every mirror fails, the error names each.
func TestMirrorFallback(t *testing.T) {
	bad, good := fakemirror.New(t, mirrorArchive()), fakemirror.New(t, mirrorArchive())
	bad.FailAll(fakemirror.ServerError)
	src := fmt.Sprintf("FROM debian:trixie\nMIRROR %s %s\nINSTALL hello\n", bad.ArchiveURL(""), good.ArchiveURL(""))
	s, p := testPlan(t, src)
	var warnings []string
	p.Warn = func(m string) { warnings = append(warnings, m) }
	keyring := append(bad.Keyring, good.Keyring...)
	c := &debresolve.Client{Fetcher: fakemirror.Fetcher{}, Keyring: keyring}
	r, err := Resolve(context.Background(), c, ResolveInProcess, p, s, "0", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := r.Closure()
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Packages) != 2 {
		t.Fatalf("closure %v", cl.Packages)
	}
	for _, pkg := range cl.Packages {
		if !strings.HasPrefix(pkg.URL, good.URL+"/") {
			t.Errorf("%s from %s, want the second mirror", pkg.Name, pkg.URL)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], bad.ArchiveURL("")) || !strings.Contains(warnings[0], "500") {
		t.Errorf("warnings %q", warnings)
	}

	good.FailAll(fakemirror.NotFound)
	_, err = Resolve(context.Background(), &debresolve.Client{Fetcher: fakemirror.Fetcher{}, Keyring: keyring}, ResolveInProcess, p, s, "0", "amd64")
	if err == nil || !strings.Contains(err.Error(), "every MIRROR failed") || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "404") {
		t.Errorf("all mirrors down: %v", err)
	}
}
