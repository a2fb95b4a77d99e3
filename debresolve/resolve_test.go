package debresolve_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
)

var st = archivetest.Stanza

// mkIndex parses stanzas as the Packages file of suite.
func mkIndex(t testing.TB, suite string, stanzas ...string) *debresolve.Index {
	t.Helper()
	x, err := debresolve.ParseIndex([]byte(strings.Join(stanzas, "\n")), "http://mirror.invalid/debian", suite)
	if err != nil {
		t.Fatalf("ParseIndex: %v", err)
	}
	return x
}

// closureIDs renders a closure as "name version" strings.
func closureIDs(c *debresolve.Closure) []string {
	out := []string{}
	for _, p := range c.Packages {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

func TestResolve(t *testing.T) {
	type tc struct {
		name    string
		suites  [][]string // stanzas per index: suite "test", then "test-updates", ...
		arch    string
		roots   []string
		exclude []string
		want    []string // "name version", sorted by name
		wantErr string   // substring (or full text when wantFull)
		full    bool
		check   func(t *testing.T, c *debresolve.Closure, err error)
	}
	cases := []tc{
		{
			name: "simple chain",
			suites: [][]string{{
				st("a", "1", "Depends: b"), st("b", "1", "Depends: c (>= 1)"), st("c", "1.0"), st("unrelated", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1", "c 1.0"},
		},
		{
			name: "pre-depends followed",
			suites: [][]string{{
				st("a", "1", "Pre-Depends: b"), st("b", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1"},
		},
		{
			name: "alternatives: first satisfiable",
			suites: [][]string{{
				st("a", "1", "Depends: missing | b | c"), st("b", "1"), st("c", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1"},
		},
		{
			name: "alternatives: one already in the closure wins",
			suites: [][]string{{
				st("a", "1", "Depends: b | c"), st("b", "1"), st("c", "1"),
			}},
			roots: []string{"a", "c"},
			want:  []string{"a 1", "c 1"},
		},
		{
			name: "alternatives: fall back when the first cannot be installed",
			suites: [][]string{{
				st("a", "1", "Depends: b | c"), st("b", "1", "Depends: d, nonexistent"), st("d", "1"), st("c", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "c 1"},
		},
		{
			name: "version: candidate is the highest across indexes",
			suites: [][]string{
				{st("a", "1", "Depends: b (>= 1.1)"), st("b", "1.0")},
				{st("b", "1.1")},
			},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1.1"},
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				if s := c.Package("b").Suite; s != "test-updates" {
					t.Errorf("b comes from %q, want test-updates", s)
				}
			},
		},
		{
			name: "version: only the candidate counts (like apt)",
			suites: [][]string{
				{st("a", "1", "Depends: b (<< 1.1)"), st("b", "1.0")},
				{st("b", "1.1")},
			},
			roots:   []string{"a"},
			wantErr: "a -> b (<< 1.1): no version satisfies it (candidate: b 1.1 from test-updates)",
			full:    true,
		},
		{
			name: "version: epochs and tildes compare like dpkg",
			suites: [][]string{{
				st("a", "1", "Depends: b (>= 1:1.0~rc1), c (>> 2.0~beta)"), st("b", "1:1.0"), st("c", "2.0"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1:1.0", "c 2.0"},
		},
		{
			name: "version: legacy > operator means >=",
			suites: [][]string{{
				st("a", "1", "Depends: b (> 2)"), st("b", "2"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 2"},
		},
		{
			name: "provides: unversioned",
			suites: [][]string{{
				st("a", "1", "Depends: virt"), st("p", "1", "Provides: virt"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "p 1"},
		},
		{
			name: "provides: versioned dependency satisfied by versioned Provides",
			suites: [][]string{{
				st("a", "1", "Depends: libssl3 (>= 3.0.0)"), st("libssl3t64", "3.5.1-1", "Provides: libssl3 (= 3.5.1-1)"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "libssl3t64 3.5.1-1"},
		},
		{
			name: "provides: versioned dependency not satisfied by unversioned Provides",
			suites: [][]string{{
				st("a", "1", "Depends: virt (>= 1)"), st("p", "1", "Provides: virt"),
			}},
			roots:   []string{"a"},
			wantErr: "a -> virt (>= 1): no version satisfies it (virt only provided without a matching version by p)",
			full:    true,
		},
		{
			name: "provides: only candidates provide",
			suites: [][]string{
				{st("a", "1", "Depends: virt"), st("p", "1", "Provides: virt")},
				{st("p", "2")},
			},
			roots:   []string{"a"},
			wantErr: "a -> virt: virtual package with no provider",
		},
		{
			name: "real package preferred over providers",
			suites: [][]string{{
				st("a", "1", "Depends: foo"), st("bar", "1", "Provides: foo", "Priority: required"), st("foo", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "foo 1"},
		},
		{
			name: "providers ranked by Priority",
			suites: [][]string{{
				st("a", "1", "Depends: awk"),
				st("gawk", "1", "Provides: awk", "Priority: optional"),
				st("mawk", "1", "Provides: awk", "Priority: required"),
				st("original-awk", "1", "Provides: awk", "Priority: extra"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "mawk 1"},
		},
		{
			name: "ambiguous virtual package is an error",
			suites: [][]string{{
				st("a", "1", "Depends: mailx"),
				st("bsd-mailx", "1", "Provides: mailx"),
				st("s-nail", "1", "Provides: mailx"),
			}},
			roots:   []string{"a"},
			wantErr: "a -> mailx is a virtual package provided by bsd-mailx, s-nail: choose one with INSTALL <one of bsd-mailx, s-nail>",
			full:    true,
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				var ae *debresolve.AmbiguousError
				if !errors.As(err, &ae) || ae.Name != "mailx" {
					t.Errorf("want AmbiguousError for mailx, got %T", err)
				}
			},
		},
		{
			name: "ambiguous virtual package settled by a root",
			suites: [][]string{{
				st("a", "1", "Depends: mailx"),
				st("bsd-mailx", "1", "Provides: mailx"),
				st("s-nail", "1", "Provides: mailx"),
			}},
			roots: []string{"a", "s-nail"},
			want:  []string{"a 1", "s-nail 1"},
		},
		{
			name: "virtual root with a sole provider",
			suites: [][]string{{
				st("mawk", "1", "Provides: awk", "Priority: required"), st("gawk", "2"),
			}},
			roots: []string{"awk"},
			want:  []string{"mawk 1"},
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				if !reflect.DeepEqual(c.Roots, []string{"mawk"}) {
					t.Errorf("Roots = %v", c.Roots)
				}
			},
		},
		{
			name: "virtual root with several providers must be chosen, as with apt-get install",
			suites: [][]string{{
				st("gawk", "1", "Provides: awk"), st("mawk", "1", "Provides: awk", "Priority: required"),
			}},
			roots:   []string{"awk"},
			wantErr: "awk is a virtual package provided by gawk, mawk: choose one with INSTALL <one of gawk, mawk>",
			full:    true,
		},
		{
			name: "virtual root provided by another root",
			suites: [][]string{{
				st("gawk", "1", "Provides: awk"), st("mawk", "1", "Provides: awk", "Priority: required"),
			}},
			roots: []string{"awk", "gawk"},
			want:  []string{"gawk 1"},
		},
		{
			name: "pinned root version",
			suites: [][]string{
				{st("perl", "5.40.1-6", "Depends: perl-base (= 5.40.1-6)"), st("perl-base", "5.40.1-6")},
				{st("perl", "5.40.1-7", "Depends: perl-base (= 5.40.1-7)"), st("perl-base", "5.40.1-7")},
			},
			roots: []string{"perl=5.40.1-6", "perl-base=5.40.1-6"},
			want:  []string{"perl 5.40.1-6", "perl-base 5.40.1-6"},
		},
		{
			name: "pinned root constrains other dependencies",
			suites: [][]string{
				{st("a", "1", "Depends: b (>= 2)"), st("b", "1")},
				{st("b", "2")},
			},
			roots:   []string{"a", "b=1"},
			wantErr: "a -> b (>= 2): no version satisfies it (candidate: b 1 from test)",
			full:    true,
		},
		{
			name:    "pinned root version that does not exist",
			suites:  [][]string{{st("perl", "5.40.1-6"), st("perl", "5.40.1-7")}},
			roots:   []string{"perl=5.36.0-7"},
			wantErr: `package "perl" has no version 5.36.0-7 (available: 5.40.1-7, 5.40.1-6)`,
			full:    true,
		},
		{
			name: "exclude: dependency counts as satisfied",
			suites: [][]string{{
				st("tzdata", "1", "Depends: debconf (>= 0.5) | debconf-2.0"), st("debconf", "1.5", "Provides: debconf-2.0"), st("cdebconf", "1", "Provides: debconf-2.0"),
			}},
			roots:   []string{"tzdata"},
			exclude: []string{"debconf"},
			want:    []string{"tzdata 1"},
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				if e := c.Edges["tzdata"]; len(e) != 0 {
					t.Errorf("Edges[tzdata] = %v, want none", e)
				}
			},
		},
		{
			name:    "exclude: a root cannot be excluded",
			suites:  [][]string{{st("a", "1")}},
			roots:   []string{"a"},
			exclude: []string{"a"},
			wantErr: `package "a" is both installed and excluded`,
		},
		{
			name:    "exclude: unknown name gets a suggestion",
			suites:  [][]string{{st("debconf", "1"), st("a", "1")}},
			roots:   []string{"a"},
			exclude: []string{"debconff"},
			wantErr: `EXCLUDE: unknown package "debconff" (did you mean "debconf"?)`,
			full:    true,
		},
		{
			name: "arch qualifier :any",
			suites: [][]string{{
				st("a", "1", "Depends: python3:any (>= 3.11)"), st("python3", "3.13.5-1", "Multi-Arch: allowed"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "python3 3.13.5-1"},
		},
		{
			name: "arch qualifier :native and foreign arch",
			suites: [][]string{{
				st("a", "1", "Depends: b:native, c:i386 | d"), st("b", "1"), st("c", "1"), st("d", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1", "d 1"},
		},
		{
			name: "architecture all and other architectures",
			suites: [][]string{{
				st("a", "1", "Depends: data, b"), st("data", "1", "Architecture: all"), st("b", "2", "Architecture: arm64"), st("b", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1", "data 1"},
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				if got := c.Package("data").Architecture; got != "all" {
					t.Errorf("data arch %q", got)
				}
			},
		},
		{
			name:    "package only for another architecture",
			suites:  [][]string{{st("a", "1", "Depends: b"), st("b", "1", "Architecture: arm64")}},
			roots:   []string{"a"},
			wantErr: "a -> b: not available for amd64",
			full:    true,
		},
		{
			name:    "root architecture qualifier",
			suites:  [][]string{{st("libc6", "2.41-12")}},
			roots:   []string{"libc6:arm64"},
			wantErr: "cannot install libc6:arm64: the image is for amd64, not arm64",
		},
		{
			name:   "root architecture qualifier for the target",
			suites: [][]string{{st("libc6", "2.41-12")}},
			roots:  []string{"libc6:amd64"},
			want:   []string{"libc6 2.41-12"},
		},
		{
			name: "conflicts on the final set",
			suites: [][]string{{
				st("exim4", "4.98", "Depends: exim4-config"), st("exim4-config", "4.98", "Conflicts: postfix"), st("postfix", "3.10"),
			}},
			roots:   []string{"exim4", "postfix"},
			wantErr: "exim4-config 4.98 conflicts with postfix, but postfix 3.10 is also in the closure (exim4 -> exim4-config; postfix)",
		},
		{
			name: "conflicts through a virtual package; the provider itself is exempt",
			suites: [][]string{{
				st("mta-a", "1", "Provides: mail-transport-agent", "Conflicts: mail-transport-agent"),
				st("mta-b", "1", "Provides: mail-transport-agent", "Conflicts: mail-transport-agent"),
			}},
			roots:   []string{"mta-a", "mta-b"},
			wantErr: "mta-a 1 conflicts with mail-transport-agent, but mta-b 1 is also in the closure",
		},
		{
			name: "self-provided conflict is no conflict",
			suites: [][]string{{
				st("mta-a", "1", "Provides: mail-transport-agent", "Conflicts: mail-transport-agent"),
			}},
			roots: []string{"mta-a"},
			want:  []string{"mta-a 1"},
		},
		{
			name: "versioned Breaks",
			suites: [][]string{{
				st("libssl3t64", "3.5", "Provides: libssl3 (= 3.5)", "Breaks: libssl3 (<< 3.5), old (<< 2)"), st("old", "1"),
			}},
			roots:   []string{"libssl3t64", "old"},
			wantErr: "libssl3t64 3.5 breaks old (<< 2), but old 1 is also in the closure",
		},
		{
			name:    "unknown package with suggestion",
			suites:  [][]string{{st("perl", "5.40.1-6", "Priority: standard"), st("perl6", "6.d"), st("python3", "3")}},
			roots:   []string{"perll"},
			wantErr: `unknown package "perll" (did you mean "perl"?)`,
			full:    true,
		},
		{
			name:    "unknown package without suggestion",
			suites:  [][]string{{st("perl", "5")}},
			roots:   []string{"completely-different"},
			wantErr: `unknown package "completely-different"`,
			full:    true,
		},
		{
			name: "unsatisfiable dependency prints the chain",
			suites: [][]string{{
				st("perl", "5.40.1-6", "Depends: perl-base, libperl5.40 (= 5.40.1-6)"),
				st("perl-base", "5.40.1-6"),
				st("libperl5.40", "5.40.1-6", "Depends: libc6, libdb5.3t64 (>= 5.3.28)"),
				st("libc6", "2.41-12"),
				st("libdb5.3t64", "5.3.20-1"),
			}},
			roots:   []string{"perl"},
			wantErr: "perl -> libperl5.40 -> libdb5.3t64 (>= 5.3.28): no version satisfies it (candidate: libdb5.3t64 5.3.20-1 from test)",
			full:    true,
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				var ue *debresolve.UnsatisfiableError
				if !errors.As(err, &ue) || !reflect.DeepEqual(ue.Chain, []string{"perl", "libperl5.40"}) {
					t.Errorf("want UnsatisfiableError with chain, got %#v", err)
				}
			},
		},
		{
			name: "unsatisfiable alternatives list every reason",
			suites: [][]string{{
				st("a", "1", "Depends: b (>= 2) | c"), st("b", "1"),
			}},
			roots:   []string{"a"},
			wantErr: "a -> b (>= 2) | c: b (>= 2): no version satisfies it (candidate: b 1 from test); c: no such package",
			full:    true,
		},
		{
			name: "dependency cycles and edges",
			suites: [][]string{{
				st("a", "1", "Depends: b, awk"), st("b", "1", "Pre-Depends: a"), st("mawk", "1", "Provides: awk"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1", "mawk 1"},
			check: func(t *testing.T, c *debresolve.Closure, err error) {
				want := map[string][]string{"a": {"b", "mawk"}, "b": {"a"}, "mawk": {}}
				if !reflect.DeepEqual(c.Edges, want) {
					t.Errorf("Edges = %v, want %v", c.Edges, want)
				}
			},
		},
		{
			name: "essential and required packages are not added implicitly",
			suites: [][]string{{
				st("a", "1"), st("dpkg", "1", "Essential: yes", "Priority: required"), st("base-files", "13", "Priority: required"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1"},
		},
		{
			name: "field names are case-insensitive",
			suites: [][]string{{
				"package: a\nversion: 1\narchitecture: amd64\ndepends: b\nFILENAME: pool/a.deb\n",
				"Package: b\nVersion: 2\nArchitecture: all\n",
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 2"},
		},
		{
			name: "folded dependency field",
			suites: [][]string{{
				"Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b,\n c (>= 1),\n\td\nDescription: x\n long text\n",
				st("b", "1"), st("c", "1"), st("d", "1"),
			}},
			roots: []string{"a"},
			want:  []string{"a 1", "b 1", "c 1", "d 1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var idx []*debresolve.Index
			for i, stanzas := range c.suites {
				suite := "test"
				if i > 0 {
					suite += "-" + []string{"", "updates", "security"}[i]
				}
				idx = append(idx, mkIndex(t, suite, stanzas...))
			}
			arch := c.arch
			if arch == "" {
				arch = "amd64"
			}
			got, err := debresolve.Resolve(idx, arch, debresolve.Request{Roots: c.roots, Exclude: c.exclude})
			if c.wantErr != "" {
				if err == nil {
					t.Fatalf("want error %q, got closure %v", c.wantErr, closureIDs(got))
				}
				if c.full && err.Error() != c.wantErr || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error:\n got %q\nwant %q", err, c.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if ids := closureIDs(got); !reflect.DeepEqual(ids, c.want) {
					t.Fatalf("closure:\n got %v\nwant %v", ids, c.want)
				}
				for _, p := range got.Packages {
					if _, ok := got.Edges[p.Name]; !ok {
						t.Errorf("no Edges entry for %s", p.Name)
					}
				}
			}
			if c.check != nil {
				c.check(t, got, err)
			}
		})
	}
}

func TestResolveDeterministic(t *testing.T) {
	x := mkIndex(t, "test",
		st("a", "1", "Depends: b | c, d, virt"), st("b", "1", "Depends: e"), st("c", "1"), st("d", "1", "Depends: c"),
		st("e", "1"), st("p1", "1", "Provides: virt", "Priority: important"), st("p2", "1", "Provides: virt"))
	first, err := debresolve.Resolve([]*debresolve.Index{x}, "amd64", debresolve.Request{Roots: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		c, err := debresolve.Resolve([]*debresolve.Index{x}, "amd64", debresolve.Request{Roots: []string{"a"}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(closureIDs(c), closureIDs(first)) || !reflect.DeepEqual(c.Edges, first.Edges) {
			t.Fatalf("run %d differs: %v vs %v", i, closureIDs(c), closureIDs(first))
		}
	}
	if want := []string{"a 1", "b 1", "c 1", "d 1", "e 1", "p1 1"}; !reflect.DeepEqual(closureIDs(first), want) {
		t.Fatalf("closure %v, want %v", closureIDs(first), want)
	}
	// The closure's packages have their relations parsed and their URLs set.
	a := first.Package("a")
	if len(a.Depends.Relations) != 3 || a.URL != "http://mirror.invalid/debian/pool/main/a/a/a_1_amd64.deb" || a.Suite != "test" {
		t.Fatalf("package a: %d relations, URL %q, suite %q", len(a.Depends.Relations), a.URL, a.Suite)
	}
}

func TestParseRoot(t *testing.T) {
	for _, c := range []struct{ in, name, ver, arch, err string }{
		{in: "perl", name: "perl"},
		{in: "perl=5.40.1-6", name: "perl", ver: "5.40.1-6"},
		{in: "libc6:amd64", name: "libc6", arch: "amd64"},
		{in: "libc6:amd64=2.41-12", name: "libc6", ver: "2.41-12", arch: "amd64"},
		{in: "zlib1g=1:1.3.dfsg-3.1", name: "zlib1g", ver: "1:1.3.dfsg-3.1"},
		{in: "zlib1g=1:1.3.dfsg-3.1:arm64", name: "zlib1g", ver: "1:1.3.dfsg-3.1", arch: "arm64"},
		{in: "perl=", err: "empty version"},
		{in: "pe rl", err: "invalid package name"},
		{in: "a:amd64=1:i386", err: "architecture given twice"},
	} {
		name, ver, arch, err := debresolve.ParseRoot(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRoot(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || name != c.name || ver != c.ver || arch != c.arch {
			t.Errorf("ParseRoot(%q) = %q %q %q %v", c.in, name, ver, arch, err)
		}
	}
}
