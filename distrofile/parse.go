package distrofile

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/moby/buildkit/util/suggest"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// instructions is the whole Distrofile language (besides FROM and ARG).
var instructions = []string{
	"from", "arg", "mirror", "source", "install", "exclude", "drop",
	"groupadd", "useradd", "mkdir", "symlink", "file", "copy",
	"env", "entrypoint", "cmd", "workdir", "user", "expose", "label",
	"stopsignal", "volume", "healthcheck",
}

// dockerfileOnly explains Dockerfile instructions that a Distrofile does not have.
var dockerfileOnly = map[string]string{
	"run":        "RUN is not part of a Distrofile: the image has no shell and no package manager; INSTALL packages, add files with FILE, COPY or MKDIR",
	"add":        "ADD is not part of a Distrofile: use COPY for files from the build context",
	"shell":      "SHELL is not part of a Distrofile: the image has no shell",
	"onbuild":    "ONBUILD is not part of a Distrofile",
	"maintainer": "MAINTAINER is not part of a Distrofile: use LABEL org.opencontainers.image.authors=…",
}

var (
	reStageName = regexp.MustCompile(`^[a-z][a-z0-9._-]*$`)
	reAccount   = regexp.MustCompile(`^[a-z_][a-z0-9_-]*\$?$`)
	reSnapshot  = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z$`)
	reSuite     = regexp.MustCompile(`^[a-z][a-z0-9.-]*$`)
	reSignal    = regexp.MustCompile(`^([0-9]+|(?i:(SIG)?[A-Z]+[0-9]*([+-][0-9]+)?))$`)
)

// Parse parses a Distrofile with BuildKit's Dockerfile parser and expands
// ARG and ENV references. buildArgs are the --build-arg values.
func Parse(dt []byte, buildArgs map[string]string) (*Distrofile, error) {
	src, fileLines, err := rewriteFileInstructions(dt)
	if err != nil {
		return nil, err
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, parserError(err)
	}
	p := &parseState{
		lex:       shell.NewLex(res.EscapeToken),
		buildArgs: buildArgs,
		global:    newEnv(),
		df:        &Distrofile{},
		envs:      map[*Stage][]KeyValue{},
	}
	for _, w := range res.Warnings {
		var rs []parser.Range
		if w.Location != nil {
			rs = []parser.Range{*w.Location}
		}
		p.df.Warnings = append(p.df.Warnings, Warning{Message: w.Short, Ranges: rs})
	}
	for _, n := range res.AST.Children {
		if fileLines[n.StartLine] {
			n.Value = "file"
		}
		if err := p.node(n); err != nil {
			return nil, err
		}
	}
	if len(p.df.Stages) == 0 {
		return nil, fmt.Errorf("the Distrofile has no FROM instruction: start with e.g. FROM debian:trixie")
	}
	return p.df, nil
}

// parserError keeps the Dockerfile parser's own line information.
func parserError(err error) error {
	var le *parser.LocationError
	if e, ok := err.(*parser.LocationError); ok {
		le = e
	}
	if le == nil {
		return err
	}
	var rs []parser.Range
	for _, l := range le.Locations {
		rs = append(rs, l...)
	}
	return &LocatedError{Err: le.Unwrap(), Ranges: rs}
}

// rewriteFileInstructions lets the Dockerfile parser read FILE heredocs: the
// parser only collects heredocs for COPY, ADD and RUN, so each FILE keyword is
// replaced by COPY (same length: every column stays where it was) and the
// returned set remembers the lines that were FILE. One FILE is rewritten per
// round, so that a heredoc body line that happens to start with FILE is
// never mistaken for an instruction.
func rewriteFileInstructions(dt []byte) ([]byte, map[int]bool, error) {
	src := bytes.Clone(dt)
	fileLines := map[int]bool{}
	for round := 0; ; round++ {
		if round > 10000 {
			return nil, nil, fmt.Errorf("too many FILE instructions")
		}
		res, err := parser.Parse(bytes.NewReader(src))
		if err != nil {
			return nil, nil, parserError(err)
		}
		var next *parser.Node
		for _, n := range res.AST.Children {
			if strings.EqualFold(n.Value, "file") && !fileLines[n.StartLine] {
				next = n
				break
			}
		}
		if next == nil {
			return src, fileLines, nil
		}
		lines := bytes.SplitAfter(src, []byte("\n"))
		i := next.StartLine - 1
		if i < 0 || i >= len(lines) {
			return nil, nil, fmt.Errorf("internal error: FILE on line %d not found", next.StartLine)
		}
		line := lines[i]
		// The parser skips a byte order mark before the first line.
		off := len(line) - len(bytes.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }))
		if !bytes.EqualFold(line[off:min(off+4, len(line))], []byte("file")) {
			return nil, nil, fmt.Errorf("internal error: FILE on line %d not found", next.StartLine)
		}
		copy(line[off:off+4], "COPY")
		fileLines[next.StartLine] = true
		src = bytes.Join(lines, nil)
	}
}

type parseState struct {
	lex       *shell.Lex
	buildArgs map[string]string
	global    *env // ARGs declared before the first FROM
	stageEnv  *env // ARGs and ENVs of the current stage, for expansion
	stage     *Stage
	df        *Distrofile
	// envs are the ENV pairs each stage ends with (inherited ones and the
	// default PATH included): FROM <stage> expands with its base's ENVs.
	envs map[*Stage][]KeyValue
}

func (p *parseState) node(n *parser.Node) error {
	cmd := strings.ToLower(n.Value)
	rs := n.Location()
	if cmd == "from" {
		return p.from(n)
	}
	if cmd == "arg" {
		return p.arg(n)
	}
	if p.stage == nil {
		return ErrAt(rs, "%s before the first FROM: only ARG may come before FROM", strings.ToUpper(cmd))
	}
	c, err := p.command(cmd, n)
	if err != nil {
		return Locate(err, rs)
	}
	p.stage.Commands = append(p.stage.Commands, c)
	return nil
}

// words returns the instruction's arguments after flags: the parser's own
// split for the instructions it knows, a shell-like split for ours.
func (p *parseState) words(n *parser.Node, expand bool) ([]string, error) {
	var raw []string
	if !parserKnown[strings.ToLower(n.Value)] {
		rest := argsAfterFlags(n.Original, len(n.Flags))
		if !expand {
			return strings.Fields(rest), nil
		}
		ws, err := p.lex.ProcessWords(rest, p.env())
		if err != nil {
			return nil, err
		}
		return ws, nil
	}
	for x := n.Next; x != nil; x = x.Next {
		raw = append(raw, x.Value)
	}
	if !expand || n.Attributes["json"] {
		return raw, nil
	}
	out := make([]string, 0, len(raw))
	for _, w := range raw {
		v, err := p.expand(w)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parseState) expand(w string) (string, error) {
	v, _, err := p.lex.ProcessWord(w, p.env())
	return v, err
}

func (p *parseState) env() shell.EnvGetter {
	if p.stageEnv != nil {
		return p.stageEnv
	}
	return p.global
}

// argsAfterFlags returns the part of an instruction line after the keyword
// and its n leading --flags.
func argsAfterFlags(line string, n int) string {
	rest := strings.TrimLeftFunc(line, unicode.IsSpace)
	rest = strings.TrimLeftFunc(strings.TrimLeftFunc(rest, func(r rune) bool { return !unicode.IsSpace(r) }), unicode.IsSpace)
	for range n {
		var quote rune
		i := 0
		for i < len(rest) {
			r := rune(rest[i])
			if quote != 0 {
				if r == quote {
					quote = 0
				}
			} else if r == '"' || r == '\'' {
				quote = r
			} else if unicode.IsSpace(r) {
				break
			}
			i++
		}
		rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
	}
	return strings.TrimSpace(rest)
}

func (p *parseState) from(n *parser.Node) error {
	rs := n.Location()
	if len(n.Flags) > 0 {
		return ErrAt(rs, "FROM takes no flags (%s): the target platform comes from --platform", n.Flags[0])
	}
	p.stageEnv = nil // FROM expands global ARGs only
	ws, err := p.words(n, true)
	if err != nil {
		return Locate(err, rs)
	}
	if len(ws) > 0 && ws[0] == "" {
		return ErrAt(rs, "FROM %s: the base is empty (give the ARG a default or a --build-arg)", n.Next.Value)
	}
	st := &Stage{Index: len(p.df.Stages)}
	switch {
	case len(ws) == 1:
	case len(ws) == 3 && strings.EqualFold(ws[1], "as"):
		name := strings.ToLower(ws[2])
		if !reStageName.MatchString(name) {
			return ErrAt(rs, "invalid stage name %q: use letters, digits, '.', '_' and '-', starting with a letter", ws[2])
		}
		for _, s := range p.df.Stages {
			if s.Name == name {
				return ErrAt(rs, "duplicate stage name %q", name)
			}
		}
		st.Name = name
	default:
		return ErrAt(rs, "FROM needs one base and an optional AS <name>, e.g. FROM debian:trixie AS runtime")
	}
	f, err := p.parseFromBase(ws[0])
	if err != nil {
		return Locate(err, rs)
	}
	f.Ranges = rs
	st.From = f
	p.stage = st
	p.stageEnv = newEnv()
	inherited := []KeyValue{{"PATH", strings.TrimPrefix(defaultPath, "PATH=")}}
	if f.Kind == FromStage {
		inherited = p.envs[f.Stage]
	}
	for _, kv := range inherited {
		p.stageEnv.set(kv.Key, kv.Value)
	}
	p.envs[st] = slices.Clone(inherited)
	p.df.Stages = append(p.df.Stages, st)
	return nil
}

func (p *parseState) parseFromBase(base string) (From, error) {
	if base == "scratch" {
		return From{Kind: FromScratch}, nil
	}
	if ref, ok := strings.CutPrefix(base, "docker-image://"); ok {
		return From{Kind: FromImage, Image: ref}, nil
	}
	for _, s := range p.df.Stages {
		if s.Name != "" && s.Name == strings.ToLower(base) || strconv.Itoa(s.Index) == base {
			return From{Kind: FromStage, Stage: s}, nil
		}
	}
	name, tag, ok := strings.Cut(base, ":")
	if !ok {
		return From{}, fmt.Errorf("unknown base %q: use a distribution and suite (debian:trixie), an earlier stage, scratch or docker-image://<ref>", base)
	}
	suite, snap, hasSnap := strings.Cut(tag, "@")
	switch name {
	case "debian", "ubuntu":
	default:
		return From{}, fmt.Errorf("unknown distribution %q in %q: use debian:<suite> or ubuntu:<suite>", name, base)
	}
	if !reSuite.MatchString(suite) {
		return From{}, fmt.Errorf("invalid suite %q in %q", suite, base)
	}
	if hasSnap && !reSnapshot.MatchString(snap) {
		return From{}, fmt.Errorf("invalid snapshot %q: use YYYYMMDDTHHMMSSZ, e.g. %s:%s@20250520T000000Z", snap, name, suite)
	}
	return From{Kind: FromDistro, Distro: name, Suite: suite, Snapshot: snap}, nil
}

func (p *parseState) arg(n *parser.Node) error {
	rs := n.Location()
	ws, err := p.words(n, false)
	if err != nil {
		return Locate(err, rs)
	}
	if len(ws) == 0 {
		return ErrAt(rs, "ARG needs a name, e.g. ARG SUITE=trixie")
	}
	for _, w := range ws {
		name, def, hasDef := strings.Cut(w, "=")
		if name == "" {
			return ErrAt(rs, "ARG needs a name before '='")
		}
		if hasDef {
			v, err := p.expand(def)
			if err != nil {
				return Locate(err, rs)
			}
			def = v
		}
		val, ok := p.buildArgs[name]
		if !ok {
			if hasDef {
				val, ok = def, true
			} else if p.stage != nil {
				val, ok = p.global.Get(name)
			}
		}
		target := p.global
		if p.stage != nil {
			target = p.stageEnv
		} else {
			p.df.Args = append(p.df.Args, Arg{Name: name, Value: val, Ranges: rs})
		}
		if ok {
			target.set(name, val)
		} else {
			target.set(name, "")
		}
	}
	return nil
}

func (p *parseState) command(cmd string, n *parser.Node) (Command, error) {
	rs := n.Location()
	l := loc{Ranges: rs}
	fl, err := parseFlags(n.Flags, flagSpecs[cmd])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.ToUpper(cmd), err)
	}
	switch cmd {
	case "mirror":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 && fl["security"] == "" && fl["snapshot"] == "" {
			return nil, fmt.Errorf("MIRROR needs at least one URL, e.g. MIRROR http://<host>/debian")
		}
		for _, u := range append(slices.Clone(ws), fl["security"], fl["snapshot"]) {
			if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return nil, fmt.Errorf("MIRROR %q: only http:// and https:// URLs are supported", u)
			}
		}
		return &MirrorCmd{loc: l, URLs: ws, Security: fl["security"], Snapshot: fl["snapshot"]}, nil
	case "install", "exclude":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			return nil, fmt.Errorf("%s needs at least one package name", strings.ToUpper(cmd))
		}
		for _, w := range ws {
			if err := checkPackageArg(w, cmd == "install"); err != nil {
				return nil, err
			}
		}
		if cmd == "install" {
			return &InstallCmd{loc: l, Packages: ws}, nil
		}
		return &ExcludeCmd{loc: l, Packages: ws}, nil
	case "groupadd":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) != 1 || !reAccount.MatchString(ws[0]) {
			return nil, fmt.Errorf("GROUPADD needs one group name (lower case letters, digits, '_' and '-')")
		}
		gid, err := optInt(fl, "gid")
		if err != nil {
			return nil, err
		}
		return &GroupAddCmd{loc: l, Name: ws[0], GID: gid}, nil
	case "useradd":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) != 1 || !reAccount.MatchString(ws[0]) {
			return nil, fmt.Errorf("USERADD needs one user name (lower case letters, digits, '_' and '-')")
		}
		c := &UserAddCmd{loc: l, Name: ws[0], Home: fl["home"], Shell: fl["shell"]}
		if c.UID, err = optInt(fl, "uid"); err != nil {
			return nil, err
		}
		if c.GID, err = optInt(fl, "gid"); err != nil {
			return nil, err
		}
		if g := fl["groups"]; g != "" {
			c.Groups = strings.Split(g, ",")
		}
		for _, d := range []string{c.Home, c.Shell} {
			if d != "" && !path.IsAbs(d) {
				return nil, fmt.Errorf("USERADD: %q must be an absolute path", d)
			}
		}
		return c, nil
	case "mkdir":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			return nil, fmt.Errorf("MKDIR needs at least one path")
		}
		if err := absPaths("MKDIR", ws...); err != nil {
			return nil, err
		}
		mode, err := optMode(fl)
		if err != nil {
			return nil, err
		}
		return &MkdirCmd{loc: l, Paths: ws, Mode: mode, Owner: fl["owner"]}, nil
	case "symlink":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) != 2 {
			return nil, fmt.Errorf("SYMLINK needs a target and a path, e.g. SYMLINK /usr/bin/python3 /usr/bin/python")
		}
		if err := absPaths("SYMLINK", ws[1]); err != nil {
			return nil, err
		}
		return &SymlinkCmd{loc: l, Target: ws[0], Path: ws[1]}, nil
	case "file":
		return p.file(n, l, fl)
	case "copy":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(n.Heredocs) > 0 {
			return nil, fmt.Errorf("COPY takes no heredoc: use FILE <path> <<EOF for inline files")
		}
		if len(ws) < 2 {
			return nil, fmt.Errorf("COPY needs at least one source and a destination")
		}
		return &CopyCmd{loc: l, From: fl["from"], Chown: fl["chown"], Chmod: fl["chmod"], Srcs: ws[:len(ws)-1], Dest: ws[len(ws)-1]}, nil
	case "env", "label":
		kvs, err := p.pairs(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.ToUpper(cmd), err)
		}
		if cmd == "env" {
			for _, kv := range kvs {
				p.stageEnv.set(kv.Key, kv.Value)
			}
			p.envs[p.stage] = append(p.envs[p.stage], kvs...)
			return &EnvCmd{loc: l, Pairs: kvs}, nil
		}
		return &LabelCmd{loc: l, Pairs: kvs}, nil
	case "entrypoint", "cmd":
		if !n.Attributes["json"] {
			return nil, fmt.Errorf("%s needs the exec (JSON) form, e.g. %s [\"/usr/bin/perl\"]: the image has no shell to run a command string",
				strings.ToUpper(cmd), strings.ToUpper(cmd))
		}
		ws, err := p.words(n, false)
		if err != nil {
			return nil, err
		}
		if cmd == "entrypoint" {
			return &EntrypointCmd{loc: l, Args: ws}, nil
		}
		return &CmdCmd{loc: l, Args: ws}, nil
	case "workdir", "user", "stopsignal":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) != 1 || ws[0] == "" {
			return nil, fmt.Errorf("%s needs exactly one argument", strings.ToUpper(cmd))
		}
		switch cmd {
		case "workdir":
			return &WorkdirCmd{loc: l, Path: ws[0]}, nil
		case "user":
			return &UserCmd{loc: l, User: ws[0]}, nil
		default:
			if !reSignal.MatchString(ws[0]) {
				return nil, fmt.Errorf("STOPSIGNAL %q: want a signal name such as SIGTERM, or a number", ws[0])
			}
			return &StopSignalCmd{loc: l, Signal: ws[0]}, nil
		}
	case "expose", "volume":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			return nil, fmt.Errorf("%s needs at least one argument", strings.ToUpper(cmd))
		}
		if cmd == "expose" {
			for _, w := range ws {
				if err := checkPort(w); err != nil {
					return nil, err
				}
			}
			return &ExposeCmd{loc: l, Ports: ws}, nil
		}
		return &VolumeCmd{loc: l, Paths: ws}, nil
	case "source":
		return p.source(n, l, fl)
	case "drop":
		ws, err := p.words(n, true)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			return nil, fmt.Errorf("DROP needs globs (absolute, e.g. /usr/share/doc/*) or a preset (docs, locales)")
		}
		for _, w := range ws {
			if w != "docs" && w != "locales" && !strings.HasPrefix(w, "/") {
				return nil, fmt.Errorf("DROP %q: want an absolute glob such as /usr/share/man/** or a preset (docs, locales)", w)
			}
			if _, err := path.Match(strings.ReplaceAll(w, "**", "*"), ""); err != nil {
				return nil, fmt.Errorf("DROP %q: %v", w, err)
			}
		}
		return &DropCmd{loc: l, Globs: ws}, nil
	case "healthcheck":
		return nil, fmt.Errorf("%s is part of the Distrofile language but not implemented in this release of the frontend", strings.ToUpper(cmd))
	}
	if why, ok := dockerfileOnly[cmd]; ok {
		return nil, fmt.Errorf("%s", why)
	}
	return nil, fmt.Errorf("unknown instruction %s%s", strings.ToUpper(cmd), didYouMean(cmd, instructions))
}

func (p *parseState) file(n *parser.Node, l loc, fl map[string]string) (Command, error) {
	ws, err := p.words(n, true)
	if err != nil {
		return nil, err
	}
	if len(n.Heredocs) != 1 || len(ws) != 2 || !strings.HasPrefix(ws[1], "<<") {
		return nil, fmt.Errorf("FILE needs a path and one heredoc, e.g. FILE /etc/app.conf <<EOF")
	}
	if err := absPaths("FILE", ws[0]); err != nil {
		return nil, err
	}
	mode, err := optMode(fl)
	if err != nil {
		return nil, err
	}
	h := n.Heredocs[0]
	content := h.Content
	if h.Expand {
		lex := *p.lex
		lex.SkipProcessQuotes = true
		if content, _, err = lex.ProcessWord(content, p.env()); err != nil {
			return nil, err
		}
	}
	return &FileCmd{loc: l, Path: ws[0], Mode: mode, Owner: fl["owner"], Content: content}, nil
}

// pairs reads ENV/LABEL pairs as the parser split them: triples of key,
// value and separator ("=" or "" for the legacy `ENV key value` form).
func (p *parseState) pairs(n *parser.Node) ([]KeyValue, error) {
	var kvs []KeyValue
	for x := n.Next; x != nil; {
		if x.Next == nil {
			return nil, fmt.Errorf("missing value for %q", x.Value)
		}
		k, err := p.expand(x.Value)
		if err != nil {
			return nil, err
		}
		v, err := p.expand(x.Next.Value)
		if err != nil {
			return nil, err
		}
		if k == "" {
			return nil, fmt.Errorf("empty name in %q", n.Original)
		}
		kvs = append(kvs, KeyValue{Key: k, Value: v})
		x = x.Next.Next
		if x != nil {
			x = x.Next
		}
	}
	if len(kvs) == 0 {
		return nil, fmt.Errorf("needs at least one key=value pair")
	}
	return kvs, nil
}

// parserKnown are the instructions whose arguments the Dockerfile parser
// splits itself; for the others it keeps only the line.
var parserKnown = map[string]bool{
	"add": true, "arg": true, "cmd": true, "copy": true, "entrypoint": true, "env": true,
	"expose": true, "from": true, "healthcheck": true, "label": true, "maintainer": true,
	"onbuild": true, "run": true, "shell": true, "stopsignal": true, "user": true,
	"volume": true, "workdir": true, "file": true,
}

// flagSpecs lists the flags each instruction accepts.
var flagSpecs = map[string][]string{
	"mirror":   {"security", "snapshot"},
	"source":   {"keyring", "arch", "insecure"},
	"groupadd": {"gid"},
	"useradd":  {"uid", "gid", "home", "shell", "groups"},
	"mkdir":    {"mode", "owner"},
	"file":     {"mode", "owner"},
	"copy":     {"from", "chown", "chmod", "link"},
}

func parseFlags(raw []string, allowed []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range raw {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		if !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				return nil, fmt.Errorf("unknown flag --%s: this instruction takes no flags", name)
			}
			return nil, fmt.Errorf("unknown flag --%s (known: --%s)", name, strings.Join(allowed, ", --"))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("flag --%s given twice", name)
		}
		if !hasVal && name != "link" && name != "insecure" {
			return nil, fmt.Errorf("flag --%s needs a value (--%s=…)", name, name)
		}
		out[name] = val
	}
	return out, nil
}

func optInt(fl map[string]string, name string) (*int, error) {
	v, ok := fl[name]
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<31-2 {
		return nil, fmt.Errorf("--%s=%s: want a number from 0 to 2147483646", name, v)
	}
	return &n, nil
}

func optMode(fl map[string]string) (*uint32, error) {
	v, ok := fl["mode"]
	if !ok {
		return nil, nil
	}
	m, err := strconv.ParseUint(v, 8, 32)
	if err != nil || m > 07777 {
		return nil, fmt.Errorf("--mode=%s: want an octal mode such as 0755", v)
	}
	m32 := uint32(m)
	return &m32, nil
}

func absPaths(cmd string, ps ...string) error {
	for _, p := range ps {
		if !path.IsAbs(p) {
			return fmt.Errorf("%s: %q must be an absolute path", cmd, p)
		}
	}
	return nil
}

var rePackageArg = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?(:[a-z0-9-]+)?$`)

func checkPackageArg(w string, allowVersion bool) error {
	if !rePackageArg.MatchString(w) {
		return fmt.Errorf("invalid package %q: want name[=version][:arch]", w)
	}
	if !allowVersion && strings.Contains(w, "=") {
		return fmt.Errorf("EXCLUDE takes package names without versions, got %q", w)
	}
	return nil
}

func checkPort(w string) error {
	port, proto, _ := strings.Cut(w, "/")
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("EXPOSE %q: want port[/tcp|/udp|/sctp]", w)
	}
	switch proto {
	case "", "tcp", "udp", "sctp":
		return nil
	}
	return fmt.Errorf("EXPOSE %q: unknown protocol %q", w, proto)
}

// didYouMean returns ` (did you mean X?)` for the closest candidate
// (BuildKit's util/suggest: edit distance below 3, case-insensitive).
func didYouMean(word string, candidates []string) string {
	best, ok := suggest.Search(word, candidates, false)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.ToUpper(best))
}

func itoa(i int) string { return strconv.Itoa(i) }

// env is an ordered variable set implementing shell.EnvGetter.
type env struct {
	keys []string
	vals map[string]string
}

func newEnv() *env { return &env{vals: map[string]string{}} }

func (e *env) set(k, v string) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
}

// Get implements shell.EnvGetter.
func (e *env) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }

// Keys implements shell.EnvGetter.
func (e *env) Keys() []string { return e.keys }
