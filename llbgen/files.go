package llbgen

import (
	"archive/tar"
	"bytes"
	"slices"
	"strconv"

	"github.com/distrofile/distrofile/debextract/cacerts"

	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debarch"
	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/helperargs"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/solver/pb"

	"github.com/moby/buildkit/client/llb"
)

// File is one generated filesystem entry or one COPY, with what only
// LLB has: the state a COPY reads from and the instruction's source
// location.
type File struct {
	imagespec.File
	// From is the state a imagespec.KindCopy's Srcs are in.
	From llb.State
	// Constraints (source locations) of the instruction.
	Constraints []llb.ConstraintsOpt
}

// withoutRedeclaredDirs leaves out the implicit directories (see
// imagespec.File.Implicit) whose path an earlier entry has: /tmp stays
// 1777 under WORKDIR /tmp, a home its user's under WORKDIR or MKDIR, the
// first MKDIR's mode the one that counts.
func withoutRedeclaredDirs(files []File) []File {
	seen := map[string]bool{}
	var out []File
	for _, f := range files {
		p := path.Clean(f.Path)
		if f.Kind == imagespec.KindDir && f.Implicit && seen[p] {
			continue
		}
		if f.Kind != imagespec.KindCopy {
			seen[p] = true
		}
		out = append(out, f)
	}
	return out
}

// Generated returns fs as Files of a Plan: entries with no source to bind.
func Generated(fs []imagespec.File) []File {
	out := make([]File, len(fs))
	for i, f := range fs {
		out[i] = File{File: f}
	}
	return out
}

// usrMergeLinks returns the top-level links of a merged-/usr root for arch,
// as Debian's base-files makes them: /lib64 too where the dynamic loader
// is there.
func usrMergeLinks(arch string) []imagespec.File {
	dirs := []string{"bin", "sbin", "lib"}
	if a, ok := debarch.Lookup(arch); ok && a.LoaderDir() == "/lib64" {
		dirs = append(dirs, "lib64")
	}
	var out []imagespec.File
	for _, d := range dirs {
		out = append(out, imagespec.File{Kind: imagespec.KindSymlink, Path: "/" + d, Target: "usr/" + d})
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
func BaseFiles(acc imagespec.Accounts, arch string, usrMerge bool) []imagespec.File {
	fs := []imagespec.File{
		{Kind: imagespec.KindDir, Path: "/etc", Mode: 0o755},
		{Kind: imagespec.KindFile, Path: "/etc/passwd", Mode: 0o644, Content: []byte(acc.Passwd())},
		{Kind: imagespec.KindFile, Path: "/etc/group", Mode: 0o644, Content: []byte(acc.Group())},
		{Kind: imagespec.KindFile, Path: "/etc/nsswitch.conf", Mode: 0o644, Content: []byte(nsswitch)},
		{Kind: imagespec.KindDir, Path: "/tmp", Mode: 0o777 | os.ModeSticky},
		{Kind: imagespec.KindDir, Path: "/root", Mode: 0o700},
		{Kind: imagespec.KindDir, Path: "/home", Mode: 0o755},
		{Kind: imagespec.KindDir, Path: "/usr", Mode: 0o755},
	}
	for _, u := range acc.Users {
		if u.CreateHome && u.Home != "/" && u.Home != "" {
			fs = append(fs, imagespec.File{Kind: imagespec.KindDir, Path: u.Home, Mode: 0o750, UID: u.UID, GID: u.GID, Implicit: true})
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
// of its last imagespec.KindDir entry (Build has left out the implicit
// ones that an earlier entry makes: withoutRedeclaredDirs). COPY entries then run as one FileOp on top, so
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
	layer, err := generatedLayer(files, epoch, opt, caRoot, resolved)
	if err != nil {
		return llb.State{}, err
	}
	return withCopies(layer, files, nil), nil
}

// withCopies returns layer with the COPY entries of files that keep says
// (all when keep is nil) as one FileOp on top.
func withCopies(layer llb.State, files []File, keep func(File) bool) llb.State {
	if fa := copyActions(files, keep); fa != nil {
		return layer.File(fa, llb.WithCustomName("[distrofile] COPY"))
	}
	return layer
}

// generatedLayer is FilesLayer without the COPYs.
func generatedLayer(files []File, epoch time.Time, opt ExtractOptions, caRoot []llb.State, resolved *llb.State) (llb.State, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	n := 0
	for _, f := range files {
		if f.Kind == imagespec.KindCopy {
			continue
		}
		h := &tar.Header{Name: strings.TrimPrefix(path.Clean(f.Path), "/"), Uid: f.UID, Gid: f.GID, ModTime: epoch, Format: tar.FormatPAX}
		switch f.Kind {
		case imagespec.KindDir:
			h.Typeflag, h.Mode, h.Name = tar.TypeDir, debextract.UnixMode(f.Mode), h.Name+"/"
		case imagespec.KindFile:
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, debextract.UnixMode(f.Mode), int64(len(f.Content))
		case imagespec.KindSymlink:
			h.Typeflag, h.Mode, h.Linkname = tar.TypeSymlink, 0o777, f.Target
		}
		if err := tw.WriteHeader(h); err != nil {
			return llb.State{}, fmt.Errorf("%s: %w", f.Path, err)
		}
		if f.Kind == imagespec.KindFile {
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
		cmd := helperargs.Tar{MaxMTime: epoch, In: "/in/files.tar", Out: "/out"}
		name := "[distrofile] generated files"
		for i := range caRoot {
			cmd.CARoots = append(cmd.CARoots, "/root/"+strconv.Itoa(i))
		}
		if len(caRoot) > 0 {
			name += " and update-ca-certificates"
		}
		runOpts := []llb.RunOption{
			helperArgs(cmd),
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
	return layer, nil
}

// copyActions returns the COPY entries of files that keep says (all when
// keep is nil) as one chain of FileOp actions, nil when there are none.
func copyActions(files []File, keep func(File) bool) *llb.FileAction {
	var fa *llb.FileAction
	for _, f := range files {
		if f.Kind != imagespec.KindCopy || keep != nil && !keep(f) {
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

// caCopy reports whether a COPY can put something that
// update-ca-certificates reads into the image: its destination is, holds
// or contains one of the directories it reads. The step that writes the
// CA bundle reads those COPYs alone, so that a COPY of a program does not
// run it again.
func caCopy(f File) bool {
	d := path.Clean(f.Path)
	return d == "/" || cacerts.Reads(d)
}

// systemDirs are the top-level directories whose content the packages'
// maintainer scripts and triggers read (configuration, libraries,
// alternatives, data): the effects step reads the COPYs beneath them, or
// above them, and no other (a program under /app, sources under /src).
var systemDirs = []string{"etc", "usr", "var", "opt", "lib", "lib32", "lib64", "libx32", "bin", "sbin", "run", "srv", "home", "root"}

// systemCopy reports whether a COPY's destination lies where the effects
// step reads (systemDirs), or is the root.
func systemCopy(f File) bool {
	d := strings.TrimPrefix(path.Clean(f.Path), "/")
	top, _, _ := strings.Cut(d, "/")
	return d == "" || slices.Contains(systemDirs, top)
}
