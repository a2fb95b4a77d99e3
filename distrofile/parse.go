package distrofile

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	"github.com/distrofile/distrofile/debsuite"

	"github.com/moby/buildkit/util/suggest"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

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
	res, fileLines, err := parseWithFiles(dt)
	if err != nil {
		return nil, err
	}
	p := &parseState{
		lex:       shell.NewLex(res.EscapeToken),
		buildArgs: buildArgs,
		global:    newEnv(),
		df:        &Distrofile{},
	}
	for _, w := range res.Warnings {
		var rs []parser.Range
		if w.Location != nil {
			rs = []parser.Range{*w.Location}
		}
		p.df.Warnings = append(p.df.Warnings, Warning{Message: w.Short, Ranges: rs})
	}
	for _, n := range res.AST.Children {
		// Every stage name, for telling a later stage from an image.
		var ws []string
		for x := n.Next; x != nil; x = x.Next {
			ws = append(ws, x.Value)
		}
		if strings.EqualFold(n.Value, "from") && len(ws) == 3 && strings.EqualFold(ws[1], "as") {
			p.stageNames = append(p.stageNames, strings.ToLower(ws[2]))
		}
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
	if !errors.As(err, &le) {
		return err
	}
	var rs []parser.Range
	for _, l := range le.Locations {
		rs = append(rs, l...)
	}
	return &LocatedError{Err: le.Unwrap(), Ranges: rs}
}

type parseState struct {
	lex       *shell.Lex
	buildArgs map[string]string
	global    *env // ARGs declared before the first FROM
	stageEnv  *env // ARGs and ENVs of the current stage, for expansion
	// stageNames are the AS names of every stage of the file.
	stageNames []string
	// stageArgs are the names the current stage's ARG lines declare, in
	// order (RunCmd.ArgEnv).
	stageArgs []string
	stage     *Stage
	df        *Distrofile
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
func (p *parseState) words(in *input, expand bool) ([]string, error) {
	n := in.node
	var raw []string
	if !in.splits {
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
	ws, err := p.words(&input{node: n, splits: true}, true)
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
	p.stageArgs = nil
	// ENV of the base: FROM <stage> expands with what that stage ends with.
	inherited := defaultEnv()
	if f.Kind == FromStage {
		inherited = envAfter(f.Stage)
	}
	for _, e := range inherited {
		k, v, _ := strings.Cut(e, "=")
		p.stageEnv.set(k, v)
	}
	p.df.Stages = append(p.df.Stages, st)
	return nil
}

func (p *parseState) parseFromBase(base string) (From, error) {
	if base == "scratch" {
		return From{Kind: FromScratch}, nil
	}
	if ref, ok := strings.CutPrefix(base, "docker-image://"); ok {
		return imageFrom(ref)
	}
	if s := p.df.StageByRef(base); s != nil {
		return From{Kind: FromStage, Stage: s}, nil
	}
	unknown := fmt.Errorf("unknown base %q: use a distribution and suite (debian:trixie), an earlier stage, scratch or docker-image://<ref>", base)
	if slices.Contains(p.stageNames, strings.ToLower(base)) {
		return From{}, unknown // a later stage
	}
	name, tag, ok := strings.Cut(base, ":")
	if name != "debian" && name != "ubuntu" {
		// Any other name is an image, as in a Dockerfile, unless it is
		// a stage name misspelt.
		if !ok && !strings.ContainsAny(base, "/.@") {
			if best, close := suggest.Search(base, p.stageNames, false); close {
				return From{}, fmt.Errorf("%w (did you mean %s?)", unknown, best)
			}
		}
		return imageFrom(base)
	}
	if !ok {
		return From{}, fmt.Errorf("FROM %s needs a suite: FROM %s:<suite> installs from the archive (e.g. %s:%s); for the registry's image write FROM docker-image://%s",
			base, name, name, map[string]string{"debian": "trixie", "ubuntu": "noble"}[name], base)
	}
	suite, snap, hasSnap := strings.Cut(tag, "@")
	if !reSuite.MatchString(suite) || !isSuiteName(name, suite) {
		return From{}, fmt.Errorf("%q is not a %s suite: FROM %s:<suite> installs packages from the archive (e.g. %s:%s); for the image %s from a registry write FROM docker-image://%s",
			suite, name, name, name, map[string]string{"debian": "trixie", "ubuntu": "noble"}[name], base, base)
	}
	if hasSnap && !reSnapshot.MatchString(snap) {
		return From{}, fmt.Errorf("invalid snapshot %q: use YYYYMMDDTHHMMSSZ, e.g. %s:%s@20250520T000000Z", snap, name, suite)
	}
	return From{Kind: FromDistro, Distro: name, Suite: suite, Snapshot: snap}, nil
}

func (p *parseState) arg(n *parser.Node) error {
	rs := n.Location()
	ws, err := p.words(&input{node: n, splits: true}, false)
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
		if p.stage != nil && !slices.Contains(p.stageArgs, name) {
			p.stageArgs = append(p.stageArgs, name)
		}
	}
	return nil
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

// isSuiteName reports whether suite names a suite of the distribution's
// archive rather than an image tag: a suite of Debian's table, or a plain
// word (a codename the table does not know yet, a test archive's suite);
// tags such as trixie-slim, 13 or 24.04 are images.
func isSuiteName(distro, suite string) bool {
	if _, ok := debsuite.Lookup(suite); ok && distro == "debian" {
		return true
	}
	return rePlainSuite.MatchString(suite)
}

// rePlainSuite is a suite name that is one lower-case word.
var rePlainSuite = regexp.MustCompile(`^[a-z]+$`)

// imageFrom is FROM an image reference, normalised as Docker does
// (alpine is docker.io/library/alpine:latest).
func imageFrom(ref string) (From, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return From{}, fmt.Errorf("invalid image reference %q: %v", ref, strings.TrimPrefix(err.Error(), "invalid reference format: "))
	}
	return From{Kind: FromImage, Image: reference.TagNameOnly(named).String()}, nil
}
