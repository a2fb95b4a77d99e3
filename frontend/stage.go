package frontend

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// defaultPath is the PATH of every image, as in Debian's login.defs.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// root is one INSTALL argument with the instruction that named it.
type root struct {
	Package string
	Ranges  []parser.Range
}

// stageState is what a stage has accumulated after its instructions: the
// archive, the package requests, the files and the image config. FROM
// <stage> starts from a copy of the base's state.
type stageState struct {
	Distro, Suite, Snapshot string
	FromRanges              []parser.Range
	Mirrors                 []string
	SecurityMirror          string
	SnapshotMirror          string
	Sources                 []*SourceCmd
	Roots                   []root
	Excludes                []string
	Drops                   []string
	Accounts                accounts
	// Files are the FILE/MKDIR/SYMLINK/COPY entries in order; COPY entries
	// carry the instruction for the frontend to bind its source.
	Files  []stageFile
	Config llbgen.Config
}

// stageFile is a generated entry, or a COPY whose source is bound later.
type stageFile struct {
	llbgen.File
	Copy *CopyCmd
}

func (s *stageState) clone() *stageState {
	c := *s
	c.Mirrors = slices.Clone(s.Mirrors)
	c.Sources = slices.Clone(s.Sources)
	c.Roots = slices.Clone(s.Roots)
	c.Excludes = slices.Clone(s.Excludes)
	c.Drops = slices.Clone(s.Drops)
	c.Accounts = s.Accounts.clone()
	c.Files = slices.Clone(s.Files)
	c.Config.Env = slices.Clone(s.Config.Env)
	c.Config.Entrypoint = slices.Clone(s.Config.Entrypoint)
	c.Config.Cmd = slices.Clone(s.Config.Cmd)
	c.Config.ExposedPorts = slices.Clone(s.Config.ExposedPorts)
	c.Config.Volumes = slices.Clone(s.Config.Volumes)
	if s.Config.Labels != nil {
		c.Config.Labels = map[string]string{}
		for k, v := range s.Config.Labels {
			c.Config.Labels[k] = v
		}
	}
	return &c
}

// evalStage applies a stage's instructions. base is the evaluated base stage
// for FROM <stage>.
func evalStage(st *Stage, base *stageState) (*stageState, error) {
	var s *stageState
	switch st.From.Kind {
	case FromStage:
		s = base.clone()
	case FromDistro:
		s = &stageState{Distro: st.From.Distro, Suite: st.From.Suite, Snapshot: st.From.Snapshot, FromRanges: st.From.Ranges,
			Accounts: defaultAccounts(), Config: llbgen.Config{Env: []string{defaultPath}}}
	case FromScratch:
		s = &stageState{FromRanges: st.From.Ranges, Accounts: defaultAccounts(), Config: llbgen.Config{Env: []string{defaultPath}}}
	case FromImage:
		return nil, errAt(st.From.Ranges, "FROM docker-image:// is not implemented in this release of the frontend")
	}
	for _, c := range st.Commands {
		if err := s.apply(c); err != nil {
			return nil, locate(err, c.Location())
		}
	}
	return s, nil
}

func (s *stageState) apply(c Command) error {
	switch c := c.(type) {
	case *MirrorCmd:
		if len(c.URLs) > 0 {
			s.Mirrors = c.URLs
		}
		if c.Security != "" {
			s.SecurityMirror = c.Security
		}
		if c.Snapshot != "" {
			s.SnapshotMirror = c.Snapshot
		}
	case *SourceCmd:
		s.Sources = append(s.Sources, c)
	case *InstallCmd:
		if s.Distro == "" && len(s.Sources) == 0 {
			return fmt.Errorf("INSTALL needs a package archive: start the stage FROM debian:<suite> or add a SOURCE before it (FROM scratch has none)")
		}
		for _, p := range c.Packages {
			s.Roots = append(s.Roots, root{Package: p, Ranges: c.Location()})
		}
	case *ExcludeCmd:
		s.Excludes = append(s.Excludes, c.Packages...)
	case *DropCmd:
		for _, g := range c.Globs {
			if !slices.Contains(s.Drops, g) {
				s.Drops = append(s.Drops, g)
			}
		}
	case *GroupAddCmd:
		return s.Accounts.addGroup(c)
	case *UserAddCmd:
		return s.Accounts.addUser(c)
	case *MkdirCmd:
		uid, gid, err := s.Accounts.owner(c.Owner)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o755)
		if c.Mode != nil {
			mode = modeBits(*c.Mode)
		}
		for _, p := range c.Paths {
			s.Files = append(s.Files, stageFile{File: llbgen.File{Kind: llbgen.KindDir, Path: p, Mode: mode, UID: uid, GID: gid}})
		}
	case *FileCmd:
		uid, gid, err := s.Accounts.owner(c.Owner)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if c.Mode != nil {
			mode = modeBits(*c.Mode)
		}
		s.Files = append(s.Files, stageFile{File: llbgen.File{Kind: llbgen.KindFile, Path: c.Path, Mode: mode, UID: uid, GID: gid, Content: []byte(c.Content)}})
	case *SymlinkCmd:
		s.Files = append(s.Files, stageFile{File: llbgen.File{Kind: llbgen.KindSymlink, Path: c.Path, Target: c.Target}})
	case *CopyCmd:
		f := llbgen.File{Kind: llbgen.KindCopy, Path: c.Dest, Srcs: c.Srcs}
		if !path.IsAbs(c.Dest) {
			wd := s.Config.WorkingDir
			if wd == "" {
				wd = "/"
			}
			f.Path = path.Join(wd, c.Dest)
			if strings.HasSuffix(c.Dest, "/") || c.Dest == "." {
				f.Path += "/"
			}
		}
		if c.Chown != "" {
			uid, gid, err := s.Accounts.owner(c.Chown)
			if err != nil {
				return err
			}
			f.UID, f.GID, f.Chown = uid, gid, true
		}
		if c.Chmod != "" {
			m, err := strconv.ParseUint(c.Chmod, 8, 32)
			if err != nil || m > 0o7777 {
				return fmt.Errorf("COPY --chmod=%s: want an octal mode such as 0755", c.Chmod)
			}
			fm := modeBits(uint32(m))
			f.Chmod = &fm
		}
		s.Files = append(s.Files, stageFile{File: f, Copy: c})
	case *EnvCmd:
		for _, kv := range c.Pairs {
			s.Config.Env = setEnv(s.Config.Env, kv.Key, kv.Value)
		}
	case *LabelCmd:
		if s.Config.Labels == nil {
			s.Config.Labels = map[string]string{}
		}
		for _, kv := range c.Pairs {
			s.Config.Labels[kv.Key] = kv.Value
		}
	case *EntrypointCmd:
		s.Config.Entrypoint = c.Args
		// As in a Dockerfile, a new ENTRYPOINT resets an inherited CMD.
		s.Config.Cmd = nil
	case *CmdCmd:
		s.Config.Cmd = c.Args
	case *WorkdirCmd:
		wd := c.Path
		if !path.IsAbs(wd) {
			wd = path.Join("/", s.Config.WorkingDir, wd)
		}
		s.Config.WorkingDir = path.Clean(wd)
		if !s.declaresDir(s.Config.WorkingDir) {
			s.Files = append(s.Files, stageFile{File: llbgen.File{Kind: llbgen.KindDir, Path: s.Config.WorkingDir, Mode: 0o755}})
		}
	case *UserCmd:
		s.Config.User = c.User
	case *ExposeCmd:
		for _, p := range c.Ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			if !slices.Contains(s.Config.ExposedPorts, p) {
				s.Config.ExposedPorts = append(s.Config.ExposedPorts, p)
			}
		}
	case *StopSignalCmd:
		s.Config.StopSignal = c.Signal
	case *VolumeCmd:
		s.Config.Volumes = append(s.Config.Volumes, c.Paths...)
	default:
		return fmt.Errorf("internal error: unhandled instruction %T", c)
	}
	return nil
}

func (s *stageState) declaresDir(p string) bool {
	for _, f := range s.Files {
		if f.Kind == llbgen.KindDir && path.Clean(f.Path) == p {
			return true
		}
	}
	return false
}

// modeBits converts a chmod-style octal mode to an os.FileMode.
func modeBits(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// usrMerged says whether suite's base-files makes /bin, /sbin and /lib*
// links into /usr (Debian trixie and later); older suites keep Debian's own
// layout unless the user opts in.
func usrMerged(distro, suite string) bool {
	if distro != "debian" {
		return true
	}
	switch suite {
	case "buster", "bullseye", "bookworm", "oldoldstable", "oldstable":
		return false
	}
	return true
}
