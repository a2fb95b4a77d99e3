package llbgen

import (
	"fmt"
	"os"
	"path"
	"strings"
	"time"

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

// nsswitch is what Debian's libc-bin installs as /etc/nsswitch.conf, less
// the services a distroless image has no daemons or databases for.
const nsswitch = `passwd:         files
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
		{Kind: KindDir, Path: "/tmp", Mode: 0o1777},
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

// FilesLayer returns one layer (one FileOp) holding files in order, all
// dated epoch. A directory is made once, at its first use, with the mode and
// owner of its last KindDir entry (0755 root when it has none), so that a
// later MKDIR of /etc does not wipe /etc/passwd and a COPY into /app keeps
// the owner MKDIR gave /app.
func FilesLayer(files []File, epoch time.Time) llb.State {
	ct := llb.WithCreatedTime(epoch)
	declared := map[string]File{}
	for _, f := range files {
		if f.Kind == KindDir {
			declared[path.Clean(f.Path)] = f
		}
	}
	var fa *llb.FileAction
	then := func(mk func(*llb.FileAction) *llb.FileAction) { fa = mk(fa) }
	made := map[string]bool{"/": true}
	var mkdir func(d string)
	mkdir = func(d string) {
		if made[d] {
			return
		}
		mkdir(path.Dir(d))
		made[d] = true
		f, ok := declared[d]
		if !ok {
			f = File{Mode: 0o755}
		}
		opts := []llb.MkdirOption{llb.WithUIDGID(f.UID, f.GID), ct}
		then(func(a *llb.FileAction) *llb.FileAction {
			if a == nil {
				return llb.Mkdir(d, f.Mode, opts...)
			}
			return a.Mkdir(d, f.Mode, opts...)
		})
	}
	for _, f := range files {
		p := path.Clean(f.Path)
		switch f.Kind {
		case KindDir:
			mkdir(p)
		case KindFile:
			mkdir(path.Dir(p))
			opts := []llb.MkfileOption{llb.WithUIDGID(f.UID, f.GID), ct}
			then(func(a *llb.FileAction) *llb.FileAction {
				if a == nil {
					return llb.Mkfile(p, f.Mode, f.Content, opts...)
				}
				return a.Mkfile(p, f.Mode, f.Content, opts...)
			})
		case KindSymlink:
			mkdir(path.Dir(p))
			then(func(a *llb.FileAction) *llb.FileAction {
				if a == nil {
					return llb.Symlink(f.Target, p, ct)
				}
				return a.Symlink(f.Target, p, ct)
			})
		case KindCopy:
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
			dest := p
			if strings.HasSuffix(f.Path, "/") || len(f.Srcs) > 1 {
				dest = strings.TrimSuffix(p, "/") + "/"
				mkdir(p)
			} else {
				mkdir(path.Dir(p))
			}
			for _, src := range f.Srcs {
				then(func(a *llb.FileAction) *llb.FileAction {
					if a == nil {
						return llb.Copy(f.From, src, dest, ci)
					}
					return a.Copy(f.From, src, dest, ci)
				})
			}
		}
	}
	if fa == nil {
		return llb.Scratch()
	}
	return llb.Scratch().File(fa, llb.WithCustomName("[distrofile] generated files"))
}
