package debresolve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
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
	rel.InReleaseSHA256 = sha256Hex(data)
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

// LoadIndexes fetches and verifies InRelease for every source (in parallel),
// then fetches each component's binary-<arch> Packages index by hash,
// checks its SHA-256 and size against InRelease, decompresses and parses it.
// Indexes are returned in source order, then component order.
func (c *Client) LoadIndexes(ctx context.Context, sources []Source, arch string) ([]*Index, error) {
	if arch == "" {
		return nil, fmt.Errorf("no architecture given")
	}
	// Sources are loaded in parallel and not cancelled when a sibling
	// fails, so that the error reported is always that of the first
	// failing source (deterministic messages).
	results := make([][]*Index, len(sources))
	errs := make([]error, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.loadSource(ctx, src, arch)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var out []*Index
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// loadSource loads the indexes of all components of one source.
func (c *Client) loadSource(ctx context.Context, src Source, arch string) ([]*Index, error) {
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
	// Each component has a binary-<arch> index. Like apt, a separate
	// binary-all index is read as well when the Release lists "all" in
	// Architectures and does not declare "No-Support-for-Architecture-all:
	// Packages" (arch:all packages already in every binary-<arch> index).
	type job struct{ comp, arch string }
	var jobs []job
	for _, comp := range comps {
		hasArch := findIndex(rel, comp, arch) != nil
		hasAll := arch != "all" && rel.NoSupportForArchitectureAll != "Packages" && rel.HasArchitecture("all") &&
			findIndex(rel, comp, "all") != nil
		if hasArch || !hasAll {
			jobs = append(jobs, job{comp, arch}) // reports the missing index
		}
		if hasAll {
			jobs = append(jobs, job{comp, "all"})
		}
	}
	out := make([]*Index, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for j, jb := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[j], errs[j] = c.loadIndex(ctx, src, rel, jb.comp, jb.arch)
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

// loadIndex fetches, verifies and parses one component's Packages index.
func (c *Client) loadIndex(ctx context.Context, src Source, rel *Release, comp, arch string) (*Index, error) {
	dir := comp + "/binary-" + arch
	fhp := findIndex(rel, comp, arch)
	if fhp == nil {
		return nil, fmt.Errorf("%s lists no %s/Packages index (components: %s)", rel.URL, dir, strings.Join(rel.Components, " "))
	}
	fh := *fhp
	distsURL := archiveRoot(src) + "/dists/" + src.Suite + "/"
	u := distsURL + fh.Path
	if rel.AcquireByHash {
		u = distsURL + path.Dir(fh.Path) + "/by-hash/SHA256/" + fh.SHA256
	}
	suite := rel.Codename
	if suite == "" {
		suite = src.Suite
	}
	root := archiveRoot(src)
	parsed, err := c.cached(fh.SHA256, func() (*Index, error) {
		req := FetchRequest{URL: u, SHA256: fh.SHA256, Size: fh.Size, Name: "Packages " + src.Suite + "/" + dir}
		data, err := c.Fetcher.Fetch(ctx, req)
		if err != nil && rel.AcquireByHash && ctx.Err() == nil {
			// Like apt, fall back to the file's canonical name when the
			// by-hash copy is missing; its hash is checked all the same.
			req.URL = distsURL + fh.Path
			var err2 error
			if data, err2 = c.Fetcher.Fetch(ctx, req); err2 == nil {
				u, err = req.URL, nil
			} else {
				err = fmt.Errorf("%w; falling back to %s: %v", err, req.URL, err2)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("fetching %s of %s: %w", fh.Path, src.Suite, err)
		}
		if int64(len(data)) != fh.Size {
			return nil, fmt.Errorf("%s from %s: size %d does not match InRelease (%d)", fh.Path, u, len(data), fh.Size)
		}
		if got := sha256Hex(data); got != fh.SHA256 {
			return nil, fmt.Errorf("%s from %s: sha256 %s does not match InRelease (%s)", fh.Path, u, got, fh.SHA256)
		}
		uncompressedSize := int64(-1)
		if plain, ok := rel.File(dir + "/Packages"); ok && plain.Path != fh.Path {
			uncompressedSize = plain.Size
		}
		t0 := time.Now()
		text, err := decompress(fh.Path, data, uncompressedSize)
		if err != nil {
			return nil, fmt.Errorf("%s from %s: %v", fh.Path, u, err)
		}
		t1 := time.Now()
		idx, err := parseIndexString(text, root, suite)
		if err != nil {
			return nil, fmt.Errorf("%s from %s: %v", fh.Path, u, err)
		}
		c.logf("parsed %s/%s: %d stanzas, %d bytes (decompress %v, parse %v)", src.Suite, fh.Path, len(idx.Packages), len(text),
			t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
		idx.Source.URL, idx.Suite = root, suite
		return idx, nil
	})
	if err != nil {
		return nil, err
	}
	if parsed.Source.URL != root || parsed.Suite != suite {
		// The same file served for another source (e.g. two empty
		// indexes): share the parse, not the per-package URL and Suite.
		key := fh.SHA256 + " " + root + " " + suite
		if parsed, err = c.cached(key, func() (*Index, error) {
			n := parsed.rebase(root, suite)
			n.Source.URL, n.Suite = root, suite
			return n, nil
		}); err != nil {
			return nil, err
		}
	}
	return &Index{
		Source:    src,
		Suite:     suite,
		Component: comp,
		Arch:      arch,
		Path:      fh.Path,
		SHA256:    fh.SHA256,
		Release:   rel,
		Packages:  parsed.Packages,
		t:         parsed.t,
	}, nil
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

// decompress inflates an index according to its file name. The result is
// returned as a string without an extra copy.
func decompress(name string, data []byte, size int64) (string, error) {
	var r io.Reader
	switch {
	case strings.HasSuffix(name, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", fmt.Errorf("gzip: %v", err)
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(name, ".xz"):
		zr, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", fmt.Errorf("xz: %v", err)
		}
		r = zr
	default:
		return string(data), nil
	}
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
