package fidelity

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/distrofile/distrofile/debextract"
)

// Kind is the type of a file system entry.
type Kind string

// The kinds of entry a tree holds.
const (
	File    Kind = "file"
	Dir     Kind = "dir"
	Symlink Kind = "symlink"
	Other   Kind = "other" // device, fifo, socket
)

// Entry is one path of a tree.
type Entry struct {
	Kind   Kind
	Target string      // a symlink's target, as stored
	Mode   fs.FileMode // permission bits, with setuid/setgid/sticky
	UID    int
	GID    int
	Size   int64
}

// Tree is a root file system, read from a directory or from an exported
// image tar. Its paths are absolute and clean ("/etc/passwd"); "/" itself is
// not an entry.
type Tree struct {
	entries map[string]Entry
	digests map[string]string // sha256 of regular files, for a tar
	small   map[string][]byte // bodies of small files under /etc, for a tar
	dir     string            // the root directory, for a directory tree
}

// skipDirs are not read from a root directory: they are mount points of
// the running system (mmdebstrap leaves them empty) and say nothing of what
// packages install.
var skipDirs = map[string]bool{"/proc": true, "/sys": true, "/dev": true}

// ReadDir reads the tree rooted at dir, without following symlinks.
func ReadDir(dir string) (*Tree, error) {
	t := &Tree{entries: map[string]Entry{}, dir: dir}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		name := "/" + filepath.ToSlash(rel)
		if skipDirs[name] {
			return fs.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := Entry{Kind: kindOf(fi.Mode()), Mode: debextract.ModeBits(fi.Mode()), Size: fi.Size()}
		e.UID, e.GID = debextract.Owner(fi)
		if e.Kind == Symlink {
			if e.Target, err = os.Readlink(p); err != nil {
				return err
			}
		}
		t.entries[name] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func kindOf(m fs.FileMode) Kind {
	switch {
	case m.IsRegular():
		return File
	case m.IsDir():
		return Dir
	case m&fs.ModeSymlink != 0:
		return Symlink
	}
	return Other
}

// smallFileLimit bounds the bodies a tar tree keeps (of files under /etc),
// enough for /etc/passwd and /etc/group.
const smallFileLimit = 1 << 20

// ReadTar reads an image exported with `--output type=tar`. A hard link is
// a regular file with its target's content.
func ReadTar(r io.Reader) (*Tree, error) {
	t := &Tree{entries: map[string]Entry{}, digests: map[string]string{}, small: map[string][]byte{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		name := path.Clean("/" + strings.TrimPrefix(h.Name, "./"))
		if name == "/" {
			continue
		}
		if err := t.addTarEntry(name, h, tr); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
}

func (t *Tree) addTarEntry(name string, h *tar.Header, r io.Reader) error {
	e := Entry{Mode: fs.FileMode(h.Mode) & fs.ModePerm, UID: h.Uid, GID: h.Gid, Size: h.Size}
	if h.Mode&04000 != 0 {
		e.Mode |= fs.ModeSetuid
	}
	if h.Mode&02000 != 0 {
		e.Mode |= fs.ModeSetgid
	}
	if h.Mode&01000 != 0 {
		e.Mode |= fs.ModeSticky
	}
	switch h.Typeflag {
	case tar.TypeReg:
		e.Kind = File
		var body bytes.Buffer
		sum := sha256.New()
		w := io.Writer(sum)
		if strings.HasPrefix(name, "/etc/") && h.Size <= smallFileLimit {
			w = io.MultiWriter(sum, &body)
			defer func() { t.small[name] = body.Bytes() }()
		}
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
		t.digests[name] = hex.EncodeToString(sum.Sum(nil))
	case tar.TypeLink:
		e.Kind = File
		target := path.Clean("/" + strings.TrimPrefix(h.Linkname, "./"))
		t.digests[name] = t.digests[target]
		if b, ok := t.small[target]; ok {
			t.small[name] = b
		}
		e.Size = t.entries[target].Size
	case tar.TypeDir:
		e.Kind = Dir
	case tar.TypeSymlink:
		e.Kind, e.Target = Symlink, h.Linkname
	default:
		e.Kind = Other
	}
	t.entries[name] = e
	return nil
}

// ReadTarFile reads an image tar from a file.
func ReadTarFile(name string) (*Tree, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadTar(f)
}

// ReadImage reads an image from a tar file or an unpacked directory.
func ReadImage(name string) (*Tree, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return ReadDir(name)
	}
	return ReadTarFile(name)
}

// Lookup returns the entry at p.
func (t *Tree) Lookup(p string) (Entry, bool) {
	e, ok := t.entries[p]
	return e, ok
}

// Paths returns every path of the tree, sorted.
func (t *Tree) Paths() []string {
	ps := make([]string, 0, len(t.entries))
	for p := range t.entries {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Digest returns the sha256 of the regular file at p.
func (t *Tree) Digest(p string) (string, error) {
	if t.dir == "" {
		d, ok := t.digests[p]
		if !ok {
			return "", fmt.Errorf("%s: not a regular file of the image", p)
		}
		return d, nil
	}
	f, err := os.Open(filepath.Join(t.dir, filepath.FromSlash(p)))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

// ReadFile returns the content of the regular file at p (for a tar tree,
// only of files under /etc up to 1 MiB).
func (t *Tree) ReadFile(p string) ([]byte, error) {
	if t.dir != "" {
		return os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(p)))
	}
	if b, ok := t.small[p]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}

// Glob returns the paths of the tree that match pattern (path.Match syntax),
// sorted.
func (t *Tree) Glob(pattern string) []string {
	var out []string
	for p := range t.entries {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Merged reports whether the tree has merged /usr: /bin is a link into /usr.
func (t *Tree) Merged() bool {
	e, ok := t.entries["/bin"]
	return ok && e.Kind == Symlink && strings.TrimPrefix(e.Target, "/") == "usr/bin"
}
