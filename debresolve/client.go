package debresolve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	decomp "github.com/distrofile/distrofile/internal/decompress"
	"github.com/distrofile/distrofile/internal/sha256hex"
)

// Client loads and verifies archive indexes. The zero value is usable once
// Fetcher is set; a Client is safe for concurrent use and caches parsed
// indexes by their SHA-256, so the same Packages file is never parsed twice.
type Client struct {
	// Fetcher fetches archive files.
	Fetcher Fetcher
	// Keyring verifies InRelease signatures; nil means the embedded Debian
	// archive keyring. A Source's own Keyring takes precedence.
	Keyring openpgp.EntityList
	// Now is the time signatures and Valid-Until are checked against; nil
	// means time.Now. Set it to the snapshot time for snapshot builds.
	Now func() time.Time
	// IgnoreValidUntil skips the Valid-Until check (snapshot builds: an
	// archived InRelease is expired by design; its signature is still
	// checked as of Now).
	IgnoreValidUntil bool
	// Logf, when set, receives progress lines (verified signatures,
	// decompression and parse times).
	Logf func(format string, args ...any)

	mu    sync.Mutex
	cache map[string]*cacheEntry
}

type cacheEntry struct {
	done chan struct{}
	idx  *Index
	err  error
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// keyring returns the keyring for src and whether it is the built-in one.
func (c *Client) keyring(src Source) (openpgp.EntityList, bool, error) {
	if src.Keyring != nil {
		return src.Keyring, false, nil
	}
	if c.Keyring != nil {
		return c.Keyring, false, nil
	}
	kr, err := DebianKeyring()
	return kr, true, err
}

func archiveRoot(src Source) string { return strings.TrimRight(src.URL, "/") }

// inReleaseURL returns the URL of a source's InRelease file.
func inReleaseURL(src Source) string {
	return archiveRoot(src) + "/dists/" + src.Suite + "/InRelease"
}

// FetchRelease fetches a source's InRelease, verifies its signature (unless
// the source is Insecure) and Valid-Until, checks that it describes the
// requested suite, and parses it.
func (c *Client) FetchRelease(ctx context.Context, src Source) (*Release, error) {
	if c.Fetcher == nil {
		return nil, fmt.Errorf("debresolve: Client has no Fetcher")
	}
	if src.Suite == "" || strings.Contains(src.Suite, "..") {
		return nil, fmt.Errorf("source %s: invalid suite %q", src.URL, src.Suite)
	}
	u := inReleaseURL(src)
	if src.Keyring == nil && c.Keyring == nil && !src.Insecure {
		// Parse the built-in keyring (about 10 ms) while InRelease is
		// fetched: it is on the path of every resolution.
		go func() { _, _ = DebianKeyring() }() // its error is the next call's to report
	}
	data, err := c.Fetcher.Fetch(ctx, FetchRequest{URL: u, Size: -1, Name: "InRelease " + src.Suite})
	if err != nil {
		return nil, fmt.Errorf("fetching InRelease of %s: %w", src.Suite, err)
	}
	now := c.now()
	var body []byte
	var signer string
	if src.Insecure {
		// Signature not checked on request; still strip the armor.
		body = data
		if block, _ := clearsign.Decode(data); block != nil {
			body = block.Plaintext
		}
	} else {
		kr, builtin, err := c.keyring(src)
		if err != nil {
			return nil, err
		}
		body, signer, err = VerifyInRelease(data, kr, now)
		if err != nil {
			hint := ""
			if builtin {
				hint = " (the built-in keyring holds Debian's archive keys only: give the archive's own keyring for other archives)"
			}
			return nil, fmt.Errorf("InRelease %s: signature check failed: %v%s", u, err, hint)
		}
	}
	rel, err := ParseRelease(body)
	if err != nil {
		return nil, fmt.Errorf("InRelease %s: %v", u, err)
	}
	rel.URL = u
	rel.Signer = signer
	if signer != "" {
		c.logf("verified %s: signed by %s", u, signer)
	} else {
		c.logf("NOT verified (insecure source): %s", u)
	}
	rel.InReleaseSHA256 = sha256hex.Sum(data)
	if !c.IgnoreValidUntil && !rel.ValidUntil.IsZero() && now.After(rel.ValidUntil) {
		return nil, fmt.Errorf("InRelease %s expired at %s (Valid-Until): the mirror is stale or the clock is wrong", u, rel.ValidUntil.Format(time.RFC1123))
	}
	if src.Suite != rel.Codename && src.Suite != rel.Suite {
		return nil, fmt.Errorf("InRelease %s is for suite %q (codename %q), not %q", u, rel.Suite, rel.Codename, src.Suite)
	}
	return rel, nil
}

// indexCandidates lists the compressed forms of a Packages file in order of
// preference: gzip decodes several times faster than xz in pure Go.
var indexCandidates = []string{"Packages.gz", "Packages.xz", "Packages"}

// IndexFile is one Packages file that a verified InRelease lists for a
// source, component and architecture: what to fetch (by hash) and how to
// read it. Its JSON names no mirror (see ResolveRequest).
type IndexFile struct {
	// Source is the position of the file's source in the sources given
	// to ListIndexes.
	Source int `json:"source"`
	// Suite is the codename with pocket every package of the file is
	// recorded with (InRelease Codename, else the source's suite).
	Suite string `json:"suite"`
	// Component and Arch identify the file (main, amd64 or all).
	Component string `json:"component"`
	Arch      string `json:"arch"`
	// Path is relative to dists/<suite>/, e.g. main/binary-amd64/Packages.gz;
	// its suffix says how it is compressed.
	Path string `json:"path"`
	// SHA256 and Size are what InRelease lists for Path.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// UncompressedSize is the size InRelease lists for the uncompressed
	// Packages file, -1 when it lists none.
	UncompressedSize int64 `json:"uncompressed_size"`
	// URL is where to fetch the file: its by-hash name when the archive
	// has them, and then FallbackURL is its canonical name, tried when
	// the by-hash copy is missing (as apt does); else FallbackURL is "".
	URL         string `json:"-"`
	FallbackURL string `json:"-"`
}

// SourceIndexes is the verified InRelease of one source and the Packages
// files it lists for an architecture.
type SourceIndexes struct {
	Source  Source
	Release *Release
	Files   []IndexFile
}

// LoadIndexes fetches and verifies InRelease for every source (in parallel),
// then fetches each component's binary-<arch> Packages index by hash,
// checks its SHA-256 and size against InRelease, decompresses and parses it.
// Indexes are returned in source order, then component order. It is
// ListIndexes followed by FetchIndexes.
func (c *Client) LoadIndexes(ctx context.Context, sources []Source, arch string) ([]*Index, error) {
	lists, err := c.ListIndexes(ctx, sources, arch)
	if err != nil {
		return nil, err
	}
	return c.FetchIndexes(ctx, lists)
}

// ListIndexes fetches and verifies the InRelease of every source (in
// parallel) and lists the Packages files to read for arch: for each
// component its binary-<arch> index and, when the archive keeps arch:all
// packages apart, its binary-all index. Nothing else is fetched. The
// result has one entry per source, in order.
func (c *Client) ListIndexes(ctx context.Context, sources []Source, arch string) ([]*SourceIndexes, error) {
	if arch == "" {
		return nil, fmt.Errorf("no architecture given")
	}
	// Sources are loaded in parallel and not cancelled when a sibling
	// fails, so that the error reported is always that of the first
	// failing source (deterministic messages).
	out := make([]*SourceIndexes, len(sources))
	errs := make([]error, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = c.listSource(ctx, i, src, arch)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// listSource verifies one source's InRelease and lists its index files.
func (c *Client) listSource(ctx context.Context, pos int, src Source, arch string) (*SourceIndexes, error) {
	rel, err := c.FetchRelease(ctx, src)
	if err != nil {
		return nil, err
	}
	if !rel.HasArchitecture(arch) {
		return nil, fmt.Errorf("%s does not have architecture %s (it has %s)", rel.URL, arch, strings.Join(rel.Architectures, " "))
	}
	comps := src.Components
	if len(comps) == 0 {
		comps = []string{"main"}
	}
	suite := rel.Codename
	if suite == "" {
		suite = src.Suite
	}
	distsURL := archiveRoot(src) + "/dists/" + src.Suite + "/"
	si := &SourceIndexes{Source: src, Release: rel}
	add := func(comp, arch string) error {
		fh := findIndex(rel, comp, arch)
		if fh == nil {
			return fmt.Errorf("%s lists no %s/binary-%s/Packages index (components: %s)", rel.URL, comp, arch, strings.Join(rel.Components, " "))
		}
		f := IndexFile{Source: pos, Suite: suite, Component: comp, Arch: arch, Path: fh.Path, SHA256: fh.SHA256, Size: fh.Size,
			UncompressedSize: -1, URL: distsURL + fh.Path}
		if plain, ok := rel.File(comp + "/binary-" + arch + "/Packages"); ok && plain.Path != fh.Path {
			f.UncompressedSize = plain.Size
		}
		if rel.AcquireByHash {
			f.URL, f.FallbackURL = distsURL+path.Dir(fh.Path)+"/by-hash/SHA256/"+fh.SHA256, f.URL
		}
		si.Files = append(si.Files, f)
		return nil
	}
	// Each component has a binary-<arch> index. Like apt, a separate
	// binary-all index is read as well when the Release lists "all" in
	// Architectures and does not declare "No-Support-for-Architecture-all:
	// Packages" (arch:all packages already in every binary-<arch> index).
	for _, comp := range comps {
		hasArch := findIndex(rel, comp, arch) != nil
		hasAll := arch != "all" && rel.NoSupportForArchitectureAll != "Packages" && rel.HasArchitecture("all") &&
			findIndex(rel, comp, "all") != nil
		if hasArch || !hasAll {
			if err := add(comp, arch); err != nil { // reports the missing index
				return nil, err
			}
		}
		if hasAll {
			if err := add(comp, "all"); err != nil {
				return nil, err
			}
		}
	}
	return si, nil
}

// findIndex returns the preferred listed form of comp's binary-arch
// Packages index, or nil.
func findIndex(rel *Release, comp, arch string) *FileHash {
	dir := comp + "/binary-" + arch + "/"
	for _, name := range indexCandidates {
		if fh, ok := rel.File(dir + name); ok {
			return &fh
		}
	}
	return nil
}

// FetchIndexes fetches the files of lists by hash (falling back to a
// file's canonical name when its by-hash copy is missing), checks them
// against InRelease, decompresses and parses them, in parallel. Indexes
// are returned in the order of lists, then of their files.
func (c *Client) FetchIndexes(ctx context.Context, lists []*SourceIndexes) ([]*Index, error) {
	type job struct {
		si *SourceIndexes
		f  IndexFile
	}
	var jobs []job
	for _, si := range lists {
		for _, f := range si.Files {
			jobs = append(jobs, job{si, f})
		}
	}
	out := make([]*Index, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for j, jb := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[j], errs[j] = c.loadIndex(ctx, jb.si, jb.f)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadIndex fetches, verifies and parses one index file.
func (c *Client) loadIndex(ctx context.Context, si *SourceIndexes, f IndexFile) (*Index, error) {
	if c.Fetcher == nil {
		return nil, fmt.Errorf("debresolve: Client has no Fetcher")
	}
	src := si.Source
	root := archiveRoot(src)
	parsed, err := c.cached(f.SHA256, func() (*Index, error) {
		u := f.URL
		req := FetchRequest{URL: u, SHA256: f.SHA256, Size: f.Size, Name: "Packages " + src.Suite + "/" + f.Component + "/binary-" + f.Arch}
		data, err := c.Fetcher.Fetch(ctx, req)
		if err != nil && f.FallbackURL != "" && ctx.Err() == nil {
			// Like apt, fall back to the file's canonical name when the
			// by-hash copy is missing; its hash is checked all the same.
			req.URL, req.Fallback = f.FallbackURL, true
			var err2 error
			if data, err2 = c.Fetcher.Fetch(ctx, req); err2 == nil {
				u, err = req.URL, nil
			} else {
				err = fmt.Errorf("%w; falling back to %s: %v", err, req.URL, err2)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("fetching %s of %s: %w", f.Path, src.Suite, err)
		}
		idx, st, err := readIndex(f, data, root)
		if err != nil {
			return nil, fmt.Errorf("%s from %s: %v", f.Path, u, err)
		}
		c.logf("parsed %s/%s: %d stanzas, %d bytes (decompress %v, parse %v)", src.Suite, f.Path, len(idx.Packages), st.bytes,
			st.decompress.Round(time.Millisecond), st.parse.Round(time.Millisecond))
		return idx, nil
	})
	if err != nil {
		return nil, err
	}
	if parsed.Source.URL != root || parsed.Suite != f.Suite {
		// The same file served for another source (e.g. two empty
		// indexes): share the parse, not the per-package URL and Suite.
		key := f.SHA256 + " " + root + " " + f.Suite
		if parsed, err = c.cached(key, func() (*Index, error) {
			n := parsed.rebase(root, f.Suite)
			n.Source.URL, n.Suite = root, f.Suite
			return n, nil
		}); err != nil {
			return nil, err
		}
	}
	return &Index{
		Source:    src,
		Suite:     f.Suite,
		Component: f.Component,
		Arch:      f.Arch,
		Path:      f.Path,
		SHA256:    f.SHA256,
		Release:   si.Release,
		Packages:  parsed.Packages,
		t:         parsed.t,
	}, nil
}

// ReadIndex checks data, the content of index file f, against the size
// and SHA-256 InRelease lists, decompresses and parses it. archiveURL (the
// archive root) and f.Suite are recorded in every package (URL, Suite).
// The index has no Source and no Release. Errors do not name the file:
// callers say which file and where it came from.
func ReadIndex(f IndexFile, data []byte, archiveURL string) (*Index, error) {
	idx, _, err := readIndex(f, data, strings.TrimRight(archiveURL, "/"))
	return idx, err
}

type readStats struct {
	bytes             int
	decompress, parse time.Duration
}

func readIndex(f IndexFile, data []byte, root string) (*Index, readStats, error) {
	var st readStats
	if int64(len(data)) != f.Size {
		return nil, st, fmt.Errorf("size %d does not match InRelease (%d)", len(data), f.Size)
	}
	if got := sha256hex.Sum(data); got != f.SHA256 {
		return nil, st, fmt.Errorf("sha256 %s does not match InRelease (%s)", got, f.SHA256)
	}
	t0 := time.Now()
	var idx *Index
	if compressed(f.Path) && f.UncompressedSize > 0 && f.UncompressedSize < 1<<32 {
		var err error
		if idx, err = decompressParse(f.Path, data, int(f.UncompressedSize), root, f.Suite); err != nil {
			return nil, st, err
		}
		// Both at once: the time is the decompression's.
		st.bytes, st.decompress = int(f.UncompressedSize), time.Since(t0)
	} else {
		text, err := decompress(f.Path, data, f.UncompressedSize)
		if err != nil {
			return nil, st, err
		}
		t1 := time.Now()
		if idx, err = parseIndexString(text, root, f.Suite); err != nil {
			return nil, st, err
		}
		st.bytes, st.decompress, st.parse = len(text), t1.Sub(t0), time.Since(t1)
	}
	idx.Source.URL, idx.Suite = root, f.Suite
	idx.Component, idx.Arch, idx.Path, idx.SHA256 = f.Component, f.Arch, f.Path, f.SHA256
	return idx, st, nil
}

// cached returns the index cached under key, or runs load once for it
// (concurrent callers wait). Failed loads are not cached. Cached indexes are
// templates: callers copy them before setting per-source fields.
func (c *Client) cached(key string, load func() (*Index, error)) (*Index, error) {
	for {
		c.mu.Lock()
		if c.cache == nil {
			c.cache = map[string]*cacheEntry{}
		}
		e, ok := c.cache[key]
		if !ok {
			e = &cacheEntry{done: make(chan struct{})}
			c.cache[key] = e
			c.mu.Unlock()
			e.idx, e.err = load()
			if e.err != nil {
				c.mu.Lock()
				delete(c.cache, key)
				c.mu.Unlock()
			}
			close(e.done)
			return e.idx, e.err
		}
		c.mu.Unlock()
		<-e.done
		if e.err == nil {
			return e.idx, nil
		}
		// The other load failed (perhaps its context was cancelled): try
		// again with ours.
	}
}

// rebase returns a copy of x whose packages carry another archive root and
// suite. Lazy parse state is not shared.
func (x *Index) rebase(archiveURL, suite string) *Index {
	n := &Index{
		Packages: make([]*Package, 0, len(x.Packages)),
		t:        &indexTable{byName: make(map[string]*Package, len(x.t.byName))},
	}
	chunk := make([]Package, len(x.Packages))
	for i, p := range x.Packages {
		q := &chunk[i]
		q.Name, q.Version, q.Architecture = p.Name, p.Version, p.Architecture
		q.MultiArch, q.Priority, q.Section, q.Essential = p.MultiArch, p.Priority, p.Section, p.Essential
		q.Source, q.SourceVersion = p.Source, p.SourceVersion
		q.Filename, q.SHA256, q.Size, q.InstalledSize = p.Filename, p.SHA256, p.Size, p.InstalledSize
		q.Provides = p.Provides
		q.rawDepends, q.rawPreDepends, q.rawConflicts, q.rawBreaks = p.rawDepends, p.rawPreDepends, p.rawConflicts, p.rawBreaks
		if q.Filename != "" {
			q.URL = archiveURL + "/" + q.Filename
		}
		q.Suite = suite
		n.addPackage(q)
	}
	return n
}

// compressed reports whether an index file name says it is compressed.
func compressed(name string) bool {
	return strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".xz")
}

// decompressor returns a reader of the content of a compressed index, and
// the function that releases the decoder.
func decompressor(name string, data []byte) (io.Reader, func(), error) {
	ext := path.Ext(name)
	r, closeR, err := decomp.NewReader(ext, bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", strings.TrimPrefix(ext, "."), err)
	}
	return r, closeR, nil
}

// errStopped stops decompressParse's decompression when parsing failed.
var errStopped = errors.New("stopped")

// decompressParse parses a compressed index of the given decompressed size
// while it is being decompressed: the decompression fills a buffer of that
// size and says how far it got, the parser reads up to there. For trixie's
// main (12.7 MiB of gzip, 56 MB of text), decompressing takes about 0.22 s
// and parsing 0.1 s, one after the other; this way they overlap on two
// cores. A decompression error comes before a parse error: a cut stream
// leaves the parser with half a stanza.
func decompressParse(name string, data []byte, size int, root, suite string) (*Index, error) {
	buf := make([]byte, size)
	progress := make(chan int, 8)
	stop := make(chan struct{})
	var derr error
	go func() {
		defer close(progress)
		derr = fill(name, data, buf, progress, stop)
	}()
	more := func() int {
		if n, ok := <-progress; ok {
			return n
		}
		return -1
	}
	// The buffer is written below the length last received only, and the
	// parser reads only below it: the string is never seen changing.
	idx, perr := parseIndex(unsafe.String(unsafe.SliceData(buf), len(buf)), more, root, suite)
	close(stop)
	for range progress {
	}
	switch {
	case derr != nil && !errors.Is(derr, errStopped):
		return nil, derr
	case perr != nil:
		return nil, perr
	}
	return idx, nil
}

// fill decompresses data into buf, sending the length filled after every
// MiB, and checks that the content is exactly len(buf) bytes long.
func fill(name string, data, buf []byte, progress chan<- int, stop <-chan struct{}) error {
	r, closeR, err := decompressor(name, data)
	if err != nil {
		return err
	}
	defer closeR()
	n := 0
	for n < len(buf) {
		m, err := io.ReadFull(r, buf[n:min(n+1<<20, len(buf))])
		n += m
		if m > 0 {
			select {
			case progress <- n:
			case <-stop:
				return errStopped
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("decompressed size %d, InRelease says %d", n, len(buf))
		}
		if err != nil {
			return fmt.Errorf("decompressing: %v", err)
		}
	}
	// Nothing may follow, and the stream must end well (gzip checks its
	// CRC at the end).
	rest, err := io.Copy(io.Discard, io.LimitReader(r, 4<<30))
	if err != nil {
		return fmt.Errorf("decompressing: %v", err)
	}
	if rest > 0 {
		return fmt.Errorf("decompressed size %d, InRelease says %d", int64(n)+rest, len(buf))
	}
	return nil
}

// decompress inflates an index according to its file name. The result is
// returned as a string without an extra copy.
func decompress(name string, data []byte, size int64) (string, error) {
	if !compressed(name) {
		return string(data), nil
	}
	r, closeR, err := decompressor(name, data)
	if err != nil {
		return "", err
	}
	defer closeR()
	var b strings.Builder
	if size > 0 && size < 1<<32 {
		b.Grow(int(size))
	} else {
		b.Grow(len(data) * 5)
	}
	// Cap the output: a Packages file is far below 4 GiB.
	if _, err := io.Copy(&b, io.LimitReader(r, 4<<30)); err != nil {
		return "", fmt.Errorf("decompressing: %v", err)
	}
	if size >= 0 && int64(b.Len()) != size {
		return "", fmt.Errorf("decompressed size %d, InRelease says %d", b.Len(), size)
	}
	return b.String(), nil
}
