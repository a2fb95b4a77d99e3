package debresolve_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"

	"github.com/distrofile/distrofile/debresolve"
)

func TestParseIndexFields(t *testing.T) {
	text := "Package: perl\n" +
		"Source: perl (5.40.1-6)\n" +
		"Version: 5.40.1-6+b1\n" +
		"Installed-Size: 783\n" +
		"Maintainer: Perl Maintainers <perl@example.invalid>\n" +
		"Architecture: amd64\n" +
		"Multi-Arch: allowed\n" +
		"Provides: libansicolor-perl (= 5.01), libcompress-zlib-perl,\n libio-zlib-perl (= 1.15)\n" +
		"Depends: perl-base (= 5.40.1-6+b1), perl-modules-5.40 (>= 5.40.1-6)\n" +
		"Pre-Depends: dpkg (>= 1.17.17)\n" +
		"Conflicts: libjson-pp-perl (<< 2.27200-2)\n" +
		"Breaks: apt-show-versions (<< 0.22.10)\n" +
		"Description: Larry Wall's Practical Extraction and Report Language\n" +
		"Tag: devel::interpreter, implemented-in::perl,\n interface::commandline\n" +
		"Section: perl\n" +
		"Priority: standard\n" +
		"Essential: no\n" +
		"Filename: pool/main/p/perl/perl_5.40.1-6+b1_amd64.deb\n" +
		"Size: 267432\n" +
		"SHA256: 2bd2a8ef07ae4f2c6c1d1e2a62aeb4c3d2d6d5e6e3d2e1f0a9b8c7d6e5f4a3b2\n" +
		"\n" +
		"# a comment between stanzas\n" +
		"Package: perl-base\r\n" +
		"Version: 5.40.1-6+b1\r\n" +
		"Architecture: amd64\r\n" +
		"Essential: yes\r\n" +
		"Priority: required\r\n" +
		"\n\n\n" +
		"Package: perl-base\nVersion: 5.36.0-7\nArchitecture: amd64" // no final newline
	x, err := debresolve.ParseIndex([]byte(text), "http://m.invalid/debian/", "trixie")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Packages) != 3 {
		t.Fatalf("%d packages", len(x.Packages))
	}
	p := x.Packages[0]
	want := debresolve.Package{
		Name: "perl", Version: "5.40.1-6+b1", Architecture: "amd64", MultiArch: "allowed", Priority: "standard",
		Section: "perl", Source: "perl", SourceVersion: "5.40.1-6",
		Filename: "pool/main/p/perl/perl_5.40.1-6+b1_amd64.deb", URL: "http://m.invalid/debian/pool/main/p/perl/perl_5.40.1-6+b1_amd64.deb",
		SHA256: "2bd2a8ef07ae4f2c6c1d1e2a62aeb4c3d2d6d5e6e3d2e1f0a9b8c7d6e5f4a3b2", Size: 267432, InstalledSize: 783, Suite: "trixie",
	}
	got := fmt.Sprint(p.Name, p.Version, p.Architecture, p.MultiArch, p.Priority, p.Section, p.Source, p.SourceVersion, p.Filename, p.URL, p.SHA256, p.Size, p.InstalledSize, p.Suite, p.Essential)
	exp := fmt.Sprint(want.Name, want.Version, want.Architecture, want.MultiArch, want.Priority, want.Section, want.Source, want.SourceVersion, want.Filename, want.URL, want.SHA256, want.Size, want.InstalledSize, want.Suite, false)
	if got != exp {
		t.Errorf("fields\n got %s\nwant %s", got, exp)
	}
	wantProv := []debresolve.Provide{{Name: "libansicolor-perl", Version: "5.01"}, {Name: "libcompress-zlib-perl"}, {Name: "libio-zlib-perl", Version: "1.15"}}
	if !reflect.DeepEqual(p.Provides, wantProv) {
		t.Errorf("Provides %+v", p.Provides)
	}
	if err := p.ParseRelations(); err != nil {
		t.Fatal(err)
	}
	if p.Depends.String() != "perl-base (= 5.40.1-6+b1), perl-modules-5.40 (>= 5.40.1-6)" || p.PreDepends.String() != "dpkg (>= 1.17.17)" ||
		p.Conflicts.String() != "libjson-pp-perl (<< 2.27200-2)" || p.Breaks.String() != "apt-show-versions (<< 0.22.10)" {
		t.Errorf("relations: %q / %q / %q / %q", p.Depends.String(), p.PreDepends.String(), p.Conflicts.String(), p.Breaks.String())
	}
	if b := x.Packages[1]; b.Name != "perl-base" || !b.Essential || b.Priority != "required" || b.Version != "5.40.1-6+b1" {
		t.Errorf("CRLF stanza: %+v", b)
	}
	if got := len(x.Lookup("perl-base")); got != 2 {
		t.Errorf("Lookup(perl-base) = %d stanzas, want 2", got)
	}
}

func TestParseIndexErrors(t *testing.T) {
	for _, c := range []struct{ text, err string }{
		{"Version: 1\nArchitecture: amd64\n", "line 1: stanza without a Package field"},
		{"Package: a\nArchitecture: amd64\n", "package a has no Version"},
		{"Package: a\nVersion: 1\nArchitecture: amd64\nSize: big\n", `line 4: package a: invalid size "big"`},
		{"Package: a\nthis is not a field\n", `line 2: expected "Field: value"`},
	} {
		_, err := debresolve.ParseIndex([]byte(c.text), "http://m.invalid/debian", "x")
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: err = %v, want %q", c.text, err, c.err)
		}
	}
	// A bad relationship field surfaces when the package is used.
	x, err := debresolve.ParseIndex([]byte(st("a", "1", "Depends: b (!! 1)")), "http://m.invalid/debian", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := debresolve.Resolve([]*debresolve.Index{x}, "amd64", debresolve.Request{Roots: []string{"a"}}); err == nil || !strings.Contains(err.Error(), "Depends") {
		t.Errorf("bad Depends: err = %v", err)
	}
}

// genIndex generates a synthetic Packages file of n stanzas that looks like
// Debian's (same fields, similar sizes, versioned dependencies, Provides,
// alternatives, :any qualifiers). Package "root" depends on a few hundred
// of them.
func genIndex(n int) []byte {
	rng := rand.New(rand.NewSource(1))
	var b bytes.Buffer
	b.Grow(n * 830)
	name := func(i int) string { return fmt.Sprintf("pkg%05d", i) }
	for i := 0; i < n; i++ {
		arch := "amd64"
		if i%2 == 1 {
			arch = "all"
		}
		fmt.Fprintf(&b, "Package: %s\nSource: src%05d (%d.%d-1)\nVersion: %d.%d-1+b1\nInstalled-Size: %d\n", name(i), i/3, i%7, i%13, i%7, i%13, rng.Intn(100000))
		b.WriteString("Maintainer: Debian Synthetic Maintainers <synthetic@lists.example.invalid>\n")
		fmt.Fprintf(&b, "Architecture: %s\n", arch)
		if i%5 == 0 {
			fmt.Fprintf(&b, "Multi-Arch: same\n")
		}
		if i%6 == 0 {
			fmt.Fprintf(&b, "Provides: virt%04d, %s-abi (= %d)\n", i%500, name(i), i%9)
		}
		if i > 10 {
			deps := make([]string, 0, 8)
			for k := 0; k < 1+rng.Intn(7); k++ {
				j := rng.Intn(i)
				switch k % 4 {
				case 0:
					deps = append(deps, fmt.Sprintf("%s (>= %d.0)", name(j), j%7))
				case 1:
					deps = append(deps, fmt.Sprintf("%s | virt%04d", name(j), rng.Intn(500)))
				case 2:
					deps = append(deps, name(j)+":any")
				default:
					deps = append(deps, name(j))
				}
			}
			fmt.Fprintf(&b, "Depends: %s\n", strings.Join(deps, ", "))
		}
		if i%40 == 0 {
			fmt.Fprintf(&b, "Pre-Depends: %s (>= 0.0)\n", name(i/2))
		}
		if i%50 == 0 {
			fmt.Fprintf(&b, "Breaks: %s (<< 0~)\n", name(i/3))
		}
		fmt.Fprintf(&b, "Description: synthetic package number %d for parser benchmarks\n", i)
		b.WriteString("Homepage: https://example.invalid/projects/synthetic\n")
		fmt.Fprintf(&b, "Description-md5: %032x\n", rng.Uint64())
		b.WriteString("Tag: devel::library, implemented-in::c, role::shared-lib,\n suite::synthetic\n")
		fmt.Fprintf(&b, "Section: libs\nPriority: optional\nFilename: pool/main/p/%s/%s_%d.%d-1+b1_%s.deb\n", name(i), name(i), i%7, i%13, arch)
		fmt.Fprintf(&b, "Size: %d\nMD5sum: %032x\nSHA256: %064x\n\n", rng.Intn(1<<24), rng.Uint64(), rng.Uint64())
	}
	deps := []string{}
	for k := 0; k < 40; k++ {
		deps = append(deps, name(n-1-k*7))
	}
	fmt.Fprintf(&b, "Package: root\nVersion: 1\nArchitecture: amd64\nDepends: %s\nFilename: pool/r/root.deb\n\n", strings.Join(deps, ", "))
	return b.Bytes()
}

var (
	genOnce sync.Once
	genData []byte
)

func generated() []byte {
	genOnce.Do(func() { genData = genIndex(60000) })
	return genData
}

// realIndex reads DISTROFILE_BENCH_INDEX (a Packages file, plain, .gz or .xz).
func realIndex(b *testing.B) []byte {
	path := os.Getenv("DISTROFILE_BENCH_INDEX")
	if path == "" {
		b.Skip("set DISTROFILE_BENCH_INDEX=path/to/Packages[.gz|.xz] to benchmark a real index")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var r io.Reader
	switch {
	case strings.HasSuffix(path, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		r = zr
	case strings.HasSuffix(path, ".xz"):
		zr, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		r = zr
	default:
		return data
	}
	out, err := io.ReadAll(r)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func benchParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		x, err := debresolve.ParseIndex(data, "http://m.invalid/debian", "trixie")
		if err != nil {
			b.Fatal(err)
		}
		n = len(x.Packages)
	}
	b.ReportMetric(float64(n), "stanzas")
}

func BenchmarkParseIndex(b *testing.B) {
	b.Run("generated", func(b *testing.B) { benchParse(b, generated()) })
	b.Run("real", func(b *testing.B) { benchParse(b, realIndex(b)) })
}

func BenchmarkResolve(b *testing.B) {
	run := func(b *testing.B, data []byte, roots ...string) {
		x, err := debresolve.ParseIndex(data, "http://m.invalid/debian", "trixie")
		if err != nil {
			b.Fatal(err)
		}
		idx := []*debresolve.Index{x}
		req := debresolve.Request{Roots: roots}
		c, err := debresolve.Resolve(idx, "amd64", req) // warm the lazy tables
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := debresolve.Resolve(idx, "amd64", req); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(c.Packages)), "packages")
	}
	b.Run("generated", func(b *testing.B) { run(b, generated(), "root") })
	b.Run("real-perl", func(b *testing.B) { run(b, realIndex(b), "perl") })
	b.Run("real-perl-libhtml-parser-perl", func(b *testing.B) { run(b, realIndex(b), "perl", "libhtml-parser-perl") })
	b.Run("real-postgresql-17", func(b *testing.B) { run(b, realIndex(b), "postgresql-17") })
}

func TestGeneratedIndexResolves(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 60k-stanza index")
	}
	x, err := debresolve.ParseIndex(generated(), "http://m.invalid/debian", "trixie")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Packages) != 60001 {
		t.Fatalf("%d stanzas", len(x.Packages))
	}
	c, err := debresolve.Resolve([]*debresolve.Index{x}, "amd64", debresolve.Request{Roots: []string{"root"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Packages) < 40 {
		t.Fatalf("closure of root has only %d packages", len(c.Packages))
	}
}
