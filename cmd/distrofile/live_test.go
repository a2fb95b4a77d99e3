package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/aptsources"
)

// TestLiveResolve resolves against the mirror this machine's APT uses.
func TestLiveResolve(t *testing.T) {
	mirror, security := liveMirrors(t, "the network")
	args := []string{"resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror}
	if security != "" {
		args = append(args, "--security-mirror", security)
	}
	roots := []string{"perl", "libhtml-parser-perl"}

	code, out, errs := runCLI(t, nil, append(args, roots...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := map[string]bool{}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "amd64" && f[2] != "all" {
			t.Fatalf("bad output line %q", line)
		}
		got[f[0]] = true
		names = append(names, f[0])
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("output not sorted by name: %v", names)
	}
	for _, want := range []string{"perl", "perl-base", "libc6", "libhtml-parser-perl", "libhtml-tagset-perl"} {
		if !got[want] {
			t.Errorf("closure lacks %s: %v", want, names)
		}
	}

	// Nothing is added implicitly: every Priority: required package of the
	// closure is a root or a dependency of another closure package.
	code, out, errs = runCLI(t, nil, append(append(args, "--format", "json"), roots...)...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
	var doc resolveOutput
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	needed := map[string]bool{}
	for _, r := range doc.Roots {
		needed[r] = true
	}
	for _, p := range doc.Packages {
		for _, d := range p.Depends {
			if d != p.Name {
				needed[d] = true
			}
		}
	}
	roots2 := []string{mirror + "/pool/", strings.TrimSuffix(mirror, "/debian") + "/debian-security/pool/"}
	if security != "" {
		roots2 = append(roots2, security+"/pool/")
	}
	for _, p := range doc.Packages {
		if !needed[p.Name] {
			t.Errorf("%s (Priority %s) is in the closure but nothing depends on it", p.Name, p.Priority)
		}
		ok := false
		for _, r := range roots2 {
			ok = ok || strings.HasPrefix(p.URL, r)
		}
		if !ok || len(p.SHA256) != 64 || p.Size <= 0 {
			t.Errorf("%s: URL %s, sha256 %q, size %d", p.Name, p.URL, p.SHA256, p.Size)
		}
	}
	t.Logf("closure of %v on trixie/amd64: %d packages: %s", roots, len(names), strings.Join(names, " "))
}

// liveMirrors skips a live test under -short (it needs what needs says)
// and returns the mirror this machine's APT uses, and its security
// mirror when that is not the mirror's sibling (securityFor); no mirror
// configured fails the test.
func liveMirrors(t *testing.T, needs string) (mirror, security string) {
	t.Helper()
	if testing.Short() {
		t.Skip("live test: needs " + needs + " and a configured APT mirror")
	}
	mirror, security = aptsources.Mirrors()
	if mirror == "" {
		t.Fatal("no APT mirror configured in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (run with -short to skip live tests)")
	}
	return mirror, securityFor(mirror, security)
}
