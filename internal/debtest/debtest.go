// Package debtest builds Debian binary packages (.deb files) in memory from
// a declarative description, for tests.
//
// The output is laid out like dpkg-deb builds it: an ar archive holding
// debian-binary, control.tar.X and data.tar.X, with GNU-format tar members
// whose names start with "./" and whose directory names end in "/".
//
// Nothing is sanitised: names, link targets, modes and member lists are
// written exactly as given, so tests can describe hostile packages (names
// with "..", absolute names, duplicate entries, devices, odd member
// orders). The helpers File, Dir, Symlink, Hardlink, Char and Fifo only fill
// in conventional defaults.
package debtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// DefaultModTime is the modification time given to entries whose ModTime
// is zero.
var DefaultModTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Entry is one member of a tar archive (data.tar or control.tar).
type Entry struct {
	// Name is written verbatim, e.g. "./usr/bin/x" or "./usr/" for a
	// directory.
	Name string
	// Type is a tar type flag: tar.TypeReg, TypeDir, TypeSymlink,
	// TypeLink, TypeChar, TypeBlock, TypeFifo... Zero means tar.TypeReg.
	Type byte
	// Mode holds the permission bits, including setuid (04000), setgid
	// (02000) and sticky (01000). Zero means the default for the type:
	// 0755 for directories, 0777 for symlinks, 0644 otherwise.
	Mode int64
	// UID and GID are the numeric owner.
	UID, GID int
	// Body is the content of a regular file.
	Body []byte
	// Size, when non-zero, overrides the size written in the header
	// (len(Body) otherwise), for hostile archives whose header lies. The
	// archive is then not a consistent tar stream after this entry.
	Size int64
	// Linkname is the target of a symlink or hard link.
	Linkname string
	// Devmajor and Devminor are the device numbers of device nodes.
	Devmajor, Devminor int64
	// ModTime is the modification time; zero means DefaultModTime.
	ModTime time.Time
}

// Member is one member of the outer ar archive.
type Member struct {
	// Name is the ar member name, at most 16 bytes.
	Name string
	// Data is the member's content, written verbatim.
	Data []byte
}

// Deb describes a binary package.
type Deb struct {
	// Control is the text of the control file, written verbatim.
	// See Control for a minimal paragraph.
	Control string
	// Entries are the members of data.tar, in order.
	Entries []Entry
	// DataCompression is one of "xz" (the default), "gz", "zst", "bz2"
	// or "none" (an uncompressed data.tar).
	DataCompression string
	// ControlCompression is one of "xz" (the default), "gz", "zst" or
	// "none".
	ControlCompression string
	// Md5sums adds an md5sums file to control.tar, listing every regular
	// file of Entries in dpkg's format ("<md5>  <path without ./>").
	Md5sums bool
	// ControlEntries are extra members of control.tar (maintainer
	// scripts, conffiles...), written after control and md5sums.
	ControlEntries []Entry
	// BinaryVersion is the content of debian-binary; empty means "2.0\n".
	BinaryVersion string
	// ExtraMembers are ar members appended after data.tar.
	ExtraMembers []Member
}

// Bytes returns the .deb file: an ar archive with the members returned by
// Members.
func (d Deb) Bytes() ([]byte, error) {
	members, err := d.Members()
	if err != nil {
		return nil, err
	}
	return AR(members...)
}

// MustBytes is like Bytes but panics on error. It is meant for test
// tables and fuzz seeds built from known-good descriptions.
func (d Deb) MustBytes() []byte {
	b, err := d.Bytes()
	if err != nil {
		panic(err)
	}
	return b
}

// Members returns the ar members of the package in order: debian-binary,
// control.tar.X, data.tar.X, then ExtraMembers. Tests that need a
// malformed outer archive can edit the list and pass it to AR.
func (d Deb) Members() ([]Member, error) {
	version := d.BinaryVersion
	if version == "" {
		version = "2.0\n"
	}
	cc := d.ControlCompression
	if cc == "" {
		cc = "xz"
	}
	if cc == "bz2" {
		return nil, fmt.Errorf("debtest: control.tar cannot be bz2-compressed")
	}
	dc := d.DataCompression
	if dc == "" {
		dc = "xz"
	}

	ctrl := []Entry{
		{Name: "./", Type: tar.TypeDir, Mode: 0755},
		{Name: "./control", Mode: 0644, Body: []byte(d.Control)},
	}
	if d.Md5sums {
		ctrl = append(ctrl, Entry{Name: "./md5sums", Mode: 0644, Body: Md5sums(d.Entries)})
	}
	ctrl = append(ctrl, d.ControlEntries...)
	ctrlTar, err := Tar(ctrl)
	if err != nil {
		return nil, fmt.Errorf("debtest: control.tar: %w", err)
	}
	ctrlZ, err := Compress(ctrlTar, cc)
	if err != nil {
		return nil, err
	}
	dataTar, err := Tar(d.Entries)
	if err != nil {
		return nil, fmt.Errorf("debtest: data.tar: %w", err)
	}
	dataZ, err := Compress(dataTar, dc)
	if err != nil {
		return nil, err
	}
	members := []Member{
		{Name: "debian-binary", Data: []byte(version)},
		{Name: "control.tar" + Ext(cc), Data: ctrlZ},
		{Name: "data.tar" + Ext(dc), Data: dataZ},
	}
	return append(members, d.ExtraMembers...), nil
}

// Ext returns the file name extension for a compression name: ".xz" for
// "xz", "" for "none".
func Ext(compression string) string {
	if compression == "none" {
		return ""
	}
	return "." + compression
}

// Compress compresses data with the named method: "xz", "gz", "zst",
// "bz2" or "none".
func Compress(data []byte, method string) ([]byte, error) {
	var buf bytes.Buffer
	switch method {
	case "none":
		return data, nil
	case "bz2":
		return bzip2Compress(data), nil
	case "gz":
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case "xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case "zst":
		w, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			w.Close()
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("debtest: unknown compression %q", method)
	}
	return buf.Bytes(), nil
}

// Tar returns a GNU-format tar archive of entries, in order, as dpkg-deb
// writes them (long names use GNU long-name records).
func Tar(entries []Entry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := header(e)
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		if len(e.Body) > 0 && (h.Typeflag == tar.TypeReg || e.Size != 0) {
			body := e.Body
			if e.Size != 0 && int64(len(body)) > e.Size {
				body = body[:e.Size]
			}
			if _, err := tw.Write(body); err != nil && !errors.Is(err, tar.ErrWriteTooLong) {
				return nil, fmt.Errorf("%s: %w", e.Name, err)
			}
		}
	}
	// A header that lies about its size leaves the writer unable to
	// close cleanly; tests asking for that get the stream as written.
	if err := tw.Close(); err != nil && !strings.Contains(err.Error(), "missed writing") {
		return nil, err
	}
	return buf.Bytes(), nil
}

func header(e Entry) *tar.Header {
	typ := e.Type
	if typ == 0 {
		typ = tar.TypeReg
	}
	mode := e.Mode
	if mode == 0 {
		switch typ {
		case tar.TypeDir:
			mode = 0755
		case tar.TypeSymlink:
			mode = 0777
		default:
			mode = 0644
		}
	}
	mtime := e.ModTime
	if mtime.IsZero() {
		mtime = DefaultModTime
	}
	h := &tar.Header{
		Typeflag: typ,
		Name:     e.Name,
		Linkname: e.Linkname,
		Mode:     mode,
		Uid:      e.UID,
		Gid:      e.GID,
		ModTime:  mtime.Truncate(time.Second),
		Devmajor: e.Devmajor,
		Devminor: e.Devminor,
		Format:   tar.FormatGNU,
	}
	if typ == tar.TypeReg {
		h.Size = int64(len(e.Body))
	}
	if e.Size != 0 {
		h.Size = e.Size
	}
	if e.UID == 0 {
		h.Uname = "root"
	}
	if e.GID == 0 {
		h.Gname = "root"
	}
	return h
}

// AR returns an ar archive ("!<arch>\n" and 60-byte headers) of members,
// in order, as dpkg-deb writes it.
func AR(members ...Member) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("!<arch>\n")
	for _, m := range members {
		if len(m.Name) > 16 {
			return nil, fmt.Errorf("debtest: ar member name %q longer than 16 bytes", m.Name)
		}
		fmt.Fprintf(&buf, "%-16s%-12d%-6d%-6d%-8s%-10d`\n",
			m.Name, DefaultModTime.Unix(), 0, 0, "100644", len(m.Data))
		buf.Write(m.Data)
		if len(m.Data)%2 == 1 {
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes(), nil
}

// Md5sums returns the md5sums control file for the regular files among
// entries, in dpkg's format, in entry order.
func Md5sums(entries []Entry) []byte {
	var buf bytes.Buffer
	for _, e := range entries {
		if e.Type != 0 && e.Type != tar.TypeReg {
			continue
		}
		sum := md5.Sum(e.Body)
		name := strings.TrimPrefix(strings.TrimPrefix(e.Name, "./"), "/")
		fmt.Fprintf(&buf, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return buf.Bytes()
}

// Control returns a minimal control paragraph, ending in a newline.
func Control(pkg, version, arch string) string {
	return fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\n"+
		"Maintainer: Test <test@example.invalid>\nInstalled-Size: 1\n"+
		"Section: misc\nPriority: optional\n"+
		"Description: test package %s\n generated by debtest\n",
		pkg, version, arch, pkg)
}

// File returns a regular file entry owned by root.
func File(name string, mode int64, body string) Entry {
	return Entry{Name: name, Type: tar.TypeReg, Mode: mode, Body: []byte(body)}
}

// Dir returns a directory entry owned by root; a "/" is appended to name
// if it lacks one.
func Dir(name string, mode int64) Entry {
	if !strings.HasSuffix(name, "/") {
		name += "/"
	}
	return Entry{Name: name, Type: tar.TypeDir, Mode: mode}
}

// Symlink returns a symbolic link entry name -> target.
func Symlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeSymlink, Mode: 0777, Linkname: target}
}

// Hardlink returns a hard link entry; target is an archive name such as
// "./usr/bin/x".
func Hardlink(name, target string) Entry {
	return Entry{Name: name, Type: tar.TypeLink, Mode: 0644, Linkname: target}
}

// Char returns a character device entry.
func Char(name string, major, minor int64) Entry {
	return Entry{Name: name, Type: tar.TypeChar, Mode: 0666, Devmajor: major, Devminor: minor}
}

// Fifo returns a named pipe entry.
func Fifo(name string) Entry {
	return Entry{Name: name, Type: tar.TypeFifo, Mode: 0644}
}

// WithParents returns entries preceded, as dpkg-deb would order them, by
// directory entries ("./", "./usr/", ...) for every parent directory that
// entries do not list themselves. Names are expected in "./a/b" form.
func WithParents(entries []Entry) []Entry {
	key := func(name string) string { return path.Clean("/" + name) }
	have := map[string]bool{}
	for _, e := range entries {
		if e.Type == tar.TypeDir {
			have[key(e.Name)] = true
		}
	}
	var out []Entry
	var add func(dir string)
	add = func(dir string) {
		if have[dir] {
			return
		}
		if dir != "/" {
			add(path.Dir(dir))
		}
		have[dir] = true
		out = append(out, Dir("."+strings.TrimSuffix(dir, "/"), 0755))
	}
	for _, e := range entries {
		add(path.Dir(key(e.Name)))
		out = append(out, e)
	}
	return out
}

// ReadAR splits an ar archive into its members. It is a test helper for
// checking generated packages and is strict about the format.
func ReadAR(b []byte) ([]Member, error) {
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		return nil, fmt.Errorf("debtest: not an ar archive")
	}
	b = b[8:]
	var out []Member
	for len(b) > 0 {
		if len(b) < 60 {
			return nil, io.ErrUnexpectedEOF
		}
		h := b[:60]
		var size int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(h[48:58])), "%d", &size); err != nil {
			return nil, fmt.Errorf("debtest: bad ar size: %w", err)
		}
		b = b[60:]
		if len(b) < size {
			return nil, io.ErrUnexpectedEOF
		}
		out = append(out, Member{Name: strings.TrimRight(string(h[:16]), " /"), Data: b[:size]})
		b = b[size:]
		if size%2 == 1 && len(b) > 0 {
			b = b[1:]
		}
	}
	return out, nil
}
