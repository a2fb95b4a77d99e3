package distrofile

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The instructions that write files: MKDIR, SYMLINK, FILE and COPY.

// MkdirCmd is MKDIR [--mode=] [--owner=] path…
type MkdirCmd struct {
	loc
	Paths []string
	Mode  *uint32
	Owner string
}

func parseMkdir(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("MKDIR needs at least one path")
	}
	if err := absPaths("MKDIR", ws...); err != nil {
		return nil, err
	}
	mode, err := in.flags.mode("mode")
	if err != nil {
		return nil, err
	}
	return &MkdirCmd{loc: in.loc, Paths: ws, Mode: mode, Owner: in.flags.string("owner")}, nil
}

func (c *MkdirCmd) apply(s *StageSpec) error {
	uid, gid, err := s.Accounts.owner(c.Owner)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o755)
	if c.Mode != nil {
		mode = modeBits(*c.Mode)
	}
	for _, p := range c.Paths {
		s.Files = append(s.Files, StageFile{File: imagespec.File{Kind: imagespec.KindDir, Path: p, Mode: mode, UID: uid, GID: gid, Implicit: true}, By: c})
	}
	return nil
}

// SymlinkCmd is SYMLINK target path.
type SymlinkCmd struct {
	loc
	Target, Path string
}

func parseSymlink(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) != 2 {
		return nil, fmt.Errorf("SYMLINK needs a target and a path, e.g. SYMLINK /usr/bin/python3 /usr/bin/python")
	}
	if err := absPaths("SYMLINK", ws[1]); err != nil {
		return nil, err
	}
	return &SymlinkCmd{loc: in.loc, Target: ws[0], Path: ws[1]}, nil
}

func (c *SymlinkCmd) apply(s *StageSpec) error {
	s.Files = append(s.Files, StageFile{File: imagespec.File{Kind: imagespec.KindSymlink, Path: c.Path, Target: c.Target}, By: c})
	return nil
}

// FileCmd is FILE [--mode=] [--owner=] path <<EOF … EOF.
type FileCmd struct {
	loc
	Path    string
	Mode    *uint32
	Owner   string
	Content string
}

func parseFile(p *parseState, in *input) (Command, error) {
	n := in.node
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(n.Heredocs) != 1 || len(ws) != 2 || !strings.HasPrefix(ws[1], "<<") {
		return nil, fmt.Errorf("FILE needs a path and one heredoc, e.g. FILE /etc/app.conf <<EOF")
	}
	if err := absPaths("FILE", ws[0]); err != nil {
		return nil, err
	}
	mode, err := in.flags.mode("mode")
	if err != nil {
		return nil, err
	}
	h := n.Heredocs[0]
	content := h.Content
	if h.Chomp { // <<-EOF: leading tabs go, as in a Dockerfile's COPY
		content = parser.ChompHeredocContent(content)
	}
	if h.Expand {
		lex := *p.lex
		lex.SkipProcessQuotes = true
		if content, _, err = lex.ProcessWord(content, p.env()); err != nil {
			return nil, err
		}
	}
	return &FileCmd{loc: in.loc, Path: ws[0], Mode: mode, Owner: in.flags.string("owner"), Content: content}, nil
}

func (c *FileCmd) apply(s *StageSpec) error {
	uid, gid, err := s.Accounts.owner(c.Owner)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if c.Mode != nil {
		mode = modeBits(*c.Mode)
	}
	s.Files = append(s.Files, StageFile{File: imagespec.File{Kind: imagespec.KindFile, Path: c.Path, Mode: mode, UID: uid, GID: gid, Content: []byte(c.Content)}, By: c})
	return nil
}

// CopyCmd is COPY [--from=] [--chown=] [--chmod=] [--link] src… dest.
type CopyCmd struct {
	loc
	From  string
	Chown string
	Chmod *uint32
	Srcs  []string
	Dest  string
}

func parseCopy(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(in.node.Heredocs) > 0 {
		return nil, fmt.Errorf("COPY takes no heredoc: use FILE <path> <<EOF for inline files")
	}
	if len(ws) < 2 {
		return nil, fmt.Errorf("COPY needs at least one source and a destination")
	}
	// Every COPY of a Distrofile is what --link makes of a Dockerfile's:
	// its files do not depend on the layers before it (the packages are
	// merged beside them), so --link is the only way there is.
	if link, ok := in.flags.bool("link"); ok && !link {
		return nil, fmt.Errorf("COPY --link=false: every COPY of a Distrofile is linked (its layer does not depend on the packages' layers)")
	}
	chmod, err := in.flags.mode("chmod")
	if err != nil {
		return nil, fmt.Errorf("COPY %w", err)
	}
	return &CopyCmd{loc: in.loc, From: in.flags.string("from"), Chown: in.flags.string("chown"), Chmod: chmod, Srcs: ws[:len(ws)-1], Dest: ws[len(ws)-1]}, nil
}

func (c *CopyCmd) apply(s *StageSpec) error {
	f := imagespec.File{Kind: imagespec.KindCopy, Path: c.Dest, Srcs: c.Srcs}
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
	if c.Chmod != nil {
		fm := modeBits(*c.Chmod)
		f.Chmod = &fm
	}
	s.Files = append(s.Files, StageFile{File: f, Copy: c, By: c})
	return nil
}
