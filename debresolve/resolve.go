package debresolve

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"pault.ag/go/debian/dependency"
	"pault.ag/go/debian/version"
)

// Request is the input of Resolve.
type Request struct {
	// Roots are the packages to install: "perl", "perl=5.40.1-6",
	// "libc6:amd64", "libc6:amd64=2.41-12". A root may name a virtual
	// package that has a single provider (as with apt-get install).
	Roots []string
	// Exclude names packages (or virtual packages) that are never
	// installed: a relation reaching an excluded alternative, or whose
	// chosen provider is excluded, counts as satisfied.
	Exclude []string
	// Installed are the packages of a base image: they satisfy what they
	// can and are not part of the closure; one that would have to change
	// is a ReplaceInstalledError.
	Installed []InstalledPackage
	// Prefer maps package names to the version to take when it is in the
	// indexes and satisfies what asks for the package (lock --update keeps
	// what it does not update this way); otherwise the candidate is taken
	// as usual.
	Prefer map[string]string
}

// Closure is the result of Resolve.
type Closure struct {
	// Arch is the architecture resolved for.
	Arch string
	// Roots are the names of the packages chosen for Request.Roots, in
	// request order (a virtual root maps to its provider).
	Roots []string
	// Packages is the closure, sorted by name.
	Packages []*Package
	// Edges maps every package name of the closure to the sorted names of
	// the closure packages that satisfy its Depends and Pre-Depends.
	Edges map[string][]string
	// Locale, when not nil, is the package whose LocalePaths the image
	// takes (see LocalePackage). It is not one of Packages: it is not
	// installed.
	Locale *Package
}

// Package returns the closure's package named name, or nil.
func (c *Closure) Package(name string) *Package {
	i := sort.Search(len(c.Packages), func(i int) bool { return c.Packages[i].Name >= name })
	if i < len(c.Packages) && c.Packages[i].Name == name {
		return c.Packages[i]
	}
	return nil
}

// UnknownPackageError reports a name that is neither a package nor a virtual
// package of the indexes.
type UnknownPackageError struct {
	// Name is the unknown name; Suggestion the closest known name ("" if none).
	Name, Suggestion string
	// Context is "" for INSTALL roots and "EXCLUDE" for excluded names.
	Context string
}

// Error formats the error as `unknown package "x" (did you mean "y"?)`.
func (e *UnknownPackageError) Error() string {
	s := fmt.Sprintf("unknown package %q", e.Name)
	if e.Context != "" {
		s = e.Context + ": " + s
	}
	if e.Suggestion != "" {
		s += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return s
}

// UnsatisfiableError reports a dependency no package can satisfy, with the
// chain of packages from the root that led to it.
type UnsatisfiableError struct {
	// Chain lists package names from the root to the package whose
	// dependency failed (just the root's spec for a failing root).
	Chain []string
	// Relation is the failing relation, e.g. "libdb5.3t64 (>= 5.3.28)".
	Relation string
	// Reason says why each alternative failed.
	Reason string
}

// Error formats the chain, the relation and the reason:
// "perl -> libperl5.40 -> libdb5.3t64 (>= 5.3.28): no version satisfies it (...)".
func (e *UnsatisfiableError) Error() string {
	if len(e.Chain) == 0 {
		return e.Relation + ": " + e.Reason
	}
	return strings.Join(e.Chain, " -> ") + " -> " + e.Relation + ": " + e.Reason
}

// AmbiguousError reports a virtual package with several equally good
// providers, none of them already chosen.
type AmbiguousError struct {
	// Chain lists package names from the root to the package that needs
	// the virtual package (empty when it is a root).
	Chain []string
	// Name is the virtual package; Providers its best providers, sorted.
	Name      string
	Providers []string
}

// Error names the virtual package and asks the user to INSTALL a provider.
func (e *AmbiguousError) Error() string {
	var b strings.Builder
	if len(e.Chain) > 0 {
		b.WriteString(strings.Join(e.Chain, " -> "))
		b.WriteString(" -> ")
	}
	fmt.Fprintf(&b, "%s is a virtual package provided by %s: choose one with INSTALL <one of %s>",
		e.Name, strings.Join(e.Providers, ", "), strings.Join(e.Providers, ", "))
	return b.String()
}

// ConflictError reports two packages of the closure that cannot be
// installed together (Conflicts or Breaks).
type ConflictError struct {
	// Package declares the relation (Field: "Conflicts" or "Breaks") on
	// Relation, which Other (at OtherVersion) matches.
	Package, Version     string
	Field, Relation      string
	Other, OtherVersion  string
	ChainPkg, ChainOther []string
}

// Error names both packages and the relation between them.
func (e *ConflictError) Error() string {
	verb := "conflicts with"
	if e.Field == "Breaks" {
		verb = "breaks"
	}
	s := fmt.Sprintf("%s %s %s %s, but %s %s is also in the closure", e.Package, e.Version, verb, e.Relation, e.Other, e.OtherVersion)
	if len(e.ChainPkg) > 1 || len(e.ChainOther) > 1 {
		s += fmt.Sprintf(" (%s; %s)", strings.Join(e.ChainPkg, " -> "), strings.Join(e.ChainOther, " -> "))
	}
	return s + ": EXCLUDE or INSTALL something else to avoid one of them"
}

// priorityRank orders Priority values (higher is preferred among providers).
func priorityRank(p string) int {
	switch p {
	case "required":
		return 5
	case "important":
		return 4
	case "standard":
		return 3
	case "optional":
		return 2
	case "extra":
		return 1
	}
	return 0
}

type selection struct {
	pkg    *Package
	parent string // name of the package that pulled it in; "" for roots
}

type resolver struct {
	indexes []*Index
	arch    string
	target  dependency.Arch

	cands   map[string]*Package // computed candidates (nil: none)
	pins    map[string]*Package // root pins override candidates
	prefer  map[string]string   // Request.Prefer
	exclude map[string]bool
	refs    map[string]*version.Version // parsed relation versions (nil: invalid)

	sel     map[string]*selection
	selProv map[string][]*Package // virtual name -> selected providers, in selection order
	log     []string              // selection order (for rollback)
	edges   map[string][]string
}

// Resolve computes the closure `apt-get install --no-install-recommends`
// would choose for req on an empty system, using only packages of arch and
// "all" from indexes.
//
// Semantics: Pre-Depends and Depends are followed (not Recommends or
// Suggests). A relation already satisfied by the selection (directly or
// through Provides) needs nothing. Otherwise alternatives are tried left to
// right and the first that can be installed (with its own dependencies) is
// taken. A name resolves to its candidate: the highest version across all
// indexes, or the version a root pins with "=". Real packages are preferred
// over providers; a versioned relation is only satisfied by the candidate's
// version or a versioned Provides; providers (candidates only) are ranked by
// Priority, and several equally ranked providers are an AmbiguousError.
// ":any" and ":native" qualifiers match the target architecture; other
// architecture qualifiers cannot be satisfied. Essential and required
// packages are not added implicitly. Excluded names count as satisfied and
// are never installed. Conflicts and Breaks are checked on the final set.
func Resolve(indexes []*Index, arch string, req Request) (*Closure, error) {
	if arch == "" {
		return nil, errors.New("no architecture given")
	}
	target, err := dependency.ParseArch(arch)
	if err != nil {
		return nil, fmt.Errorf("invalid architecture %q: %v", arch, err)
	}
	r := &resolver{
		indexes: indexes,
		arch:    arch,
		target:  *target,
		cands:   map[string]*Package{},
		prefer:  req.Prefer,
		pins:    map[string]*Package{},
		exclude: map[string]bool{},
		refs:    map[string]*version.Version{},
		sel:     map[string]*selection{},
		selProv: map[string][]*Package{},
		edges:   map[string][]string{},
	}
	r.addInstalled(req.Installed)
	for _, x := range req.Exclude {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		if !r.known(x) {
			return nil, &UnknownPackageError{Name: x, Suggestion: r.suggest(x), Context: "EXCLUDE"}
		}
		r.exclude[x] = true
	}

	type root struct {
		spec string
		poss dependency.Possibility
		pkg  *Package
	}
	roots := make([]*root, 0, len(req.Roots))
	for _, spec := range req.Roots {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		name, ver, qual, err := ParseRoot(spec)
		if err != nil {
			return nil, err
		}
		if r.exclude[name] {
			return nil, fmt.Errorf("package %q is both installed and excluded", name)
		}
		if err := r.checkRootArch(spec, name, qual); err != nil {
			return nil, err
		}
		rt := &root{spec: spec, poss: dependency.Possibility{Name: name}}
		if qual == "all" {
			qual = ""
		}
		if qual != "" {
			rt.poss.Arch, _ = dependency.ParseArch(qual)
		}
		if r.isInstalled(name) {
			// Counts as installed, unless another version is pinned.
			in := r.sel[name].pkg
			if ver != "" && ver != in.Version {
				return nil, &ReplaceInstalledError{Name: name, Installed: in.Version, Wanted: ver}
			}
			rt.pkg = in
		} else if ver != "" {
			p, err := r.pin(name, ver, qual)
			if err != nil {
				return nil, err
			}
			rt.poss.Version = &dependency.VersionRelation{Operator: "=", Number: ver}
			rt.pkg = p
		}
		roots = append(roots, rt)
	}
	// Pass 1: real packages (and pins) are selected first, as apt marks all
	// command-line packages before resolving any dependency.
	for _, rt := range roots {
		if rt.pkg == nil {
			rt.pkg = r.candidate(rt.poss.Name)
		}
		if rt.pkg == nil {
			continue
		}
		if s := r.sel[rt.pkg.Name]; s == nil {
			r.selectPkg(rt.pkg, "")
		}
	}
	// Pass 2: virtual roots, which an already selected root may provide.
	for _, rt := range roots {
		if rt.pkg != nil {
			continue
		}
		if name, ok := r.satisfiedBySelection(rt.poss); ok {
			rt.pkg = r.sel[name].pkg
			continue
		}
		// Like `apt-get install <virtual>`: only a sole provider is taken
		// without asking, whatever the providers' priorities.
		if provs, _ := r.candidateProviders(rt.poss); len(provs) > 1 && r.qualOK(rt.poss) {
			return nil, &AmbiguousError{Name: rt.poss.Name, Providers: nameList(provs)}
		}
		p, reason, err := r.choose(rt.poss, "")
		if err != nil {
			return nil, err
		}
		if p == nil {
			if len(r.allProviders(rt.poss.Name)) == 0 && !r.nameExists(rt.poss.Name) {
				return nil, &UnknownPackageError{Name: rt.poss.Name, Suggestion: r.suggest(rt.poss.Name)}
			}
			return nil, &UnsatisfiableError{Relation: rt.spec, Reason: reason}
		}
		if r.exclude[p.Name] {
			return nil, fmt.Errorf("%s: its provider %s is excluded", rt.spec, p.Name)
		}
		rt.pkg = p
		if r.sel[p.Name] == nil {
			r.selectPkg(p, "")
		}
	}
	// Pass 3: dependencies, depth first from each root in order.
	for _, rt := range roots {
		if err := r.visit(rt.pkg); err != nil {
			return nil, err
		}
	}
	if err := r.checkConflicts(); err != nil {
		return nil, err
	}

	c := &Closure{Arch: arch, Edges: r.edges}
	for _, rt := range roots {
		c.Roots = append(c.Roots, rt.pkg.Name)
	}
	for name, s := range r.sel {
		if s.pkg.installed {
			delete(c.Edges, name)
			continue
		}
		c.Packages = append(c.Packages, s.pkg)
	}
	sort.Slice(c.Packages, func(i, j int) bool { return c.Packages[i].Name < c.Packages[j].Name })
	c.Locale = r.locale()
	return c, nil
}

// ParseRoot splits an INSTALL spec "name[:arch][=version]" or
// "name[=version][:arch]" into its parts.
func ParseRoot(spec string) (name, ver, arch string, err error) {
	name = spec
	if i := strings.IndexByte(spec, '='); i >= 0 {
		name, ver = spec[:i], spec[i+1:]
		if j := strings.LastIndexByte(ver, ':'); j >= 0 && isArchWord(ver[j+1:]) {
			ver, arch = ver[:j], ver[j+1:]
		}
		if ver == "" {
			return "", "", "", fmt.Errorf("%q: empty version after '='", spec)
		}
		if _, err := version.Parse(ver); err != nil {
			return "", "", "", fmt.Errorf("%q: invalid version %q: %v", spec, ver, err)
		}
	}
	if j := strings.IndexByte(name, ':'); j >= 0 {
		if arch != "" {
			return "", "", "", fmt.Errorf("%q: architecture given twice", spec)
		}
		name, arch = name[:j], name[j+1:]
		if !isArchWord(arch) {
			return "", "", "", fmt.Errorf("%q: invalid architecture qualifier %q", spec, arch)
		}
	}
	if !validPackageName(name) {
		return "", "", "", fmt.Errorf("%q: invalid package name %q", spec, name)
	}
	return name, ver, arch, nil
}

func isArchWord(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validPackageName checks Debian package name syntax (lenient on case so
// that a typo gets a suggestion rather than a syntax error).
func validPackageName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (r *resolver) checkRootArch(spec, name, qual string) error {
	switch qual {
	case "", "any", "native", "all", r.arch:
		return nil
	}
	return fmt.Errorf("cannot install %s: the image is for %s, not %s", spec, r.arch, qual)
}

// archOK reports whether p can be installed on the target architecture.
func (r *resolver) archOK(p *Package) bool {
	return p.Architecture == r.arch || p.Architecture == "all"
}

// pkgVersion returns p's parsed version, or false when it is invalid.
func pkgVersion(p *Package) (version.Version, bool) {
	p.verOnce.Do(func() {
		p.ver, p.verErr = version.Parse(p.Version)
	})
	return p.ver, p.verErr == nil
}

// candidate returns the installation candidate for name: the pinned
// version, else the preferred one (Request.Prefer) when the indexes have
// it, else the highest version of arch or "all" across all indexes (the
// first index wins a tie).
func (r *resolver) candidate(name string) *Package {
	if p, ok := r.pins[name]; ok {
		return p
	}
	if p, ok := r.cands[name]; ok {
		return p
	}
	if v, ok := r.prefer[name]; ok {
		for _, x := range r.indexes {
			for p := x.first(name); p != nil; p = p.nextSame {
				if r.archOK(p) && p.Version == v {
					r.cands[name] = p
					return p
				}
			}
		}
	}
	best := r.newest(name)
	r.cands[name] = best
	return best
}

// newest returns the highest version of name for arch or "all" across
// all indexes (the first index wins a tie), nil when there is none.
func (r *resolver) newest(name string) *Package {
	var best *Package
	var bestV version.Version
	for _, x := range r.indexes {
		for p := x.first(name); p != nil; p = p.nextSame {
			if !r.archOK(p) {
				continue
			}
			v, ok := pkgVersion(p)
			if !ok {
				continue
			}
			if best == nil || version.Compare(v, bestV) > 0 {
				best, bestV = p, v
			}
		}
	}
	return best
}

// pin makes the root's exact version the candidate of name.
func (r *resolver) pin(name, ver, qual string) (*Package, error) {
	want, _ := version.Parse(ver)
	var avail []string
	for _, x := range r.indexes {
		for p := x.first(name); p != nil; p = p.nextSame {
			if !r.archOK(p) || qual == "all" && p.Architecture != "all" {
				continue
			}
			v, ok := pkgVersion(p)
			if !ok {
				continue
			}
			if version.Compare(v, want) == 0 {
				if old, ok := r.pins[name]; ok && old != p && old.Version != p.Version {
					return nil, fmt.Errorf("package %q is pinned to two versions (%s and %s)", name, old.Version, p.Version)
				}
				if _, ok := r.pins[name]; !ok {
					r.pins[name] = p
				}
				return r.pins[name], nil
			}
			avail = append(avail, p.Version)
		}
	}
	if len(avail) == 0 {
		if !r.nameExists(name) {
			return nil, &UnknownPackageError{Name: name, Suggestion: r.suggest(name)}
		}
		return nil, fmt.Errorf("package %q has no version %s for %s", name, ver, r.arch)
	}
	sortVersions(avail)
	avail = compactStrings(avail)
	return nil, fmt.Errorf("package %q has no version %s (available: %s)", name, ver, strings.Join(avail, ", "))
}

func sortVersions(vs []string) {
	sort.SliceStable(vs, func(i, j int) bool {
		a, ea := version.Parse(vs[i])
		b, eb := version.Parse(vs[j])
		if ea != nil || eb != nil {
			return vs[i] < vs[j]
		}
		return version.Compare(a, b) > 0
	})
}

// known reports whether name is a real or virtual package for any
// architecture in the indexes.
func (r *resolver) known(name string) bool {
	return r.nameExists(name) || len(r.allProviders(name)) > 0
}

// nameExists reports whether a real package called name is in any index
// (any architecture).
func (r *resolver) nameExists(name string) bool {
	for _, x := range r.indexes {
		if x.first(name) != nil {
			return true
		}
	}
	return false
}

// allProviders returns every package (any version/arch) providing name.
func (r *resolver) allProviders(name string) []*Package {
	var out []*Package
	for _, x := range r.indexes {
		out = append(out, x.providers(name)...)
	}
	return out
}

// refVersion parses a relation's version number (cached).
func (r *resolver) refVersion(s string) *version.Version {
	if v, ok := r.refs[s]; ok {
		return v
	}
	var out *version.Version
	if v, err := version.Parse(s); err == nil {
		out = &v
	}
	r.refs[s] = out
	return out
}

// versionOK reports whether v satisfies rel (nil rel: always).
func (r *resolver) versionOK(v version.Version, rel *dependency.VersionRelation) bool {
	if rel == nil {
		return true
	}
	ref := r.refVersion(strings.TrimSpace(rel.Number))
	if ref == nil {
		return false
	}
	c := version.Compare(v, *ref)
	switch rel.Operator {
	case "<<":
		return c < 0
	case "<=", "<":
		return c <= 0
	case "=":
		return c == 0
	case ">=", ">":
		return c >= 0
	case ">>":
		return c > 0
	}
	return false
}

// pkgSatisfies reports whether real package p satisfies a relation on its
// own name with version restriction rel.
func (r *resolver) pkgSatisfies(p *Package, rel *dependency.VersionRelation) bool {
	if rel == nil {
		return true
	}
	v, ok := pkgVersion(p)
	return ok && r.versionOK(v, rel)
}

// provideSatisfies reports whether p provides name in a way that satisfies
// rel: any Provides entry for an unversioned relation, a versioned entry
// matching rel otherwise.
func (r *resolver) provideSatisfies(p *Package, name string, rel *dependency.VersionRelation) bool {
	for _, pr := range p.Provides {
		if pr.Name != name {
			continue
		}
		if rel == nil {
			return true
		}
		if pr.Version == "" {
			continue
		}
		if v := r.refVersion(pr.Version); v != nil && r.versionOK(*v, rel) {
			return true
		}
	}
	return false
}

// qualOK reports whether a possibility's architecture qualifier can be
// satisfied in a single-architecture image.
func (r *resolver) qualOK(poss dependency.Possibility) bool {
	if poss.Arch == nil {
		return true
	}
	switch archString(*poss.Arch) {
	case "any", "native", "all", r.arch:
		return true
	}
	return false
}

// satisfiedBySelection returns the name of a selected package satisfying
// poss (directly, else through Provides).
func (r *resolver) satisfiedBySelection(poss dependency.Possibility) (string, bool) {
	if !r.qualOK(poss) {
		return "", false
	}
	if s := r.sel[poss.Name]; s != nil && r.pkgSatisfies(s.pkg, poss.Version) {
		return poss.Name, true
	}
	for _, p := range r.selProv[poss.Name] {
		if r.provideSatisfies(p, poss.Name, poss.Version) {
			return p.Name, true
		}
	}
	return "", false
}

// candidateProviders returns the candidates (of their own names) that
// provide poss.Name satisfying its version, sorted by name.
func (r *resolver) candidateProviders(poss dependency.Possibility) (ok []*Package, unversioned []*Package) {
	seen := map[*Package]bool{}
	for _, x := range r.indexes {
		for _, p := range x.providers(poss.Name) {
			if seen[p] || !r.archOK(p) || r.candidate(p.Name) != p {
				continue
			}
			seen[p] = true
			if r.provideSatisfies(p, poss.Name, poss.Version) {
				ok = append(ok, p)
			} else {
				unversioned = append(unversioned, p)
			}
		}
	}
	byName := func(s []*Package) {
		sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}
	byName(ok)
	byName(unversioned)
	return ok, unversioned
}

// choose picks the package that would be installed for poss, or returns
// why none can be (p == nil, reason set). err is an AmbiguousError.
func (r *resolver) choose(poss dependency.Possibility, parent string) (p *Package, reason string, err error) {
	if !r.qualOK(poss) {
		return nil, fmt.Sprintf("architecture qualifier :%s cannot be satisfied in a %s image", archString(*poss.Arch), r.arch), nil
	}
	cand := r.candidate(poss.Name)
	if cand != nil && r.pkgSatisfies(cand, poss.Version) {
		return cand, "", nil
	}
	if _, preferred := r.prefer[poss.Name]; preferred {
		// The preferred version does not do: the newest may.
		if n := r.newest(poss.Name); n != nil && r.pkgSatisfies(n, poss.Version) {
			r.cands[poss.Name] = n
			return n, "", nil
		}
	}
	provs, others := r.candidateProviders(poss)
	if len(provs) == 0 {
		switch {
		case cand != nil:
			reason = fmt.Sprintf("no version satisfies it (candidate: %s %s from %s)", cand.Name, cand.Version, cand.Suite)
		case len(others) > 0 && poss.Version != nil:
			reason = fmt.Sprintf("no version satisfies it (%s only provided without a matching version by %s)", poss.Name, names(others))
		case r.nameExists(poss.Name):
			reason = fmt.Sprintf("not available for %s", r.arch)
		case len(r.allProviders(poss.Name)) > 0:
			reason = fmt.Sprintf("virtual package with no provider for %s", r.arch)
		default:
			reason = "no such package"
		}
		return nil, reason, nil
	}
	best := provs[:0:0]
	top := -1
	for _, q := range provs {
		switch rank := priorityRank(q.Priority); {
		case rank > top:
			top, best = rank, append(best[:0], q)
		case rank == top:
			best = append(best, q)
		}
	}
	if len(best) == 1 {
		return best[0], "", nil
	}
	for _, q := range best {
		if r.exclude[q.Name] {
			// The user excluded one of the candidates: nothing to choose.
			return q, "", nil
		}
	}
	var chain []string
	if parent != "" {
		chain = r.chain(parent)
	}
	return nil, "", &AmbiguousError{Chain: chain, Name: poss.Name, Providers: nameList(best)}
}

func nameList(ps []*Package) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func names(ps []*Package) string { return strings.Join(nameList(ps), ", ") }

func (r *resolver) selectPkg(p *Package, parent string) {
	r.sel[p.Name] = &selection{pkg: p, parent: parent}
	r.log = append(r.log, p.Name)
	for _, pr := range p.Provides {
		r.selProv[pr.Name] = append(r.selProv[pr.Name], p)
	}
}

// rollback undoes every selection made after the log had length mark.
func (r *resolver) rollback(mark int) {
	for i := len(r.log) - 1; i >= mark; i-- {
		name := r.log[i]
		s := r.sel[name]
		for j := len(s.pkg.Provides) - 1; j >= 0; j-- {
			pn := s.pkg.Provides[j].Name
			l := r.selProv[pn]
			if len(l) == 1 {
				delete(r.selProv, pn)
			} else {
				r.selProv[pn] = l[:len(l)-1]
			}
		}
		delete(r.sel, name)
		delete(r.edges, name)
	}
	r.log = r.log[:mark]
}

// chain returns the package names from the root to name.
func (r *resolver) chain(name string) []string {
	var out []string
	for n := name; n != ""; {
		out = append(out, n)
		s := r.sel[n]
		if s == nil || len(out) > len(r.sel) {
			break
		}
		n = s.parent
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// visit resolves the dependencies of the selected package p (once).
func (r *resolver) visit(p *Package) error {
	if _, done := r.edges[p.Name]; done {
		return nil
	}
	if err := p.ParseRelations(); err != nil {
		return fmt.Errorf("%s: %v", strings.Join(r.chain(p.Name), " -> "), err)
	}
	// Mark as visited before recursing (dependency cycles are common).
	r.edges[p.Name] = nil
	var deps []string
	for _, d := range []*dependency.Dependency{&p.PreDepends, &p.Depends} {
		for _, rel := range d.Relations {
			name, err := r.satisfy(p, rel)
			if err != nil {
				return err
			}
			if name != "" && name != p.Name {
				deps = append(deps, name)
			}
		}
	}
	sort.Strings(deps)
	deps = compactStrings(deps)
	if deps == nil {
		deps = []string{}
	}
	r.edges[p.Name] = deps
	return nil
}

func compactStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// relString formats a relation as in a control file.
func relString(alts []dependency.Possibility) string {
	parts := make([]string, len(alts))
	for i, p := range alts {
		parts[i] = possString(p)
	}
	return strings.Join(parts, " | ")
}

func possString(p dependency.Possibility) string {
	s := p.Name
	if p.Arch != nil {
		s += ":" + archString(*p.Arch)
	}
	if p.Version != nil {
		s += " (" + p.Version.Operator + " " + p.Version.Number + ")"
	}
	return s
}

// archString is Arch.String, which panics when the CPU part contains a
// "-" (as an index's "Depends: x:----" gives): such an architecture is
// printed as its parts.
func archString(a dependency.Arch) string {
	if strings.Contains(a.CPU, "-") {
		return strings.Join([]string{a.ABI, a.Libc, a.OS, a.CPU}, "-")
	}
	return a.String()
}

// isHard reports errors that must not be retried with another alternative.
func isHard(err error) bool {
	var u *UnsatisfiableError
	return !errors.As(err, &u)
}

// satisfy makes sure relation rel of parent is satisfied and returns the
// name of the package satisfying it ("" when satisfied by exclusion).
func (r *resolver) satisfy(parent *Package, rel dependency.Relation) (string, error) {
	// Drop possibilities restricted to other architectures, and substvars.
	alts := make([]dependency.Possibility, 0, len(rel.Possibilities))
	for _, poss := range rel.Possibilities {
		if poss.Substvar || poss.Architectures != nil && !poss.Architectures.Matches(&r.target) {
			continue
		}
		alts = append(alts, poss)
	}
	if len(alts) == 0 {
		return "", nil
	}
	for _, poss := range alts {
		if name, ok := r.satisfiedBySelection(poss); ok {
			return name, nil
		}
	}
	var reasons []string
	var deep error
	for _, poss := range alts {
		if r.exclude[poss.Name] {
			return "", nil
		}
		p, reason, err := r.choose(poss, parent.Name)
		if err != nil {
			return "", err
		}
		if p == nil {
			if len(alts) > 1 {
				reason = possString(poss) + ": " + reason
			}
			reasons = append(reasons, reason)
			continue
		}
		if r.exclude[p.Name] {
			return "", nil
		}
		if r.isInstalled(p.Name) {
			return "", &ReplaceInstalledError{Name: p.Name, Installed: r.sel[p.Name].pkg.Version, Wanted: p.Version,
				Chain: r.chain(parent.Name), Relation: possString(poss)}
		}
		if r.sel[p.Name] != nil {
			return p.Name, nil
		}
		mark := len(r.log)
		r.selectPkg(p, parent.Name)
		err = r.visit(p)
		if err == nil {
			return p.Name, nil
		}
		if len(alts) == 1 || isHard(err) {
			return "", err
		}
		// apt falls back to the next alternative when the installation of
		// this one fails.
		r.rollback(mark)
		if deep == nil {
			deep = err
		}
		reasons = append(reasons, possString(poss)+": "+err.Error())
	}
	if deep != nil {
		return "", deep
	}
	return "", &UnsatisfiableError{Chain: r.chain(parent.Name), Relation: relString(alts), Reason: strings.Join(reasons, "; ")}
}

// checkConflicts checks Conflicts and Breaks on the final selection.
func (r *resolver) checkConflicts() error {
	names := make([]string, 0, len(r.sel))
	for n := range r.sel {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := r.sel[n].pkg
		if err := p.ParseRelations(); err != nil {
			return err
		}
		for _, f := range []struct {
			field string
			dep   *dependency.Dependency
		}{{"Conflicts", &p.Conflicts}, {"Breaks", &p.Breaks}} {
			for _, rel := range f.dep.Relations {
				for _, poss := range rel.Possibilities {
					if poss.Substvar || poss.Architectures != nil && !poss.Architectures.Matches(&r.target) || !r.qualOK(poss) {
						continue
					}
					var other *Package
					if s := r.sel[poss.Name]; s != nil && s.pkg != p && r.pkgSatisfies(s.pkg, poss.Version) {
						other = s.pkg
					}
					if other == nil {
						for _, q := range r.selProv[poss.Name] {
							if q != p && r.provideSatisfies(q, poss.Name, poss.Version) {
								other = q
								break
							}
						}
					}
					if other != nil {
						return &ConflictError{
							Package: p.Name, Version: p.Version, Field: f.field, Relation: possString(poss),
							Other: other.Name, OtherVersion: other.Version,
							ChainPkg: r.chain(p.Name), ChainOther: r.chain(other.Name),
						}
					}
				}
			}
		}
	}
	return nil
}
