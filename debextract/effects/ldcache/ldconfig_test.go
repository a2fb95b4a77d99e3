package ldcache

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

var update = flag.Bool("update", false, "with LDCACHE_REFERENCE: rewrite testdata/golden from the real ldconfig")

// qemuNames are qemu-user's names of the Debian architectures.
var qemuNames = map[string]string{
	"amd64": "x86_64", "i386": "i386", "arm64": "aarch64", "armhf": "arm", "armel": "arm",
	"ppc64el": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "mips64el": "mips64el", "loong64": "loongarch64",
}

// TestLdconfig runs the real ldconfig of each reference root (see
// TestReference) on the scenario tree of its architecture, directly or
// under qemu-user (its ldconfig is static; it needs root for its chroot),
// and compares what Generate makes of the same tree: cache bytes, links
// made and links removed. With -update it rewrites testdata/golden, which
// TestGolden checks without ldconfig.
func TestLdconfig(t *testing.T) {
	dir := os.Getenv("LDCACHE_REFERENCE")
	if dir == "" {
		t.Skip("LDCACHE_REFERENCE names no directory of reference roots")
	}
	if os.Geteuid() != 0 {
		t.Skip("ldconfig -r needs root")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{} // ldconfig binaries run, to the root
	for _, e := range ents {
		a, _, _ := strings.Cut(e.Name(), "-")
		bin := ldconfigOf(filepath.Join(dir, e.Name()))
		if !contains(Arches(), a) || bin == "" {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			if other, ok := seen[string(data)]; ok {
				t.Skipf("same ldconfig as %s", other)
			}
			seen[string(data)] = e.Name()
			runner := emulator(t, a)
			gen := ldconfigBanner(data)
			want, wantLinks := runLdconfig(t, runner, bin, a, gen)
			got, gotLinks := generate(t, a, gen)
			if !bytes.Equal(got, want) {
				showDiff(t, got, want)
			}
			if gotLinks != wantLinks {
				t.Errorf("links:\n%s\nldconfig:\n%s", gotLinks, wantLinks)
			}
			if *update {
				writeGolden(t, e.Name(), want, wantLinks)
			}
		})
	}
}

// ldconfigOf returns the ldconfig binary of a root, "" for none.
func ldconfigOf(root string) string {
	for _, p := range ldconfigPaths {
		full := filepath.Join(root, p)
		if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
			return full
		}
	}
	return ""
}

// emulator returns the command prefix that runs a static binary of
// architecture a here.
func emulator(t *testing.T, a string) []string {
	if (a == "amd64" && runtime.GOARCH == "amd64") || (a == "arm64" && runtime.GOARCH == "arm64") {
		return nil
	}
	q, err := exec.LookPath("qemu-" + qemuNames[a])
	if err != nil {
		t.Skipf("no qemu-%s to run %s's ldconfig", qemuNames[a], a)
	}
	return []string{q}
}

// oldGlibc reports a generator string of glibc before 2.37.
func oldGlibc(gen string) bool {
	m := regexp.MustCompile(`release version 2\.(\d+)`).FindStringSubmatch(gen)
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n < 37
}

// runLdconfig writes the scenario, runs ldconfig on it and returns the
// cache and the links it changed.
func runLdconfig(t *testing.T, runner []string, bin, a, gen string) ([]byte, string) {
	root := t.TempDir()
	scenario(a, oldGlibc(gen)).write(t, root)
	before := links(t, root)
	args := append(slices.Clone(runner), bin, "-i", "-r", root)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(runner) > 0 && !exit.Exited() {
		t.Skipf("%s cannot run %s's ldconfig: %v\n%s", runner[0], a, err, out)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", args, err, out)
	}
	t.Logf("ldconfig says:\n%s", out)
	cache, err := os.ReadFile(filepath.Join(root, "etc/ld.so.cache"))
	if err != nil {
		t.Fatal(err)
	}
	return cache, linkChanges(before, links(t, root))
}

// linkChanges lists, sorted, the links made or changed and removed.
func linkChanges(before, after map[string]string) string {
	var lines []string
	for p, target := range after {
		if before[p] != target {
			lines = append(lines, p+" -> "+target)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			lines = append(lines, "remove "+p)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// generate runs Generate on the scenario and returns the cache and the
// links it reports, where they are in the root (parents resolved).
func generate(t *testing.T, a, gen string) ([]byte, string) {
	root := t.TempDir()
	scenario(a, oldGlibc(gen)).write(t, root)
	ir, err := imageroot.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Close()
	res, err := Generate(ir, Options{Arch: a, Generator: gen})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Logf("warning: %s", w)
	}
	resolve := func(p string) string {
		d, err := ir.Resolve(path.Dir(abs(p)))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return path.Join(d, path.Base(p))
	}
	var lines []string
	for _, l := range res.Links {
		lines = append(lines, resolve(l.Path)+" -> "+l.Target)
	}
	for _, p := range res.Remove {
		lines = append(lines, "remove "+resolve(p))
	}
	slices.Sort(lines)
	return res.Cache, strings.Join(lines, "\n")
}

func showDiff(t *testing.T, got, want []byte) {
	t.Helper()
	g, gerr := decode(got)
	w, werr := decode(want)
	if gerr != nil || werr != nil {
		t.Fatalf("caches differ; decoding: %v, %v", gerr, werr)
	}
	t.Errorf("caches differ (%d and %d bytes)\ngot:\n%s\nldconfig:\n%s", len(got), len(want), g, w)
}

// goldenPaths are the files of the root named name (<arch>[-<suite>]).
func goldenPaths(name string) (cache, links string) {
	base := filepath.Join("testdata", "golden", name)
	return base + ".cache", base + ".links"
}

func writeGolden(t *testing.T, name string, cache []byte, links string) {
	c, l := goldenPaths(name)
	if err := os.MkdirAll(filepath.Dir(c), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c, cache, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l, []byte(links+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGolden checks Generate on each architecture's scenario against the
// cache and links the real ldconfig made of it: testdata/golden/<root>,
// written by "LDCACHE_REFERENCE=… go test -run TestLdconfig -update"
// from the ldconfig of each reference root (<arch>: Debian trixie, glibc
// 2.41; <arch>-forky: glibc 2.43, whose ldconfig does the same;
// <arch>-bookworm: glibc 2.36, for architectures whose trixie packages
// were not at hand). Changing scenario means running it again.
func TestGolden(t *testing.T) {
	matches, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.cache"))
	if len(matches) == 0 {
		t.Skip("no golden files")
	}
	for _, m := range matches {
		name := strings.TrimSuffix(filepath.Base(m), ".cache")
		a, _, _ := strings.Cut(name, "-")
		t.Run(name, func(t *testing.T) {
			c, l := goldenPaths(name)
			want, err := os.ReadFile(c)
			if err != nil {
				t.Fatal(err)
			}
			wantLinks, err := os.ReadFile(l)
			if err != nil {
				t.Fatal(err)
			}
			d, err := decode(want)
			if err != nil {
				t.Fatal(err)
			}
			got, gotLinks := generate(t, a, d.generator)
			if !bytes.Equal(got, want) {
				showDiff(t, got, want)
			}
			if gotLinks+"\n" != string(wantLinks) {
				t.Errorf("links:\n%s\nldconfig:\n%s", gotLinks, wantLinks)
			}
		})
	}
}
