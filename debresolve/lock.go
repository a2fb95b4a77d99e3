package debresolve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/distrofile/distrofile/internal/sha256hex"
)

// LockVersion is the newest format version of Distrofile.lock, which
// ParseLock reads along with the older ones. Version 2 added the record of
// DROP scans (LockStage.Drop, LockPackage.Drops), version 3 the package
// of the C.utf8 locale (LockArch.Locale). A lock is written with the
// oldest version that has what it records, so that older frontends still
// read it.
const LockVersion = lockVersionImage

const (
	// lockVersionNoDrop is the version written when no stage has
	// LockStage.Drop or a LockArch.Locale.
	lockVersionNoDrop = 1
	// lockVersionDrop is the version written when a stage has
	// LockStage.Drop and none has a LockArch.Locale.
	lockVersionDrop = 2
	// lockVersionLocale is the first version with LockArch.Locale.
	lockVersionLocale = 3
	// lockVersionImage is the first version with LockInputs.Image and
	// LockStage.ImageDigest.
	lockVersionImage = 4
)

// LockFileName is the lock file's name, next to the Distrofile.
const LockFileName = "Distrofile.lock"

// Lock is the content of a Distrofile.lock: for every stage that installs
// packages, the inputs it was resolved from, the sources with the InRelease
// they were resolved against, and per architecture the closure with each
// package pinned by archive path, size and sha256 and its dependency edges.
//
// The file is JSON written in a fixed layout (see Marshal): objects have a
// fixed key order, every package is one line, packages are sorted by name
// and architectures by name, so the same lock is always the same bytes and a
// change of one package is a one-line diff. Archive URLs are recorded for
// information only: a package's URL is the stage's current source URL plus
// its path, so a lock stays valid on any mirror (the sha256 pins content).
type Lock struct {
	// Version is LockVersion.
	Version int `json:"lockfile_version"`
	// InputsSHA256 digests every stage's inputs (see LockStage.InputsSHA256).
	InputsSHA256 string `json:"inputs_sha256"`
	// Stages lists the stages that install packages, in file order.
	Stages []*LockStage `json:"stages"`
}

// LockStage is the lock of one stage.
type LockStage struct {
	// Stage is the stage's AS name, or its index ("0") when it has none.
	Stage string `json:"stage"`
	// InputsSHA256 is the SHA-256 of Inputs' canonical JSON.
	InputsSHA256 string `json:"inputs_sha256"`
	// Inputs is what the closures were computed from.
	Inputs LockInputs `json:"inputs"`
	// Sources are the APT sources in order, with their InRelease.
	Sources []LockSource `json:"sources"`
	// Drop, for a stage with DROP lines, says which of them the packages'
	// Drops were scanned for.
	Drop *LockDrop `json:"drop,omitempty"`
	// ImageDigest, for a stage that installs on top of an image, is the
	// digest the image had when the closures were resolved against its
	// packages: a locked build uses the image at that digest.
	ImageDigest string `json:"image_digest,omitempty"`
	// Archs holds one closure per architecture, sorted by Arch.
	Archs []*LockArch `json:"archs"`
}

// LockDrop describes a scan of a stage's packages for its DROP
// specifications: LockPackage.Drops lists those of Specs that remove
// something from the package when it is extracted with UsrMerge, as
// decided by version Version of the extraction's matcher
// (debextract.DropVersion). A build passes each extraction only the
// specifications that change its packages, so that a changed DROP line
// re-extracts only the packages it affects. It is not an input of the
// closures: a build that cannot use it (another version, another usrmerge
// setting, a specification that was not scanned) passes that
// specification to every extraction, which gives the same image.
type LockDrop struct {
	Version  int      `json:"version"`
	UsrMerge bool     `json:"usrmerge"`
	Specs    []string `json:"specs"`
}

// LockInputs are the parts of a stage that determine its closures. Mirror
// URLs of the distribution's own archive are not inputs (the lock is valid on
// any mirror); SOURCE URLs are.
type LockInputs struct {
	// Distro, Suite and Snapshot come from FROM <distro>:<suite>[@<snapshot>],
	// or, for a stage that installs on top of an image, Distro and Suite
	// from the image's os-release and Image is the image as FROM names it.
	Distro   string `json:"distro"`
	Suite    string `json:"suite"`
	Snapshot string `json:"snapshot,omitempty"`
	Image    string `json:"image,omitempty"`
	// Sources are the SOURCE lines of the stage.
	Sources []LockSourceInput `json:"sources,omitempty"`
	// Roots are the INSTALL arguments in order, Excludes the EXCLUDE ones.
	Roots    []string `json:"roots"`
	Excludes []string `json:"excludes,omitempty"`
}

// LockSourceInput is one SOURCE line as an input of the lock.
type LockSourceInput struct {
	URL        string   `json:"url"`
	Suite      string   `json:"suite"`
	Components []string `json:"components,omitempty"`
	Archs      []string `json:"archs,omitempty"`
	// KeyringSHA256 is the digest of the --keyring file ("" for none).
	KeyringSHA256 string `json:"keyring_sha256,omitempty"`
	Insecure      bool   `json:"insecure,omitempty"`
}

// LockSource is one source a stage was resolved against.
type LockSource struct {
	// URL is the archive root at lock time (information only for the
	// distribution's own sources).
	URL        string   `json:"url"`
	Suite      string   `json:"suite"`
	Components []string `json:"components"`
	// Date is the InRelease Date (RFC 3339, UTC); InReleaseSHA256 the
	// digest of the InRelease file as fetched.
	Date            string `json:"date"`
	InReleaseSHA256 string `json:"inrelease_sha256"`
}

// LockArch is the closure of one stage for one architecture.
type LockArch struct {
	Arch string `json:"arch"`
	// Roots are the closure's packages chosen for the INSTALL roots.
	Roots []string `json:"roots"`
	// Packages is the closure sorted by name.
	Packages []LockPackage `json:"packages"`
	// Locale, when set, is the package the image takes the C.utf8 locale
	// from (Closure.Locale); its Depends are empty. A lock written before
	// version 3 has none: a build from it has no locale, and says so.
	Locale *LockPackage `json:"locale,omitempty"`
}

// LockPackage is one pinned package.
type LockPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	// Suite is the codename with pocket the package came from; Source the
	// index of its source in LockStage.Sources.
	Suite  string `json:"suite"`
	Source int    `json:"source"`
	// Path is the archive path (Filename), SHA256 and Size pin the .deb.
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Depends are the closure packages that satisfy its Depends and
	// Pre-Depends, sorted.
	Depends []string `json:"depends"`
	// Drops are the specifications of the stage's LockDrop that remove
	// something from the package, in LockDrop.Specs order.
	Drops []string `json:"drops,omitempty"`
}

// Digest returns the SHA-256 (hex) of the inputs' canonical JSON.
func (in LockInputs) Digest() string {
	b, _ := json.Marshal(in)
	return sha256hex.Sum(b)
}

// Diff describes how in differs from old ("" when equal), for messages
// such as `INSTALL: added curl; removed perl`.
func (in LockInputs) Diff(old LockInputs) string {
	var d []string
	if in.Distro != old.Distro || in.Suite != old.Suite {
		d = append(d, fmt.Sprintf("FROM %s:%s (the lock has %s:%s)", in.Distro, in.Suite, old.Distro, old.Suite))
	}
	if in.Snapshot != old.Snapshot {
		d = append(d, fmt.Sprintf("snapshot %q (the lock has %q)", in.Snapshot, old.Snapshot))
	}
	if s := listDiff(in.Roots, old.Roots); s != "" {
		d = append(d, "INSTALL: "+s)
	}
	if s := listDiff(in.Excludes, old.Excludes); s != "" {
		d = append(d, "EXCLUDE: "+s)
	}
	str := func(xs []LockSourceInput) []string {
		var out []string
		for _, x := range xs {
			b, _ := json.Marshal(x)
			out = append(out, string(b))
		}
		return out
	}
	if s := listDiff(str(in.Sources), str(old.Sources)); s != "" {
		d = append(d, "SOURCE: "+s)
	}
	if len(d) == 0 && in.Digest() != old.Digest() {
		d = append(d, "the order of INSTALL arguments")
	}
	return strings.Join(d, "; ")
}

// Diff describes how the specifications now differ from those d was
// scanned for ("" when they are the same, in the same order), e.g.
// "added /usr/share/man/**".
func (d *LockDrop) Diff(now []string) string {
	if s := listDiff(now, d.Specs); s != "" {
		return s
	}
	if !slices.Equal(now, d.Specs) {
		return "the order of the specifications"
	}
	return ""
}

// listDiff says which items were added to or removed from old.
func listDiff(now, old []string) string {
	var add, del []string
	for _, x := range now {
		if !slices.Contains(old, x) {
			add = append(add, x)
		}
	}
	for _, x := range old {
		if !slices.Contains(now, x) {
			del = append(del, x)
		}
	}
	var parts []string
	if len(add) > 0 {
		parts = append(parts, "added "+strings.Join(add, " "))
	}
	if len(del) > 0 {
		parts = append(parts, "removed "+strings.Join(del, " "))
	}
	return strings.Join(parts, ", ")
}

// Stage returns the stage locked under name, or nil.
func (l *Lock) Stage(name string) *LockStage {
	for _, s := range l.Stages {
		if s.Stage == name {
			return s
		}
	}
	return nil
}

// Arch returns the closure for arch, or nil.
func (s *LockStage) Arch(arch string) *LockArch {
	for _, a := range s.Archs {
		if a.Arch == arch {
			return a
		}
	}
	return nil
}

// NewLockStage starts the lock of a stage resolved from sources: releases
// (the verified InRelease per source, as in Index.Release) give each
// source's date and digest.
func NewLockStage(name string, in LockInputs, sources []Source, indexes []*Index) *LockStage {
	releases := make([]*Release, len(sources))
	for i, src := range sources {
		for _, x := range indexes {
			if x.Release != nil && archiveRoot(x.Source) == archiveRoot(src) && x.Source.Suite == src.Suite {
				releases[i] = x.Release
				break
			}
		}
	}
	return NewLockStageFromReleases(name, in, sources, releases)
}

// NewLockStageFromReleases starts the lock of a stage resolved from
// sources, whose verified InRelease files are releases[i] (nil for a
// source that was not read: its date and digest stay empty).
func NewLockStageFromReleases(name string, in LockInputs, sources []Source, releases []*Release) *LockStage {
	ls := &LockStage{Stage: name, Inputs: in, InputsSHA256: in.Digest()}
	for i, src := range sources {
		s := LockSource{URL: archiveRoot(src), Suite: src.Suite, Components: src.Components}
		if len(s.Components) == 0 {
			s.Components = []string{"main"}
		}
		if i < len(releases) && releases[i] != nil {
			s.Date = releases[i].Date.UTC().Format(time.RFC3339)
			s.InReleaseSHA256 = releases[i].InReleaseSHA256
		}
		ls.Sources = append(ls.Sources, s)
	}
	return ls
}

// AddClosure records cl (resolved from indexes of the stage's sources) as
// the stage's closure for cl.Arch, replacing an earlier one.
func (s *LockStage) AddClosure(cl *Closure, indexes []*Index) error {
	// Which source each package came from: by archive root and suite.
	type key struct{ root, suite string }
	srcOf := map[key]int{}
	for _, x := range indexes {
		for i, ls := range s.Sources {
			if ls.URL == archiveRoot(x.Source) && ls.Suite == x.Source.Suite {
				if _, ok := srcOf[key{ls.URL, x.Suite}]; !ok {
					srcOf[key{ls.URL, x.Suite}] = i
				}
			}
		}
	}
	la, err := newLockArch(cl, func(p *Package) (int, error) {
		i := -1
		for k, v := range srcOf {
			if p.Suite == k.suite && strings.HasPrefix(p.URL, k.root+"/") && (i < 0 || v < i) {
				i = v
			}
		}
		if i < 0 {
			return 0, fmt.Errorf("lock: package %s (%s) comes from no source of the stage", p.ID(), p.URL)
		}
		return i, nil
	})
	if err != nil {
		return err
	}
	s.AddArch(la)
	return nil
}

// newLockArch returns cl in the lock's form; srcOf says which source a
// package came from.
func newLockArch(cl *Closure, srcOf func(*Package) (int, error)) (*LockArch, error) {
	la := &LockArch{Arch: cl.Arch, Roots: slices.Clone(cl.Roots), Packages: make([]LockPackage, 0, len(cl.Packages))}
	for _, p := range cl.Packages {
		i, err := srcOf(p)
		if err != nil {
			return nil, err
		}
		deps := slices.Clone(cl.Edges[p.Name])
		if deps == nil {
			deps = []string{}
		}
		la.Packages = append(la.Packages, LockPackage{
			Name: p.Name, Version: p.Version, Arch: p.Architecture, Suite: p.Suite, Source: i,
			Path: p.Filename, SHA256: p.SHA256, Size: p.Size, Depends: deps,
		})
	}
	sort.Slice(la.Packages, func(i, j int) bool { return la.Packages[i].Name < la.Packages[j].Name })
	if p := cl.Locale; p != nil {
		i, err := srcOf(p)
		if err != nil {
			return nil, err
		}
		la.Locale = &LockPackage{
			Name: p.Name, Version: p.Version, Arch: p.Architecture, Suite: p.Suite, Source: i,
			Path: p.Filename, SHA256: p.SHA256, Size: p.Size, Depends: []string{},
		}
	}
	return la, nil
}

// AddArch records la as the stage's closure for la.Arch, replacing an
// earlier one. Its packages' Source must be positions in s.Sources.
func (s *LockStage) AddArch(la *LockArch) {
	s.Archs = slices.DeleteFunc(s.Archs, func(a *LockArch) bool { return a.Arch == la.Arch })
	s.Archs = append(s.Archs, la)
	sort.Slice(s.Archs, func(i, j int) bool { return s.Archs[i].Arch < s.Archs[j].Arch })
}

// Closure returns the locked closure with packages fetched from sources (the
// stage's current sources, in the order of LockStage.Sources): each URL is
// the source's archive root plus the package's path. Relationship fields
// are not filled.
func (a *LockArch) Closure(sources []Source) (*Closure, error) {
	pkg := func(lp LockPackage) (*Package, error) {
		if lp.Source < 0 || lp.Source >= len(sources) {
			return nil, fmt.Errorf("lock: package %s refers to source %d, the stage has %d", lp.Name, lp.Source, len(sources))
		}
		return &Package{
			Name: lp.Name, Version: lp.Version, Architecture: lp.Arch, Suite: lp.Suite,
			Filename: lp.Path, URL: archiveRoot(sources[lp.Source]) + "/" + lp.Path, SHA256: lp.SHA256, Size: lp.Size,
		}, nil
	}
	cl := &Closure{Arch: a.Arch, Roots: slices.Clone(a.Roots), Packages: make([]*Package, 0, len(a.Packages)), Edges: a.Edges()}
	for _, lp := range a.Packages {
		p, err := pkg(lp)
		if err != nil {
			return nil, err
		}
		cl.Packages = append(cl.Packages, p)
	}
	if a.Locale != nil {
		p, err := pkg(*a.Locale)
		if err != nil {
			return nil, err
		}
		cl.Locale = p
	}
	return cl, nil
}

// Edges returns the dependency edges by package name, as in Closure.Edges.
func (a *LockArch) Edges() map[string][]string {
	m := make(map[string][]string, len(a.Packages))
	for _, p := range a.Packages {
		m[p.Name] = p.Depends
	}
	return m
}

// Finish computes the lock's InputsSHA256 from its stages, and its
// version: the oldest that has what the lock records (see LockVersion).
func (l *Lock) Finish() {
	l.Version = lockVersionNoDrop
	for _, s := range l.Stages {
		if s.Drop != nil {
			l.Version = max(l.Version, lockVersionDrop)
		}
		if s.ImageDigest != "" || s.Inputs.Image != "" {
			l.Version = max(l.Version, lockVersionImage)
		}
		for _, a := range s.Archs {
			if a.Locale != nil || a.has(LocaleLibc) && !a.has(LocalePackage) {
				l.Version = max(l.Version, lockVersionLocale)
			}
		}
	}
	h := sha256.New()
	for _, s := range l.Stages {
		fmt.Fprintf(h, "%s %s\n", s.Stage, s.InputsSHA256)
	}
	l.InputsSHA256 = hex.EncodeToString(h.Sum(nil))
}

// Marshal returns the lock's canonical bytes: two-space indented JSON with
// each source, package and the inputs on one line.
func (l *Lock) Marshal() []byte {
	var b bytes.Buffer
	line := func(v any) string {
		var w bytes.Buffer
		enc := json.NewEncoder(&w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // the lock's types always encode
		return strings.TrimSuffix(w.String(), "\n")
	}
	comma := func(i, n int) string {
		if i < n-1 {
			return ","
		}
		return ""
	}
	fmt.Fprintf(&b, "{\n  \"lockfile_version\": %d,\n  \"inputs_sha256\": %s,\n  \"stages\": [", l.Version, line(l.InputsSHA256))
	for i, s := range l.Stages {
		fmt.Fprintf(&b, "\n    {\n      \"stage\": %s,\n      \"inputs_sha256\": %s,\n      \"inputs\": %s,\n      \"sources\": [",
			line(s.Stage), line(s.InputsSHA256), line(s.Inputs))
		for j, src := range s.Sources {
			fmt.Fprintf(&b, "\n        %s%s", line(src), comma(j, len(s.Sources)))
		}
		b.WriteString("\n      ],")
		if s.Drop != nil {
			fmt.Fprintf(&b, "\n      \"drop\": %s,", line(s.Drop))
		}
		if s.ImageDigest != "" {
			fmt.Fprintf(&b, "\n      \"image_digest\": %s,", line(s.ImageDigest))
		}
		b.WriteString("\n      \"archs\": [")
		for j, a := range s.Archs {
			fmt.Fprintf(&b, "\n        {\n          \"arch\": %s,\n          \"roots\": %s,\n          \"packages\": [", line(a.Arch), line(nonNil(a.Roots)))
			for k, p := range a.Packages {
				fmt.Fprintf(&b, "\n            %s%s", line(p), comma(k, len(a.Packages)))
			}
			b.WriteString("\n          ]")
			if a.Locale != nil {
				fmt.Fprintf(&b, ",\n          \"locale\": %s", line(a.Locale))
			}
			fmt.Fprintf(&b, "\n        }%s", comma(j, len(s.Archs)))
		}
		fmt.Fprintf(&b, "\n      ]\n    }%s", comma(i, len(l.Stages)))
	}
	b.WriteString("\n  ]\n}\n")
	return b.Bytes()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseLock parses and checks a Distrofile.lock.
func ParseLock(data []byte) (*Lock, error) {
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v", LockFileName, err)
	}
	if l.Version < lockVersionNoDrop || l.Version > LockVersion {
		return nil, fmt.Errorf("%s: lockfile_version %d, this frontend reads versions %d to %d (rewrite it with DISTROFILE_LOCK=update or `distrofile lock`)", LockFileName, l.Version, lockVersionNoDrop, LockVersion)
	}
	for _, s := range l.Stages {
		if s == nil {
			return nil, fmt.Errorf("%s: null stage", LockFileName)
		}
		if got := s.Inputs.Digest(); got != s.InputsSHA256 {
			return nil, fmt.Errorf("%s: stage %s: inputs_sha256 does not match its inputs (edited by hand?)", LockFileName, s.Stage)
		}
		for _, a := range s.Archs {
			if a == nil {
				return nil, fmt.Errorf("%s: stage %s: null arch", LockFileName, s.Stage)
			}
			for _, p := range a.Packages {
				for _, d := range p.Drops {
					if s.Drop == nil || !slices.Contains(s.Drop.Specs, d) {
						return nil, fmt.Errorf("%s: stage %s, %s: package %q drops %q, which is not in the stage's drop specs", LockFileName, s.Stage, a.Arch, p.Name, d)
					}
				}
				if !p.valid(len(s.Sources)) {
					return nil, fmt.Errorf("%s: stage %s, %s: invalid package entry %q", LockFileName, s.Stage, a.Arch, p.Name)
				}
			}
			if p := a.Locale; p != nil && (!p.valid(len(s.Sources)) || len(p.Depends) > 0 || len(p.Drops) > 0) {
				return nil, fmt.Errorf("%s: stage %s, %s: invalid locale entry %q", LockFileName, s.Stage, a.Arch, p.Name)
			}
		}
	}
	return &l, nil
}

// PredatesLocale reports whether the lock was written in a version that
// has no LockArch.Locale: its closures with libc6 have no C.utf8 locale,
// which a new lock would add. (A lock with a closure that has libc6 and
// not libc-bin is written as version 3 at least, with or without the
// locale's package.)
func (l *Lock) PredatesLocale() bool {
	return l.Version < lockVersionLocale
}

// has reports whether the closure has the package name.
func (a *LockArch) has(name string) bool {
	_, ok := slices.BinarySearchFunc(a.Packages, name, func(p LockPackage, n string) int { return strings.Compare(p.Name, n) })
	return ok
}

// valid reports whether p has the fields a build needs, and a source
// among the stage's n.
func (p LockPackage) valid(n int) bool {
	return p.Name != "" && p.Version != "" && ArchivePath(p.Path) && hex64.MatchString(p.SHA256) && p.Size >= 0 &&
		p.Source >= 0 && p.Source < n
}

// WhyPaths returns, for each root (in order) from which target can be
// reached through edges, one shortest dependency path root → … → target.
func WhyPaths(edges map[string][]string, roots []string, target string) [][]string {
	var out [][]string
	for _, r := range roots {
		prev := map[string]string{r: ""}
		queue := []string{r}
		found := false
		for len(queue) > 0 && !found {
			n := queue[0]
			queue = queue[1:]
			if n == target {
				found = true
				break
			}
			for _, d := range edges[n] {
				if _, seen := prev[d]; !seen {
					prev[d] = n
					queue = append(queue, d)
				}
			}
		}
		if !found {
			continue
		}
		var path []string
		for n := target; n != ""; n = prev[n] {
			path = append(path, n)
		}
		slices.Reverse(path)
		out = append(out, path)
	}
	return out
}
