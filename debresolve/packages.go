package debresolve

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/distrofile/distrofile/internal/deb822"
	"github.com/distrofile/distrofile/internal/debrel"
	"pault.ag/go/debian/dependency"
	"pault.ag/go/debian/version"
)

// Package is one binary package stanza of a Packages index.
//
// The relationship fields Depends, PreDepends, Conflicts and Breaks are parsed
// lazily: they are filled for every package of a Closure returned by Resolve;
// call ParseRelations to fill them for any other package.
type Package struct {
	Name         string
	Version      string
	Architecture string
	// MultiArch is the Multi-Arch field: "", "same", "foreign", "allowed" or "no".
	MultiArch string
	Priority  string
	Section   string
	Essential bool
	// Source is the source package name ("" when it equals Name);
	// SourceVersion is its version ("" when it equals Version).
	Source, SourceVersion string
	// Filename is the pool path relative to the archive root.
	Filename string
	// URL is the full .deb URL: the source's archive root + "/" + Filename.
	URL string
	// SHA256 is the lowercase hex SHA-256 of the .deb; Size its size in bytes.
	SHA256 string
	Size   int64
	// InstalledSize is the Installed-Size field (KiB).
	InstalledSize int64
	// Suite is the codename with pocket of the index it came from, e.g.
	// "trixie-security".
	Suite string

	Depends, PreDepends dependency.Dependency
	Provides            []Provide
	Conflicts, Breaks   dependency.Dependency

	rawDepends, rawPreDepends, rawConflicts, rawBreaks string

	lazy    sync.Once
	lazyErr error
	verOnce sync.Once
	verErr  error
	ver     version.Version
	// nextSame links further stanzas with the same Name in one index.
	nextSame *Package
	// installed marks a package of the base image (Request.Installed).
	installed bool
}

// Provide is one entry of a Provides field.
type Provide struct {
	Name string
	// Version is the provided version ("" when unversioned); only "="
	// relations are allowed in Provides.
	Version string
}

// String formats p as "name" or "name (= version)".
func (p Provide) String() string {
	if p.Version == "" {
		return p.Name
	}
	return p.Name + " (= " + p.Version + ")"
}

// ID returns "name version arch", the identity of a package.
func (p *Package) ID() string { return p.Name + " " + p.Version + " " + p.Architecture }

// ParseRelations parses Version and the Depends, Pre-Depends, Conflicts and
// Breaks fields into the exported fields (once; safe for concurrent use) and
// reports a parse error.
func (p *Package) ParseRelations() error {
	p.lazy.Do(func() {
		if _, ok := pkgVersion(p); !ok {
			p.lazyErr = fmt.Errorf("package %s: version %q: %v", p.Name, p.Version, p.verErr)
			return
		}
		for _, f := range []struct {
			name string
			raw  string
			dst  *dependency.Dependency
		}{
			{"Pre-Depends", p.rawPreDepends, &p.PreDepends},
			{"Depends", p.rawDepends, &p.Depends},
			{"Conflicts", p.rawConflicts, &p.Conflicts},
			{"Breaks", p.rawBreaks, &p.Breaks},
		} {
			d, err := debrel.Parse(f.raw)
			if err != nil {
				p.lazyErr = fmt.Errorf("package %s %s: %s: %v", p.Name, p.Version, f.name, err)
				return
			}
			*f.dst = d
		}
	})
	return p.lazyErr
}

// parseProvides parses a Provides field: "a, b (= 1.0), c:any".
func parseProvides(s string) []Provide {
	n := strings.Count(s, ",") + 1
	out := make([]Provide, 0, n)
	for len(s) > 0 {
		var item string
		if i := strings.IndexByte(s, ','); i >= 0 {
			item, s = s[:i], s[i+1:]
		} else {
			item, s = s, ""
		}
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var p Provide
		name := item
		if i := strings.IndexAny(item, " \t\n("); i >= 0 {
			name = item[:i]
			rest := strings.TrimSpace(item[i:])
			if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
				rel := strings.TrimSpace(rest[1 : len(rest)-1])
				if strings.HasPrefix(rel, "=") {
					p.Version = strings.TrimSpace(rel[1:])
				}
			}
		}
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j]
		}
		p.Name = name
		out = append(out, p)
	}
	return out
}

// Index holds the packages of one Packages file and where it came from.
type Index struct {
	// Source is the APT source the index belongs to.
	Source Source
	// Suite is the codename with pocket (InRelease Codename), e.g. "trixie-updates".
	Suite string
	// Component and Arch identify the Packages file (main, amd64).
	Component, Arch string
	// Path is the file's path relative to dists/<suite>/ and SHA256 the
	// verified hash of the fetched (compressed) file.
	Path, SHA256 string
	// Release is the verified InRelease that listed the file (nil for
	// indexes made with ParseIndex).
	Release *Release
	// Packages lists the stanzas in file order.
	Packages []*Package

	// t holds the lookup tables; it is shared by Index values that share
	// Packages (the Client hands out one Index per LoadIndexes call).
	t *indexTable
}

// indexTable holds the name lookup tables of an index.
type indexTable struct {
	byName map[string]*Package

	provOnce sync.Once
	provides map[string][]*Package
}

// Lookup returns the stanzas of the index named name (usually one).
func (x *Index) Lookup(name string) []*Package {
	var out []*Package
	for p := x.t.byName[name]; p != nil; p = p.nextSame {
		out = append(out, p)
	}
	return out
}

// first returns the first stanza named name; further ones follow nextSame.
func (x *Index) first(name string) *Package { return x.t.byName[name] }

// providers returns the packages of the index whose Provides names name.
func (x *Index) providers(name string) []*Package {
	t := x.t
	t.provOnce.Do(func() {
		m := make(map[string][]*Package)
		for _, p := range x.Packages {
			for _, pr := range p.Provides {
				m[pr.Name] = append(m[pr.Name], p)
			}
		}
		t.provides = m
	})
	return t.provides[name]
}

// names calls f for every package name (with its first stanza) and every
// virtual name (with nil) of the index.
func (x *Index) names(f func(string, *Package)) {
	x.providers("")
	for n, p := range x.t.byName {
		f(n, p)
	}
	for n := range x.t.provides {
		if x.t.byName[n] == nil {
			f(n, nil)
		}
	}
}

// addPackage appends p to the index and its name table.
func (x *Index) addPackage(p *Package) {
	x.Packages = append(x.Packages, p)
	if old, ok := x.t.byName[p.Name]; ok {
		for old.nextSame != nil {
			old = old.nextSame
		}
		old.nextSame = p
	} else {
		x.t.byName[p.Name] = p
	}
}

// ParseIndex parses an uncompressed Packages file. archiveURL (the archive
// root) and suite are recorded in every package (URL, Suite). The returned
// index has no Release.
func ParseIndex(data []byte, archiveURL, suite string) (*Index, error) {
	return parseIndexString(string(data), strings.TrimRight(archiveURL, "/"), suite)
}

// Field identifiers of the stanza scanner.
const (
	fNone = iota
	fPackage
	fVersion
	fArchitecture
	fMultiArch
	fPriority
	fSection
	fEssential
	fSource
	fFilename
	fSHA256
	fSize
	fInstalledSize
	fDepends
	fPreDepends
	fProvides
	fConflicts
	fBreaks
)

// fieldID maps a field name to the scanner's field id (case-insensitively).
func fieldID(name string) int {
	switch len(name) {
	case 4:
		if eqFold(name, "Size") {
			return fSize
		}
	case 6:
		switch {
		case eqFold(name, "Source"):
			return fSource
		case eqFold(name, "SHA256"):
			return fSHA256
		case eqFold(name, "Breaks"):
			return fBreaks
		}
	case 7:
		switch {
		case eqFold(name, "Package"):
			return fPackage
		case eqFold(name, "Version"):
			return fVersion
		case eqFold(name, "Depends"):
			return fDepends
		case eqFold(name, "Section"):
			return fSection
		}
	case 8:
		switch {
		case eqFold(name, "Provides"):
			return fProvides
		case eqFold(name, "Priority"):
			return fPriority
		case eqFold(name, "Filename"):
			return fFilename
		}
	case 9:
		switch {
		case eqFold(name, "Essential"):
			return fEssential
		case eqFold(name, "Conflicts"):
			return fConflicts
		}
	case 10:
		if eqFold(name, "Multi-Arch") {
			return fMultiArch
		}
	case 11:
		if eqFold(name, "Pre-Depends") {
			return fPreDepends
		}
	case 12:
		if eqFold(name, "Architecture") {
			return fArchitecture
		}
	case 14:
		if eqFold(name, "Installed-Size") {
			return fInstalledSize
		}
	}
	return fNone
}

// eqFold reports whether s equals the canonical field name c, ASCII
// case-insensitively, with a fast path for the canonical spelling.
func eqFold(s, c string) bool {
	if s == c {
		return true
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], c[i]
		if a == b {
			continue
		}
		if a|0x20 != b|0x20 || a|0x20 < 'a' || a|0x20 > 'z' {
			return false
		}
	}
	return true
}

// parseInt parses a non-negative decimal integer.
func parseInt(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseIndexString is the stanza scanner. Field values are substrings of data
// (no per-field allocation); data is retained by the returned index.
func parseIndexString(data, archiveURL, suite string) (*Index, error) {
	return parseIndex(data, nil, archiveURL, suite)
}

// errIncomplete is parseIndex's error when more reports that data will not
// be complete: the caller knows why.
var errIncomplete = errors.New("index incomplete")

// parseIndex parses data, of which only data[:n] may be read until more
// (nil when data is complete) has returned n >= the end of what is read.
// more blocks until more of data is there and returns its new length, or
// -1 when the rest will not come (parseIndex then returns errIncomplete).
// The Packages fields of the result are substrings of data.
func parseIndex(data string, more func() int, archiveURL, suite string) (*Index, error) {
	est := len(data)/800 + 16
	x := &Index{
		Packages: make([]*Package, 0, est),
		t:        &indexTable{byName: make(map[string]*Package, est)},
	}
	var (
		chunk    []Package
		cur      *Package
		curStart int    // line number where cur started
		field    int    // id of the field being continued
		lineNo   int    // 1-based number of the current line
		prefix   string // archiveURL + "/"
	)
	prefix = archiveURL + "/"

	finish := func() error {
		if cur == nil {
			return nil
		}
		p := cur
		cur, field = nil, fNone
		if p.Name == "" {
			return fmt.Errorf("Packages line %d: stanza without a Package field", curStart)
		}
		if p.Version == "" || p.Architecture == "" {
			return fmt.Errorf("Packages line %d: package %s has no Version or Architecture", curStart, p.Name)
		}
		if p.Filename != "" {
			if !ArchivePath(p.Filename) {
				return fmt.Errorf("Packages line %d: package %s %s: Filename %q leaves the archive (absolute, with a scheme, or with ..): refused", curStart, p.Name, p.Version, p.Filename)
			}
			p.URL = prefix + p.Filename
		}
		p.Suite = suite
		x.addPackage(p)
		return nil
	}
	// setField stores the (trimmed) value of field id in p.
	setField := func(p *Package, id int, v string) error {
		switch id {
		case fPackage:
			p.Name = v
		case fVersion:
			p.Version = v
		case fArchitecture:
			p.Architecture = v
		case fMultiArch:
			p.MultiArch = v
		case fPriority:
			p.Priority = v
		case fSection:
			p.Section = v
		case fEssential:
			p.Essential = v == "yes"
		case fSource:
			if i := strings.IndexByte(v, '('); i >= 0 {
				p.Source = strings.TrimSpace(v[:i])
				p.SourceVersion = strings.TrimSuffix(strings.TrimSpace(v[i+1:]), ")")
			} else {
				p.Source = v
			}
		case fFilename:
			p.Filename = v
		case fSHA256:
			p.SHA256 = v
		case fSize, fInstalledSize:
			n, ok := parseInt(v)
			if !ok {
				return fmt.Errorf("Packages line %d: package %s: invalid size %q", lineNo, p.Name, v)
			}
			if id == fSize {
				p.Size = n
			} else {
				p.InstalledSize = n
			}
		case fDepends:
			p.rawDepends = v
		case fPreDepends:
			p.rawPreDepends = v
		case fConflicts:
			p.rawConflicts = v
		case fBreaks:
			p.rawBreaks = v
		case fProvides:
			p.Provides = parseProvides(v)
		}
		return nil
	}

	sc := deb822.NewStreamScanner(data, more)
	if more == nil {
		sc = deb822.NewScanner(data)
	}
	for sc.Scan() {
		lineNo = sc.Line()
		switch sc.Kind() {
		case deb822.End:
			if err := finish(); err != nil {
				return nil, err
			}
		case deb822.Continuation:
			// Extend the current field if we keep it. Only relationship
			// fields may be folded; continuation lines of other fields
			// are ignored.
			if field != fNone && cur != nil {
				if field == fProvides || field == fDepends || field == fPreDepends || field == fConflicts || field == fBreaks {
					if err := setField(cur, field, sc.Value()); err != nil {
						return nil, err
					}
				}
			}
		case deb822.Malformed:
			return nil, fmt.Errorf("Packages line %d: expected \"Field: value\", got %q", lineNo, truncate(sc.Text(), 60))
		case deb822.Field:
			if cur == nil {
				if len(chunk) == 0 {
					chunk = make([]Package, 1024)
				}
				cur = &chunk[0]
				chunk = chunk[1:]
				curStart = lineNo
			}
			if field = fieldID(sc.Name()); field == fNone {
				continue
			}
			if err := setField(cur, field, sc.Value()); err != nil {
				return nil, err
			}
		}
	}
	if sc.Err() != nil {
		return nil, errIncomplete
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return x, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// reScheme is a URL scheme at the start of a path ("http:", "file:").
var reScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// ArchivePath reports whether p, an index's Filename or a lock's path, is
// a relative path that stays inside the archive root: not absolute, no
// scheme, no ".." component, no backslash. A .deb is only ever fetched
// from the archive the index belongs to.
func ArchivePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || reScheme.MatchString(p) {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return false
		}
	}
	return true
}
