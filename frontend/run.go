package frontend

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/distrofile/distrofile/imagespec"

	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/client/llb"
	bkins "github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// shellPackage is the Debian package that ships /bin/sh, which RUN's
// shell form needs.
const shellPackage = "dash"

// runBase is what a stage's RUN lines start from besides their own ENV,
// WORKDIR and USER: an image's config for a stage FROM an image.
type runBase struct {
	env           []string
	workdir, user string
	// hasShell says whether the stage has /bin/sh.
	hasShell bool
}

// runFiles returns root with the stage's RUN lines run in order, each
// followed by the stage's files that come after it (files[i] is
// s.Files[i]) in a layer merged on top.
func (b *builder) runFiles(ctx context.Context, root llb.State, st *distrofile.Stage, s *distrofile.StageSpec, files []llbgen.File,
	base runBase, p ocispecs.Platform, opt llbgen.ExtractOptions) (llb.State, error) {
	for i, r := range s.Runs {
		var err error
		if root, err = b.run(ctx, root, st, r, base, p); err != nil {
			return llb.State{}, distrofile.Locate(err, r.Cmd.Location())
		}
		end := len(files)
		if i+1 < len(s.Runs) {
			end = s.Runs[i+1].FilesBefore
		}
		if root, err = mergeFiles(root, files[r.FilesBefore:end], b.epoch, opt); err != nil {
			return llb.State{}, err
		}
	}
	return root, nil
}

// mergeFiles returns root with files (FILE, MKDIR, SYMLINK, WORKDIR and
// COPY entries) in a layer of their own merged on top: COPYs are linked,
// as every COPY of a Distrofile is.
func mergeFiles(root llb.State, files []llbgen.File, epoch time.Time, opt llbgen.ExtractOptions) (llb.State, error) {
	if len(files) == 0 {
		return root, nil
	}
	layer, err := llbgen.FilesLayer(files, epoch, opt, nil, nil)
	if err != nil {
		return llb.State{}, err
	}
	if opt.NoMerge {
		return root.File(llb.Copy(layer, "/", "/", &llb.CopyInfo{CopyDirContentsOnly: true}), llb.WithCustomName("[distrofile] files after RUN")), nil
	}
	return llb.Merge([]llb.State{root, layer}, llb.WithCustomName("[distrofile] files after RUN")), nil
}

// run returns root after RUN r, as a Dockerfile runs it: the program (or
// /bin/sh -c and the script) in root, with the stage's environment,
// working directory and user, and the line's mounts, network and
// security mode.
func (b *builder) run(ctx context.Context, root llb.State, st *distrofile.Stage, r distrofile.RunStep, base runBase, p ocispecs.Platform) (llb.State, error) {
	c := r.Cmd
	args := c.Args
	if c.Shell {
		if !base.hasShell {
			return llb.State{}, fmt.Errorf("RUN in shell form runs /bin/sh -c, and this stage has no /bin/sh: INSTALL %s, or use the exec form, RUN [\"/usr/bin/program\", \"argument\"]", shellPackage)
		}
		args = []string{"/bin/sh", "-c", c.Args[0]}
	}
	opts := []llb.RunOption{llb.Args(args), llb.Platform(p), llb.WithCustomName("RUN " + strings.Join(c.Args, " ")), b.loc(c.Location())}
	env := append([]string(nil), base.env...)
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		env = imagespec.SetEnv(env, k, v)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		opts = append(opts, llb.AddEnv(k, v))
	}
	dir := r.WorkingDir
	if dir == "" {
		dir = base.workdir
	}
	if dir == "" {
		dir = "/"
	}
	opts = append(opts, llb.Dir(dir))
	if user := cmp.Or(r.User, base.user); user != "" {
		opts = append(opts, llb.User(user))
	}
	switch c.Network {
	case string(bkins.NetworkNone):
		opts = append(opts, llb.Network(pb.NetMode_NONE))
	case string(bkins.NetworkHost):
		opts = append(opts, llb.Network(pb.NetMode_HOST))
	}
	if c.Security == "insecure" {
		opts = append(opts, llb.Security(pb.SecurityMode_INSECURE))
	}
	for _, m := range c.Mounts {
		o, err := b.runMount(ctx, m, dir, p)
		if err != nil {
			return llb.State{}, fmt.Errorf("RUN --mount=type=%s: %w", m.Type, err)
		}
		opts = append(opts, o)
	}
	if b.bc.IsNoCache(st.Name) || b.bc.IsNoCache(b.ownerOf(c).Name) {
		opts = append(opts, llb.IgnoreCache)
	}
	return root.Run(opts...).Root(), nil
}

// runMount is one RUN --mount, as BuildKit's Dockerfile frontend makes it.
func (b *builder) runMount(ctx context.Context, m *bkins.Mount, cwd string, p ocispecs.Platform) (llb.RunOption, error) {
	target := m.Target
	if target != "" && !path.IsAbs(target) {
		target = path.Join(cwd, target)
	}
	uidGidMode := func(defMode int) (uid, gid, mode int, ok bool) {
		if m.UID == nil && m.GID == nil && m.Mode == nil {
			return 0, 0, 0, false
		}
		mode = defMode
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		if m.Mode != nil {
			mode = int(*m.Mode)
		}
		return uid, gid, mode, true
	}
	switch m.Type {
	case bkins.MountTypeCache:
		id := m.CacheID
		if id == "" {
			id = target
		}
		sharing := map[bkins.ShareMode]llb.CacheMountSharingMode{bkins.MountSharingPrivate: llb.CacheMountPrivate,
			bkins.MountSharingLocked: llb.CacheMountLocked}[m.CacheSharing]
		src := llb.Scratch()
		mo := []llb.MountOption{llb.AsPersistentCacheDir(id, sharing)}
		if m.From != "" {
			st, err := b.sourceState(ctx, m.From, p)
			if err != nil {
				return nil, err
			}
			src = st
			mo = append(mo, llb.SourcePath(cmp.Or(m.Source, "/")))
		} else if uid, gid, mode, ok := uidGidMode(0o755); ok {
			src = llb.Scratch().File(llb.Mkdir("/cache", os.FileMode(mode), llb.WithUIDGID(uid, gid)), llb.WithCustomName("[distrofile] cache directory"))
			mo = append(mo, llb.SourcePath("/cache"))
		}
		if m.ReadOnly {
			mo = append(mo, llb.Readonly)
		}
		return llb.AddMount(target, src, mo...), nil
	case bkins.MountTypeBind:
		src, err := b.sourceState(ctx, m.From, p)
		if err != nil {
			return nil, err
		}
		mo := []llb.MountOption{llb.SourcePath(cmp.Or(m.Source, "/"))}
		if m.ReadOnly {
			mo = append(mo, llb.Readonly)
		}
		return llb.AddMount(target, src, mo...), nil
	case bkins.MountTypeTmpfs:
		return llb.AddMount(target, llb.Scratch(), llb.Tmpfs(llb.TmpfsSize(m.SizeLimit))), nil
	case bkins.MountTypeSecret:
		id := cmp.Or(m.Source, m.CacheID)
		if id == "" {
			if target == "" {
				return nil, fmt.Errorf("one of id, target required")
			}
			id = path.Base(target)
		}
		var dest *string
		if target != "" {
			dest = &target
		}
		if m.Env == nil && target == "" {
			d := "/run/secrets/" + path.Base(id)
			dest = &d
		}
		opts := []llb.SecretOption{llb.SecretID(id)}
		if !m.Required {
			opts = append(opts, llb.SecretOptional)
		}
		if m.Env != nil {
			opts = append(opts, llb.SecretAsEnvName(*m.Env))
		}
		if uid, gid, mode, ok := uidGidMode(0o400); ok {
			opts = append(opts, llb.SecretFileOpt(uid, gid, mode))
		}
		return llb.AddSecretWithDest(id, dest, opts...), nil
	case bkins.MountTypeSSH:
		if m.Source != "" {
			return nil, fmt.Errorf("ssh takes no source")
		}
		opts := []llb.SSHOption{llb.SSHID(m.CacheID)}
		if target != "" {
			opts = append(opts, llb.SSHSocketTarget(target))
		}
		if !m.Required {
			opts = append(opts, llb.SSHOptional)
		}
		if uid, gid, mode, ok := uidGidMode(0o600); ok {
			opts = append(opts, llb.SSHSocketOpt(target, uid, gid, mode))
		}
		return llb.AddSSHSocket(opts...), nil
	}
	return nil, fmt.Errorf("unsupported mount type %q", m.Type)
}

// ownerOf is the stage whose line c is: a stage FROM another runs that
// stage's RUN lines again in its own graph, and --no-cache-filter naming
// the base stage must reach them there too.
func (b *builder) ownerOf(c distrofile.Command) *distrofile.Stage {
	for _, st := range b.df.Stages {
		if slices.Contains(st.Commands, c) {
			return st
		}
	}
	return &distrofile.Stage{}
}
