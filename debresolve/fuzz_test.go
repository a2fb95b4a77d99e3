package debresolve

import (
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debrel"

	"github.com/distrofile/distrofile/debresolve/archivetest"
)

// fuzzIndexSeeds are Packages texts for FuzzParseIndex: realistic stanzas,
// continuation lines, CRLF, odd spacing and fields the scanner special-cases.
var fuzzIndexSeeds = []string{
	archivetest.Stanza("libc6", "2.41-12", "Depends: libgcc-s1", "Multi-Arch: same", "Provides: libc6-dev-bin (= 2.41-12), glibc") + "\n" +
		archivetest.Stanza("perl", "5.40.1-6", "Pre-Depends: dpkg (>= 1.17.17)", "Depends: perl-base (= 5.40.1-6), libperl5.40 (>= 5.40.1-6) | perl-modules-5.40", "Source: perl (5.40.1-6)"),
	"Package: a\nVersion: 1\nArchitecture: all\nDescription: x\n multi\n .\n line\nEssential: yes\nInstalled-Size: 12\nSize: 9\n\n\n",
	"Package: b\r\nVersion: 1:2.0~rc1+b1\r\nArchitecture: amd64\r\nDepends: c (<< 3), d (> 1), e:any\r\nBreaks: f (< 2)\r\nConflicts: g\r\n",
	"package:c\nversion:1\narchitecture:any\nsource: c\nFilename:pool/c.deb\nSHA256: zz\n",
	"Package: d\n Continued\nVersion: 1\n",
	"Version: 1\nArchitecture: amd64\n",
	"\n\n\nPackage: e\nVersion: 1\nArchitecture: amd64\nSize: -1\nInstalled-Size: 99999999999999999999\n",
}

// FuzzParseIndex checks that ParseIndex never panics and that what it
// accepts is consistent: named, versioned packages whose relations either
// parse or report an error, all reachable by Lookup.
func FuzzParseIndex(f *testing.F) {
	for _, s := range fuzzIndexSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(data, "http://archive.invalid/debian/", "trixie")
		// Parsed while it arrives (decompressParse), a few bytes at a
		// time, it is the same index or the same error.
		for _, chunk := range []int{1, 7, 64} {
			sidx, serr := parseChunked(string(data), chunk)
			if (err == nil) != (serr == nil) || err != nil && err.Error() != serr.Error() {
				t.Fatalf("chunks of %d: error %v, whole: %v", chunk, serr, err)
			}
			if err == nil && !reflect.DeepEqual(sidx.Packages, idx.Packages) {
				t.Fatalf("chunks of %d: other packages", chunk)
			}
		}
		if err != nil {
			if idx != nil {
				t.Fatal("index and error")
			}
			return
		}
		for _, p := range idx.Packages {
			if p.Name == "" || p.Version == "" || p.Architecture == "" {
				t.Fatalf("accepted incomplete stanza %+v", p)
			}
			if p.Suite != "trixie" {
				t.Fatalf("suite %q", p.Suite)
			}
			if p.Filename != "" && p.URL != "http://archive.invalid/debian/"+p.Filename {
				t.Fatalf("URL %q for %q", p.URL, p.Filename)
			}
			found := false
			for _, q := range idx.Lookup(p.Name) {
				found = found || q == p
			}
			if !found {
				t.Fatalf("%s not found by Lookup", p.Name)
			}
			_ = p.ParseRelations()
			for _, pr := range p.Provides {
				_ = pr.String()
				_ = idx.providers(pr.Name)
			}
		}
		// A resolution over the fuzzed index must not panic either.
		if len(idx.Packages) > 0 && len(idx.Packages) < 50 {
			_, _ = Resolve([]*Index{idx}, "amd64", Request{Roots: []string{idx.Packages[0].Name}})
		}
	})
}

// fuzzReleaseSeeds are Release bodies for FuzzParseRelease.
var fuzzReleaseSeeds = []string{
	"Origin: Debian\nLabel: Debian\nSuite: testing\nCodename: trixie\nDate: Sat, 12 Sep 2026 07:55:41 UTC\nValid-Until: Sat, 19 Sep 2026 07:55:41 UTC\nAcquire-By-Hash: yes\nNo-Support-for-Architecture-all: Packages\nArchitectures: all amd64 arm64\nComponents: main contrib\nDescription: Debian\nSHA256:\n " +
		strings.Repeat("ab", 32) + "   1234 main/binary-amd64/Packages\n " + strings.Repeat("cd", 32) + " 99 main/binary-amd64/Packages.xz\n",
	"Suite: x\nSHA256:\n",
	"Codename: y\nDate: Sat, 12 Sep 2026 07:55:41 +0000\nSHA256:\n\n zz 1 a\n",
	"# comment\nSuite: z\r\nSHA256:\r\n " + strings.Repeat("0", 64) + " -5 p\r\n",
	" continuation first\n",
	"Suite: a\nSHA256: " + strings.Repeat("0", 64) + " 1 inline\n",
}

// FuzzParseRelease checks that ParseRelease never panics and that the file
// table it returns agrees with its SHA256 list.
func FuzzParseRelease(f *testing.F) {
	for _, s := range fuzzReleaseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rel, err := ParseRelease(body)
		if err != nil {
			if rel != nil {
				t.Fatal("release and error")
			}
			return
		}
		if rel.Suite == "" && rel.Codename == "" {
			t.Fatal("accepted a Release without Suite and Codename")
		}
		for _, fh := range rel.SHA256 {
			if len(fh.SHA256) != 64 || !isHex(fh.SHA256) {
				t.Fatalf("bad hash %q", fh.SHA256)
			}
			if _, ok := rel.File(fh.Path); !ok {
				t.Fatalf("%s listed but not found", fh.Path)
			}
		}
		_ = rel.HasArchitecture("amd64")
		_ = findIndex(rel, "main", "amd64")
	})
}

// FuzzRelations feeds relationship fields (Depends, Pre-Depends, Conflicts,
// Breaks, Provides) to the resolver's parsers: debrel.Parse with its
// legacy-operator rewrite, parseProvides, and ParseRoot for INSTALL specs.
// None may panic, and a parsed relation must be usable by the resolver.
func FuzzRelations(f *testing.F) {
	for _, s := range []string{
		"libc6 (>= 2.34), libgcc-s1 (>= 3.0) | libgcc1",
		"perl-base (= 5.40.1-6), libperl5.40 (>= 5.40.1-6)",
		"a (< 1), b (> 2), c (<< 3), d (>> 4), e (<= 5)",
		"python3:any (>= 3.11~), foo:amd64 [amd64 i386] <!nocheck>",
		"x (= 1:2.0~rc1+b1)",
		"",
		"  ,  , a",
		"a (", "a (>= )", "|", "a | | b",
		"glibc, libc6-dev-bin (= 2.41-12), mail-transport-agent:any",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm := debrel.NormalizeLegacyOperators(s)
		if !strings.ContainsAny(s, "<>") && norm != s {
			t.Fatalf("rewrote %q without operators to %q", s, norm)
		}
		d, err := debrel.Parse(s)
		if err == nil {
			for _, rel := range d.Relations {
				_ = relString(rel.Possibilities)
				for _, p := range rel.Possibilities {
					_ = possString(p)
				}
			}
			// The parsed field must survive the resolver's checks.
			x := &Index{t: &indexTable{byName: map[string]*Package{}}}
			x.addPackage(&Package{Name: "root", Version: "1", Architecture: "amd64", rawDepends: s, rawConflicts: s, rawBreaks: s})
			x.addPackage(&Package{Name: "a", Version: "1", Architecture: "amd64", Provides: parseProvides(s)})
			_, _ = Resolve([]*Index{x}, "amd64", Request{Roots: []string{"root"}})
		}
		for _, p := range parseProvides(s) {
			if p.Name == "" && p.Version == "" {
				continue
			}
			if strings.ContainsAny(p.Name, ",") {
				t.Fatalf("provide name %q contains a comma", p.Name)
			}
		}
		_, _, _, _ = ParseRoot(s)
	})
}

// TestHostileArchQualifier is FuzzRelations' regression: an architecture
// qualifier whose CPU part contains "-" made dependency.Arch.String panic
// while the resolver checked it (any index, e.g. of a SOURCE, could crash
// the frontend).
func TestHostileArchQualifier(t *testing.T) {
	idx, err := ParseIndex([]byte(archivetest.Stanza("root", "1", "Depends: a:----")+"\n"+archivetest.Stanza("a", "1")), "http://archive.invalid/debian", "trixie")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resolve([]*Index{idx}, "amd64", Request{Roots: []string{"root"}})
	if err == nil || !strings.Contains(err.Error(), "architecture qualifier :") {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}
