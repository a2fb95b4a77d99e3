// Package fakemirror serves a small, signed Debian archive on loopback for
// tests. From a declarative description (suites holding packages with their
// relations and files) it builds the .debs (with internal/debtest), the
// Packages, Packages.gz and Packages.xz indexes, their by-hash copies and an
// InRelease clear-signed by a throw-away key, and serves them with
// net/http/httptest.
//
// The server can misbehave on request, for one path, a path prefix or every
// request: see Fault. Nothing is downloaded and no mirror host is named;
// clients trust the archive through Server.Keyring or Server.ArmoredKeyring.
package fakemirror

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
	"github.com/distrofile/distrofile/internal/sha256hex"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// Package is one binary package of a Suite.
type Package struct {
	Name, Version string
	// Arch is the Architecture; "" means "amd64". Packages of arch "all"
	// are listed in the index of every architecture of the suite.
	Arch string
	// Component is the archive component; "" means "main".
	Component string
	// Relationship fields, written verbatim when not empty.
	Depends, PreDepends, Recommends, Conflicts, Breaks, Provides string
	// MultiArch, Priority (default "optional") and Section (default
	// "misc") are the stanza fields of the same names.
	MultiArch, Priority, Section string
	Essential                    bool
	// Files maps absolute paths to file contents; files below a bin or
	// sbin directory get mode 0755, others 0644. Parent directories are
	// added as dpkg-deb would.
	Files map[string]string
	// Entries are extra data.tar entries, written verbatim after Files
	// (symlinks, hostile names...).
	Entries []debtest.Entry
	// Extra are additional "Field: value" lines for the control file and
	// the Packages stanza.
	Extra []string
}

func (p Package) arch() string {
	if p.Arch == "" {
		return "amd64"
	}
	return p.Arch
}

func (p Package) component() string {
	if p.Component == "" {
		return "main"
	}
	return p.Component
}

// Suite is one directory under dists/.
type Suite struct {
	// Dist is the directory name under dists/, e.g. "trixie" or
	// "trixie-security".
	Dist string
	// Root is the archive root below the server, "debian" when empty (use
	// "debian-security" for the security suites).
	Root string
	// Suite and Codename are the Release fields; Codename defaults to Dist
	// and Suite to Codename.
	Suite, Codename string
	// Architectures of the suite; empty means amd64 only.
	Architectures []string
	// Packages of the suite, in index order.
	Packages []Package
}

func (s Suite) root() string {
	if s.Root == "" {
		return "debian"
	}
	return s.Root
}

func (s Suite) archs() []string {
	if len(s.Architectures) == 0 {
		return []string{"amd64"}
	}
	return s.Architectures
}

// Archive describes everything a Server serves.
type Archive struct {
	Suites []Suite
	// Date is the Release date and signature time; zero means an hour
	// ago (whole seconds). The signing key is created an hour before it.
	Date time.Time
	// ValidFor is the time from Date to Valid-Until; zero means a week.
	ValidFor time.Duration
}

// Fault is a misbehaviour of the server.
type Fault int

// The faults. WrongSignature, UnknownKey and Expired change InRelease
// files only; the others apply to any path.
const (
	// OK serves the file as generated.
	OK Fault = iota
	// WrongSignature serves an InRelease whose signed text was changed
	// after signing: the key is trusted but the signature does not verify.
	WrongSignature
	// UnknownKey serves an InRelease signed by a key that is not in
	// Keyring.
	UnknownKey
	// Expired serves an InRelease, correctly signed, whose Valid-Until
	// (Date + 1s) has passed.
	Expired
	// HashMismatch serves the file with its last byte changed: the size
	// is right, the SHA-256 is not.
	HashMismatch
	// Truncated announces the full Content-Length, sends half of the body
	// and closes the connection.
	Truncated
	// NotFound answers 404 Not Found.
	NotFound
	// ServerError answers 500 Internal Server Error.
	ServerError
	// Slow sends the body in Server.SlowChunk-byte pieces, Server.SlowDelay
	// apart.
	Slow
	// RedirectLoop answers 302 Found pointing back at the same URL.
	RedirectLoop
)

// Faults lists every fault but OK.
var Faults = []Fault{WrongSignature, UnknownKey, Expired, HashMismatch, Truncated, NotFound, ServerError, Slow, RedirectLoop}

var faultNames = []string{"OK", "WrongSignature", "UnknownKey", "Expired", "HashMismatch", "Truncated", "NotFound", "ServerError", "Slow", "RedirectLoop"}

// String returns the fault's name.
func (f Fault) String() string {
	if int(f) >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Deb is a generated package file.
type Deb struct {
	Package Package
	// Path is relative to the server root ("debian/pool/main/h/hello/…").
	Path string
	// URL is the absolute URL of the file on the server.
	URL    string
	SHA256 string
	Size   int64
	Data   []byte
}

type rule struct {
	pattern string // exact path, or a prefix when it ends in "*"
	fault   Fault
}

// Server serves an Archive on a loopback address.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:34567.
	URL string
	// Date and ValidUntil are the Release fields of every suite.
	Date, ValidUntil time.Time
	// Key is the archive's signing key (with its private part).
	Key *openpgp.Entity
	// Keyring holds the public key clients must trust; ArmoredKeyring is
	// the same as an ASCII-armored file (what SOURCE --keyring reads).
	Keyring        openpgp.EntityList
	ArmoredKeyring []byte
	// SlowDelay and SlowChunk shape the Slow fault (defaults 50ms and 256
	// bytes). Set them before requests are made.
	SlowDelay time.Duration
	SlowChunk int

	srv      *httptest.Server
	files    map[string][]byte
	variants map[string]map[Fault][]byte // InRelease path → fault → content
	suites   []Suite
	debs     []Deb

	mu       sync.Mutex
	rules    []rule
	global   Fault
	requests map[string]int
}

// New starts a server for a and closes it when the test ends.
func New(t testing.TB, a Archive) *Server {
	t.Helper()
	s, err := Start(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start builds a's files and starts serving them on 127.0.0.1. Call Close
// when done.
func Start(a Archive) (*Server, error) {
	s := &Server{
		Date:      a.Date,
		files:     map[string][]byte{},
		variants:  map[string]map[Fault][]byte{},
		requests:  map[string]int{},
		SlowDelay: 50 * time.Millisecond,
		SlowChunk: 256,
	}
	if s.Date.IsZero() {
		s.Date = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	}
	validFor := a.ValidFor
	if validFor == 0 {
		validFor = 7 * 24 * time.Hour
	}
	s.ValidUntil = s.Date.Add(validFor)
	var err error
	if s.Key, err = archivetest.NewKey("fakemirror archive key", s.Date.Add(-time.Hour)); err != nil {
		return nil, err
	}
	if s.Keyring, err = archivetest.Keyring(s.Key); err != nil {
		return nil, err
	}
	if s.ArmoredKeyring, err = archivetest.ArmoredPublicKey(s.Key); err != nil {
		return nil, err
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	other, err := archivetest.NewKey("fakemirror unknown key", s.Date.Add(-time.Hour))
	if err != nil {
		s.Close()
		return nil, err
	}
	seen := map[string]bool{}
	for _, su := range a.Suites {
		if su.Dist == "" || seen[su.root()+"/"+su.Dist] {
			s.Close()
			return nil, fmt.Errorf("fakemirror: suite with empty or duplicate Dist %q", su.Dist)
		}
		seen[su.root()+"/"+su.Dist] = true
		if err := s.addSuite(su, other); err != nil {
			s.Close()
			return nil, err
		}
		s.suites = append(s.suites, su)
	}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// ArchiveURL returns the URL of an archive root ("" means "debian"), as a
// Source's URL.
func (s *Server) ArchiveURL(root string) string {
	if root == "" {
		root = "debian"
	}
	return s.URL + "/" + root
}

func (s *Server) suite(dist string) (Suite, bool) {
	for _, su := range s.suites {
		if su.Dist == dist {
			return su, true
		}
	}
	return Suite{}, false
}

// InReleasePath returns the path (relative to the server root) of the
// InRelease of the suite whose Dist is dist.
func (s *Server) InReleasePath(dist string) string {
	su, _ := s.suite(dist)
	return su.root() + "/dists/" + dist + "/InRelease"
}

// IndexPath returns the path of comp/binary-arch/<name> of dist, where name
// is "Packages.gz", "Packages.xz" or "Packages".
func (s *Server) IndexPath(dist, comp, arch, name string) string {
	su, _ := s.suite(dist)
	return su.root() + "/dists/" + dist + "/" + comp + "/binary-" + arch + "/" + name
}

// ByHashPath returns the by-hash path of the same file (the path clients
// that honour Acquire-By-Hash fetch), or "" when there is no such file.
func (s *Server) ByHashPath(dist, comp, arch, name string) string {
	b, ok := s.files[s.IndexPath(dist, comp, arch, name)]
	if !ok {
		return ""
	}
	return path.Dir(s.IndexPath(dist, comp, arch, name)) + "/by-hash/SHA256/" + sha256hex.Sum(b)
}

// Debs returns the generated package files, in suite and package order.
func (s *Server) Debs() []Deb { return slices.Clone(s.debs) }

// Deb returns the first generated package file named name.
func (s *Server) Deb(name string) (Deb, bool) {
	for _, d := range s.debs {
		if d.Package.Name == name {
			return d, true
		}
	}
	return Deb{}, false
}

// File returns the content served at path (relative to the server root)
// when no fault applies.
func (s *Server) File(path string) ([]byte, bool) {
	b, ok := s.files[path]
	return b, ok
}

// Paths lists every served path, sorted.
func (s *Server) Paths() []string {
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Fail makes requests for pattern misbehave with f (OK removes the
// misbehaviour). pattern is a path relative to the server root, or a
// prefix of paths when it ends in "*". The rule added last wins, and path
// rules win over FailAll.
func (s *Server) Fail(pattern string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, rule{pattern, f})
}

// FailAll makes every request misbehave with f, unless a Fail rule
// matches its path (OK restores normal service).
func (s *Server) FailAll(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.global = f
}

// Reset removes every misbehaviour and forgets the request counts.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules, s.global, s.requests = nil, OK, map[string]int{}
}

// Requests returns how many requests were made for path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Server) fault(p string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[p]++
	for i := len(s.rules) - 1; i >= 0; i-- {
		r := s.rules[i]
		if r.pattern == p || strings.HasSuffix(r.pattern, "*") && strings.HasPrefix(p, strings.TrimSuffix(r.pattern, "*")) {
			return r.fault
		}
	}
	return s.global
}

// Corrupt returns a copy of b with its last byte changed (what HashMismatch
// serves).
func Corrupt(b []byte) []byte {
	c := bytes.Clone(b)
	if len(c) > 0 {
		c[len(c)-1] ^= 0x55
	}
	return c
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	f := s.fault(p)
	switch f {
	case NotFound:
		http.NotFound(w, r)
		return
	case ServerError:
		http.Error(w, "injected failure", http.StatusInternalServerError)
		return
	case RedirectLoop:
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
		return
	}
	data, ok := s.files[p]
	if v, has := s.variants[p][f]; has {
		data = v
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if f == HashMismatch {
		data = Corrupt(data)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method == http.MethodHead {
		return
	}
	switch f {
	case Truncated:
		w.Write(data[:len(data)/2])
		// Returning with fewer bytes than announced makes the server
		// close the connection: the client sees an unexpected EOF.
	case Slow:
		fl, _ := w.(http.Flusher)
		chunk := max(s.SlowChunk, 1)
		for len(data) > 0 {
			n := min(chunk, len(data))
			if _, err := w.Write(data[:n]); err != nil {
				return
			}
			data = data[n:]
			if fl != nil {
				fl.Flush()
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(s.SlowDelay):
			}
		}
	default:
		w.Write(data)
	}
}

// poolPath is Debian's pool layout: pool/<comp>/<l or libX>/<name>/<name>_<version without epoch>_<arch>.deb.
func poolPath(p Package) string {
	first := p.Name[:1]
	if strings.HasPrefix(p.Name, "lib") && len(p.Name) > 3 {
		first = p.Name[:4]
	}
	ver := p.Version
	if i := strings.IndexByte(ver, ':'); i >= 0 {
		ver = ver[i+1:]
	}
	return fmt.Sprintf("pool/%s/%s/%s/%s_%s_%s.deb", p.component(), first, p.Name, p.Name, ver, p.arch())
}

// control returns the package's control paragraph (without the archive
// fields Filename, Size and SHA256).
func control(p Package, installedKiB int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Package: %s\nVersion: %s\nArchitecture: %s\n", p.Name, p.Version, p.arch())
	if p.MultiArch != "" {
		fmt.Fprintf(&b, "Multi-Arch: %s\n", p.MultiArch)
	}
	if p.Essential {
		b.WriteString("Essential: yes\n")
	}
	prio, sect := p.Priority, p.Section
	if prio == "" {
		prio = "optional"
	}
	if sect == "" {
		sect = "misc"
	}
	fmt.Fprintf(&b, "Priority: %s\nSection: %s\nMaintainer: Fake Mirror <fake@example.invalid>\nInstalled-Size: %d\n", prio, sect, installedKiB)
	for _, f := range []struct{ name, val string }{
		{"Pre-Depends", p.PreDepends}, {"Depends", p.Depends}, {"Recommends", p.Recommends},
		{"Conflicts", p.Conflicts}, {"Breaks", p.Breaks}, {"Provides", p.Provides},
	} {
		if f.val != "" {
			fmt.Fprintf(&b, "%s: %s\n", f.name, f.val)
		}
	}
	for _, e := range p.Extra {
		b.WriteString(strings.TrimRight(e, "\n"))
		b.WriteByte('\n')
	}
	return b.String()
}

// buildDeb returns the .deb of p and its control paragraph without the
// Description (which the Packages stanza puts last).
func buildDeb(p Package) ([]byte, string, error) {
	var entries []debtest.Entry
	size := 0
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !path.IsAbs(n) {
			return nil, "", fmt.Errorf("fakemirror: package %s: file %q is not absolute", p.Name, n)
		}
		mode := int64(0o644)
		if d := path.Base(path.Dir(n)); d == "bin" || d == "sbin" {
			mode = 0o755
		}
		entries = append(entries, debtest.File("."+path.Clean(n), mode, p.Files[n]))
		size += len(p.Files[n])
	}
	entries = debtest.WithParents(entries)
	entries = append(entries, p.Entries...)
	ctrl := control(p, size/1024+1)
	b, err := debtest.Deb{Control: ctrl + "Description: " + p.Name + " (fakemirror)\n", Entries: entries, Md5sums: true}.Bytes()
	return b, ctrl, err
}

func (s *Server) addSuite(su Suite, other *openpgp.Entity) error {
	root := su.root()
	dists := root + "/dists/" + su.Dist + "/"
	codename := su.Codename
	if codename == "" {
		codename = su.Dist
	}
	suiteName := su.Suite
	if suiteName == "" {
		suiteName = codename
	}
	// Build every package once, in order.
	stanzas := map[string]string{} // pool path → stanza
	var order []Package
	for _, p := range su.Packages {
		if p.Name == "" || p.Version == "" {
			return fmt.Errorf("fakemirror: suite %s: package without Name or Version", su.Dist)
		}
		data, ctrl, err := buildDeb(p)
		if err != nil {
			return err
		}
		pp := poolPath(p)
		full := root + "/" + pp
		if old, ok := s.files[full]; ok && !bytes.Equal(old, data) {
			return fmt.Errorf("fakemirror: two different packages at %s", full)
		}
		s.files[full] = data
		s.debs = append(s.debs, Deb{Package: p, Path: full, URL: s.URL + "/" + full, SHA256: sha256hex.Sum(data), Size: int64(len(data)), Data: data})
		stanzas[pp] = ctrl + fmt.Sprintf("Filename: %s\nSize: %d\nSHA256: %s\nDescription: %s (fakemirror)\n", pp, len(data), sha256hex.Sum(data), p.Name)
		order = append(order, p)
	}
	comps := map[string]bool{"main": true}
	for _, p := range order {
		comps[p.component()] = true
	}
	compList := slices.Sorted(maps.Keys(comps))
	type entry struct {
		path string
		data []byte
	}
	var entries []entry
	for _, comp := range compList {
		for _, arch := range su.archs() {
			var text strings.Builder
			for _, p := range order {
				if p.component() != comp || (p.arch() != arch && p.arch() != "all") {
					continue
				}
				if text.Len() > 0 {
					text.WriteByte('\n')
				}
				text.WriteString(stanzas[poolPath(p)])
			}
			plain := []byte(text.String())
			dir := comp + "/binary-" + arch + "/"
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			_, _ = zw.Write(plain)
			if err := zw.Close(); err != nil {
				return err
			}
			var xzb bytes.Buffer
			xw, err := xz.NewWriter(&xzb)
			if err != nil {
				return err
			}
			_, _ = xw.Write(plain)
			if err := xw.Close(); err != nil {
				return err
			}
			entries = append(entries, entry{dir + "Packages", plain}, entry{dir + "Packages.gz", gz.Bytes()}, entry{dir + "Packages.xz", xzb.Bytes()})
		}
	}
	release := func(validUntil time.Time) []byte {
		var rel strings.Builder
		fmt.Fprintf(&rel, "Origin: Fake\nLabel: Fake\nSuite: %s\nCodename: %s\n", suiteName, codename)
		fmt.Fprintf(&rel, "Date: %s\nValid-Until: %s\n", s.Date.UTC().Format(time.RFC1123), validUntil.UTC().Format(time.RFC1123))
		fmt.Fprintf(&rel, "Acquire-By-Hash: yes\nNo-Support-for-Architecture-all: Packages\n")
		fmt.Fprintf(&rel, "Architectures: all %s\nComponents: %s\nDescription: fakemirror test archive\nSHA256:\n",
			strings.Join(su.archs(), " "), strings.Join(compList, " "))
		for _, e := range entries {
			fmt.Fprintf(&rel, " %s %8d %s\n", sha256hex.Sum(e.data), len(e.data), e.path)
		}
		return []byte(rel.String())
	}
	for _, e := range entries {
		s.files[dists+e.path] = e.data
		s.files[dists+path.Dir(e.path)+"/by-hash/SHA256/"+sha256hex.Sum(e.data)] = e.data
	}
	body := release(s.ValidUntil)
	signed, err := archivetest.ClearSign(s.Key, body, s.Date)
	if err != nil {
		return err
	}
	inRelease := dists + "InRelease"
	s.files[inRelease] = signed
	s.files[dists+"Release"] = body
	v := map[Fault][]byte{}
	// Changed after signing: same key, broken signature.
	v[WrongSignature] = bytes.Replace(signed, []byte("\nLabel: Fake\n"), []byte("\nLabel: Fakf\n"), 1)
	if v[UnknownKey], err = archivetest.ClearSign(other, body, s.Date); err != nil {
		return err
	}
	if v[Expired], err = archivetest.ClearSign(s.Key, release(s.Date.Add(time.Second)), s.Date); err != nil {
		return err
	}
	s.variants[inRelease] = v
	return nil
}
