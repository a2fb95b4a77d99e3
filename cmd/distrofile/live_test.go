package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// aptMirrors reads this machine's APT configuration: the first URI of the
// first deb822 .sources entry (else of a `deb` line of sources.list) that
// is not a -security suite, and likewise the first -security one. The
// repository never names a mirror host itself.
func aptMirrors() (mirror, security string) {
	consider := func(uri string, suites []string) {
		uri = strings.TrimRight(uri, "/")
		isSec := false
		for _, s := range suites {
			if strings.HasSuffix(s, "-security") || strings.HasSuffix(s, "/updates") {
				isSec = true
			}
		}
		switch {
		case isSec && security == "":
			security = uri
		case !isSec && mirror == "":
			mirror = uri
		}
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, stanza := range strings.Split(string(data), "\n\n") {
			fields := map[string]string{}
			for _, line := range strings.Split(stanza, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "#") {
					continue
				}
				if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
					fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
				}
			}
			if strings.EqualFold(fields["enabled"], "no") || !strings.Contains(" "+fields["types"]+" ", " deb ") {
				continue
			}
			if uris := strings.Fields(fields["uris"]); len(uris) > 0 {
				consider(uris[0], strings.Fields(fields["suites"]))
			}
		}
	}
	if f, err := os.Open("/etc/apt/sources.list"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			w := strings.Fields(sc.Text())
			if len(w) < 3 || w[0] != "deb" {
				continue
			}
			w = w[1:]
			if strings.HasPrefix(w[0], "[") { // [options]
				for len(w) > 0 && !strings.HasSuffix(w[0], "]") {
					w = w[1:]
				}
				if len(w) > 0 {
					w = w[1:]
				}
			}
			if len(w) >= 2 {
				consider(w[0], w[1:2])
			}
		}
	}
	return mirror, security
}

// TestLiveResolve resolves against the mirror this machine's APT uses.
func TestLiveResolve(t *testing.T) {
	if testing.Short() {
		t.Skip("live test: needs the network and a configured APT mirror")
	}
	mirror, security := aptMirrors()
	if mirror == "" {
		t.Fatal("no APT mirror configured in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list (run with -short to skip live tests)")
	}
	args := []string{"resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror}
	if security != "" && !strings.HasSuffix(mirror, "/debian") {
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
