package llbgen

import (
	"archive/tar"
	"bytes"
	"strconv"

	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/moby/buildkit/solver/pb"

	"github.com/moby/buildkit/client/llb"
)

// User is one /etc/passwd entry.
type User struct {
	Name     string
	UID, GID int
	Home     string
	Shell    string
	// CreateHome makes the home directory, owned by the user, mode 0750.
	CreateHome bool
}

// Group is one /etc/group entry.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// Accounts are the image's users and groups, in file order.
type Accounts struct {
	Users  []User
	Groups []Group
}

// Passwd renders /etc/passwd.
func (a Accounts) Passwd() string {
	var b strings.Builder
	for _, u := range a.Users {
		fmt.Fprintf(&b, "%s:x:%d:%d:%s:%s:%s\n", u.Name, u.UID, u.GID, u.Name, u.Home, u.Shell)
	}
	return b.String()
}

// Group renders /etc/group.
func (a Accounts) Group() string {
	var b strings.Builder
	for _, g := range a.Groups {
		fmt.Fprintf(&b, "%s:x:%d:%s\n", g.Name, g.GID, strings.Join(g.Members, ","))
	}
	return b.String()
}

// FileKind says what a File entry creates.
type FileKind int

// The kinds of generated entries.
const (
	KindDir FileKind = iota
	KindFile
	KindSymlink
	KindCopy
)

// File is one generated filesystem entry or one COPY, in instruction order.
type File struct {
	Kind     FileKind
	Path     string
	Mode     os.FileMode
	UID, GID int
	// Content of a KindFile.
	Content []byte
	// Target of a KindSymlink.
	Target string
	// Copy source for KindCopy: Srcs inside From, copied to Path.
	From  llb.State
	Srcs  []string
	Chmod *os.FileMode
	// Chown, when set, owns copied files by UID:GID.
	Chown bool
	// Constraints (source locations) of the instruction.
	Constraints []llb.ConstraintsOpt
}

// usrMergeLinks returns the top-level links of a merged-/usr root for arch,
// as Debian's base-files makes them.
func usrMergeLinks(arch string) []File {
	dirs := []string{"bin", "sbin", "lib"}
	switch arch {
	case "amd64", "ppc64el", "loong64", "mips64el":
		dirs = append(dirs, "lib64")
	}
	var out []File
	for _, d := range dirs {
		out = append(out, File{Kind: KindSymlink, Path: "/" + d, Target: "usr/" + d})
	}
	return out
}

// nsswitch is /usr/share/libc-bin/nsswitch.conf, which libc-bin's postinst
// copies to /etc/nsswitch.conf (the same in bookworm and trixie).
const nsswitch = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the ` + "`glibc-doc-reference' and `info'" + ` packages installed, try:
# ` + "`info libc \"Name Service Switch\"'" + ` for information about this file.

passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`

// BaseFiles returns what every image gets: /etc/passwd, /etc/group,
// /etc/nsswitch.conf, /tmp (1777), home directories, and on merged-/usr
// suites the /bin /sbin /lib* links.
func BaseFiles(acc Accounts, arch string, usrMerge bool) []File {
	fs := []File{
		{Kind: KindDir, Path: "/etc", Mode: 0o755},
		{Kind: KindFile, Path: "/etc/passwd", Mode: 0o644, Content: []byte(acc.Passwd())},
		{Kind: KindFile, Path: "/etc/group", Mode: 0o644, Content: []byte(acc.Group())},
		{Kind: KindFile, Path: "/etc/nsswitch.conf", Mode: 0o644, Content: []byte(nsswitch)},
		{Kind: KindDir, Path: "/tmp", Mode: 0o777 | os.ModeSticky},
		{Kind: KindDir, Path: "/root", Mode: 0o700},
		{Kind: KindDir, Path: "/home", Mode: 0o755},
		{Kind: KindDir, Path: "/usr", Mode: 0o755},
	}
	for _, u := range acc.Users {
		if u.CreateHome && u.Home != "/" && u.Home != "" {
			fs = append(fs, File{Kind: KindDir, Path: u.Home, Mode: 0o750, UID: u.UID, GID: u.GID})
		}
	}
	if usrMerge {
		fs = append(fs, usrMergeLinks(arch)...)
	}
	return fs
}

// FilesLayer returns the generated-files layer: the non-COPY entries are
// written into a tar here and unpacked by the extraction helper (a FileOp
// cannot make setuid, setgid or sticky modes, and /tmp needs 1777), so that
// every mode, owner and mtime is exact. A directory gets the mode and owner
// of its last KindDir entry. COPY entries then run as one FileOp on top, so
// they land in directories that already have their owners.
//
// When caRoot is given, the same helper run also writes what
// update-ca-certificates would write for the image made of those layers
// (the packages and the COPYs, bottom first), so the CA bundle is part of
// this one layer. Each layer is mounted by itself and the helper reads
// their union: merging them first would make BuildKit materialise the
// merge, a walk and a hard link of every file of the image.
//
// resolved, when not nil, is mounted into the step and not read (see
// Plan.Resolved).
func FilesLayer(files []File, epoch time.Time, opt ExtractOptions, caRoot []llb.State, resolved *llb.State) (llb.State, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	n := 0
	for _, f := range files {
		if f.Kind == KindCopy {
			continue
		}
		h := &tar.Header{Name: strings.TrimPrefix(path.Clean(f.Path), "/"), Uid: f.UID, Gid: f.GID, ModTime: epoch, Format: tar.FormatPAX}
		switch f.Kind {
		case KindDir:
			h.Typeflag, h.Mode, h.Name = tar.TypeDir, debextract.UnixMode(f.Mode), h.Name+"/"
		case KindFile:
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, debextract.UnixMode(f.Mode), int64(len(f.Content))
		case KindSymlink:
			h.Typeflag, h.Mode, h.Linkname = tar.TypeSymlink, 0o777, f.Target
		}
		if err := tw.WriteHeader(h); err != nil {
			return llb.State{}, fmt.Errorf("%s: %w", f.Path, err)
		}
		if f.Kind == KindFile {
			if _, err := tw.Write(f.Content); err != nil {
				return llb.State{}, err
			}
		}
		n++
	}
	if err := tw.Close(); err != nil {
		return llb.State{}, err
	}
	layer := llb.Scratch()
	if n > 0 || len(caRoot) > 0 || resolved != nil {
		spec := llb.Scratch().File(llb.Mkfile("/files.tar", 0o644, buf.Bytes(), llb.WithCreatedTime(epoch)),
			llb.WithCustomName("[distrofile] generated files spec"))
		args := []string{helperInRoot, "--tar", "--max-mtime=" + strconv.FormatInt(epoch.Unix(), 10)}
		name := "[distrofile] generated files"
		for i := range caRoot {
			args = append(args, "--ca-certificates-root=/root/"+strconv.Itoa(i))
		}
		if len(caRoot) > 0 {
			name += " and update-ca-certificates"
		}
		runOpts := []llb.RunOption{
			llb.Args(append(args, "/in/files.tar", "/out")),
			llb.Network(pb.NetMode_NONE),
			llb.Platform(opt.BuildPlatform),
			llb.AddMount("/in", spec, llb.Readonly),
			llb.WithCustomName(name),
		}
		for i, l := range caRoot {
			runOpts = append(runOpts, llb.AddMount("/root/"+strconv.Itoa(i), l, opt.inputMount()...))
		}
		if resolved != nil {
			runOpts = append(runOpts, llb.AddMount("/resolved", *resolved, llb.Readonly))
		}
		if opt.IgnoreCache {
			runOpts = append(runOpts, llb.IgnoreCache)
		}
		es := opt.Helper.Run(runOpts...)
		layer = es.AddMount("/out", llb.Scratch())
	}
	if fa := copyActions(files); fa != nil {
		layer = layer.File(fa, llb.WithCustomName("[distrofile] COPY"))
	}
	return layer, nil
}

// copyActions returns the COPY entries of files as one chain of FileOp
// actions, nil when there are none.
func copyActions(files []File) *llb.FileAction {
	var fa *llb.FileAction
	for _, f := range files {
		if f.Kind != KindCopy {
			continue
		}
		ci := &llb.CopyInfo{
			FollowSymlinks:      true,
			CopyDirContentsOnly: true,
			AllowWildcard:       true,
			CreateDestPath:      true,
		}
		if f.Chown {
			ci.ChownOpt = &llb.ChownOpt{User: &llb.UserOpt{UID: f.UID}, Group: &llb.UserOpt{UID: f.GID}}
		}
		if f.Chmod != nil {
			ci.Mode = &llb.ChmodOpt{Mode: *f.Chmod}
		}
		dest := path.Clean(f.Path)
		if strings.HasSuffix(f.Path, "/") || len(f.Srcs) > 1 {
			dest = strings.TrimSuffix(dest, "/") + "/"
		}
		for _, src := range f.Srcs {
			if fa == nil {
				fa = llb.Copy(f.From, src, dest, ci)
			} else {
				fa = fa.Copy(f.From, src, dest, ci)
			}
		}
	}
	return fa
}
