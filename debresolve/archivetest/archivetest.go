// Package archivetest builds small signed Debian archives in memory for
// tests: a throw-away OpenPGP key, clear-signed InRelease files, Packages
// indexes (gzip, xz or plain, reachable by hash) and an http.Handler or
// URL map serving them. Nothing is downloaded.
package archivetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/distrofile/distrofile/internal/sha256hex"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// NewKey generates an Ed25519 signing key for tests. created is the key's
// creation time (signatures must not predate it).
func NewKey(name string, created time.Time) (*openpgp.Entity, error) {
	cfg := &packet.Config{
		Algorithm: packet.PubKeyAlgoEdDSA,
		Time:      func() time.Time { return created },
	}
	return openpgp.NewEntity(name, "test archive key", "archive@example.invalid", cfg)
}

// Keyring returns the public parts of keys as an EntityList suitable for a
// debresolve.Client (the private keys are dropped).
func Keyring(keys ...*openpgp.Entity) (openpgp.EntityList, error) {
	var buf bytes.Buffer
	for _, k := range keys {
		if err := k.Serialize(&buf); err != nil {
			return nil, err
		}
	}
	return openpgp.ReadKeyRing(&buf)
}

// ArmoredPublicKey returns the ASCII-armored public key of e (a .asc file).
func ArmoredPublicKey(e *openpgp.Entity) ([]byte, error) {
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := e.Serialize(w); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// ClearSign clear-signs body with key at time at.
func ClearSign(key *openpgp.Entity, body []byte, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	cfg := &packet.Config{Time: func() time.Time { return at }}
	w, err := clearsign.Encode(&buf, key.PrivateKey, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(body); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Stanza returns a Packages stanza for name and version. extra holds
// "Field: value" lines; Architecture (default amd64), Filename, Size,
// SHA256 and Priority (default optional) are filled in unless given.
func Stanza(name, version string, extra ...string) string {
	has := map[string]bool{}
	for _, e := range extra {
		if i := strings.IndexByte(e, ':'); i > 0 {
			has[strings.ToLower(e[:i])] = true
		}
	}
	arch := "amd64"
	for _, e := range extra {
		if strings.HasPrefix(strings.ToLower(e), "architecture:") {
			arch = strings.TrimSpace(e[len("architecture:"):])
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Package: %s\nVersion: %s\n", name, version)
	if !has["architecture"] {
		fmt.Fprintf(&b, "Architecture: %s\n", arch)
	}
	for _, e := range extra {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	if !has["priority"] {
		b.WriteString("Priority: optional\n")
	}
	fileVer := version
	if i := strings.IndexByte(fileVer, ':'); i >= 0 {
		fileVer = fileVer[i+1:]
	}
	first := name[:1]
	if strings.HasPrefix(name, "lib") && len(name) > 3 {
		first = name[:4]
	}
	if !has["filename"] {
		fmt.Fprintf(&b, "Filename: pool/main/%s/%s/%s_%s_%s.deb\n", first, name, name, fileVer, arch)
	}
	if !has["size"] {
		fmt.Fprintf(&b, "Size: %d\n", 1000+len(name))
	}
	if !has["sha256"] {
		s := sha256.Sum256([]byte(name + "_" + version + "_" + arch))
		fmt.Fprintf(&b, "SHA256: %s\n", hex.EncodeToString(s[:]))
	}
	return b.String()
}

// Suite describes one suite of an Archive.
type Suite struct {
	// Root is the archive root path below the server, e.g. "debian" or
	// "debian-security".
	Root string
	// Dist is the directory under dists/, e.g. "trixie-security".
	Dist string
	// Suite and Codename are the Release fields (Codename defaults to Dist).
	Suite, Codename string
	// Date and ValidUntil are the Release fields (ValidUntil omitted if zero).
	Date, ValidUntil time.Time
	// Packages maps "<component>/<arch>" to the text of its Packages file.
	Packages map[string]string
	// Compression is "gz" (default), "xz" or "none": the form published
	// next to the (always listed) uncompressed Packages.
	Compression string
	// NoByHash leaves out "Acquire-By-Hash: yes" and the by-hash copies.
	NoByHash bool
	// NoSupportForArchitectureAll writes "No-Support-for-Architecture-all:
	// Packages" (as Debian's main archive does).
	NoSupportForArchitectureAll bool
	// Key signs the InRelease; nil writes an unsigned InRelease.
	Key *openpgp.Entity
	// SignTime is the signature time (default Date + 30s).
	SignTime time.Time
}

// Archive is an in-memory archive tree: Files maps paths relative to the
// server root ("debian/dists/trixie/InRelease") to their content.
type Archive struct {
	mu    sync.Mutex
	Files map[string][]byte
	// Requests counts requests per path (for tests of caching).
	Requests map[string]int
}

// New returns an empty archive.
func New() *Archive {
	return &Archive{Files: map[string][]byte{}, Requests: map[string]int{}}
}

// AddSuite writes the suite's InRelease and Packages files.
func (a *Archive) AddSuite(s Suite) error {
	if s.Codename == "" {
		s.Codename = s.Dist
	}
	if s.Suite == "" {
		s.Suite = s.Codename
	}
	if s.Date.IsZero() {
		s.Date = time.Date(2026, 9, 12, 7, 55, 41, 0, time.UTC)
	}
	if s.SignTime.IsZero() {
		s.SignTime = s.Date.Add(30 * time.Second)
	}
	if s.Compression == "" {
		s.Compression = "gz"
	}
	dists := s.Root + "/dists/" + s.Dist + "/"
	type entry struct {
		path string
		data []byte
	}
	var entries []entry
	comps, archs := map[string]bool{}, map[string]bool{"all": true}
	keys := make([]string, 0, len(s.Packages))
	for k := range s.Packages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		comp, arch, ok := strings.Cut(k, "/")
		if !ok {
			return fmt.Errorf("Packages key %q: want <component>/<arch>", k)
		}
		comps[comp], archs[arch] = true, true
		dir := comp + "/binary-" + arch + "/"
		plain := []byte(s.Packages[k])
		entries = append(entries, entry{dir + "Packages", plain})
		var comp2 []byte
		var name string
		switch s.Compression {
		case "gz":
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			_, _ = w.Write(plain)
			w.Close()
			comp2, name = buf.Bytes(), "Packages.gz"
		case "xz":
			var buf bytes.Buffer
			w, err := xz.NewWriter(&buf)
			if err != nil {
				return err
			}
			_, _ = w.Write(plain)
			w.Close()
			comp2, name = buf.Bytes(), "Packages.xz"
		case "none":
		default:
			return fmt.Errorf("unknown compression %q", s.Compression)
		}
		if comp2 != nil {
			entries = append(entries, entry{dir + name, comp2})
		}
	}
	var rel strings.Builder
	fmt.Fprintf(&rel, "Origin: Test\nLabel: Test\nSuite: %s\nCodename: %s\n", s.Suite, s.Codename)
	fmt.Fprintf(&rel, "Date: %s\n", s.Date.UTC().Format("Mon, 02 Jan 2006 15:04:05 UTC"))
	if !s.ValidUntil.IsZero() {
		fmt.Fprintf(&rel, "Valid-Until: %s\n", s.ValidUntil.UTC().Format("Mon, 02 Jan 2006 15:04:05 UTC"))
	}
	if !s.NoByHash {
		rel.WriteString("Acquire-By-Hash: yes\n")
	}
	if s.NoSupportForArchitectureAll {
		rel.WriteString("No-Support-for-Architecture-all: Packages\n")
	}
	fmt.Fprintf(&rel, "Architectures: %s\nComponents: %s\nDescription: test archive\nSHA256:\n", strings.Join(slices.Sorted(maps.Keys(archs)), " "), strings.Join(slices.Sorted(maps.Keys(comps)), " "))
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range entries {
		fmt.Fprintf(&rel, " %s %8d %s\n", sha256hex.Sum(e.data), len(e.data), e.path)
		if strings.HasSuffix(e.path, "/Packages") && s.Compression != "none" {
			// Like Debian: the plain file is listed but not served.
			continue
		}
		a.Files[dists+e.path] = e.data
		if !s.NoByHash {
			dir := e.path[:strings.LastIndexByte(e.path, '/')]
			a.Files[dists+dir+"/by-hash/SHA256/"+sha256hex.Sum(e.data)] = e.data
		}
	}
	body := []byte(rel.String())
	if s.Key != nil {
		signed, err := ClearSign(s.Key, body, s.SignTime)
		if err != nil {
			return err
		}
		body = signed
	}
	a.Files[dists+"InRelease"] = body
	return nil
}

// Get returns the file at path (relative to the server root) and counts
// the request.
func (a *Archive) Get(path string) ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Requests[path]++
	b, ok := a.Files[path]
	return b, ok
}

// Set replaces (or adds) a file.
func (a *Archive) Set(path string, data []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Files[path] = data
}

// Handler serves the archive over HTTP (GET and HEAD; 404 for unknown paths).
func (a *Archive) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b, ok := a.Get(strings.TrimPrefix(r.URL.Path, "/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	})
}
