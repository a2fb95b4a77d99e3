package distrofile

import (
	"fmt"
	"path"
	"slices"
	"strings"

	bkins "github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/distrofile/distrofile/imagespec"
)

// The instructions that set the image configuration: ENV, LABEL,
// ENTRYPOINT, CMD, WORKDIR, USER, EXPOSE, STOPSIGNAL and VOLUME.

// KeyValue is one ENV or LABEL pair.
type KeyValue struct{ Key, Value string }

// EnvCmd is ENV k=v…
type EnvCmd struct {
	loc
	Pairs []KeyValue
}

func parseEnv(p *parseState, in *input) (Command, error) {
	kvs, err := p.pairs(in)
	if err != nil {
		return nil, err
	}
	for _, kv := range kvs {
		p.stageEnv.set(kv.Key, kv.Value)
	}
	return &EnvCmd{loc: in.loc, Pairs: kvs}, nil
}

func (c *EnvCmd) apply(s *StageSpec) error {
	s.Config.Env = c.setIn(s.Config.Env)
	return nil
}

// setIn sets the pairs in env ("KEY=value" entries, in order).
func (c *EnvCmd) setIn(env []string) []string {
	for _, kv := range c.Pairs {
		env = imagespec.SetEnv(env, kv.Key, kv.Value)
	}
	return env
}

// defaultEnv is the ENV of a stage FROM a distribution or scratch.
func defaultEnv() []string { return []string{defaultPath} }

// envAfter is the ENV stage st ends with, its base's included: what
// FROM <st> starts with, for the expansion of its lines (its evaluation
// gets the same from the base's StageSpec).
func envAfter(st *Stage) []string {
	env := defaultEnv()
	if st.From.Kind == FromStage {
		env = envAfter(st.From.Stage)
	}
	for _, c := range st.Commands {
		if e, ok := c.(*EnvCmd); ok {
			env = e.setIn(env)
		}
	}
	return env
}

// LabelCmd is LABEL k=v…
type LabelCmd struct {
	loc
	Pairs []KeyValue
}

func parseLabel(p *parseState, in *input) (Command, error) {
	kvs, err := p.pairs(in)
	if err != nil {
		return nil, err
	}
	return &LabelCmd{loc: in.loc, Pairs: kvs}, nil
}

func (c *LabelCmd) apply(s *StageSpec) error {
	if s.Config.Labels == nil {
		s.Config.Labels = map[string]string{}
	}
	for _, kv := range c.Pairs {
		s.Config.Labels[kv.Key] = kv.Value
	}
	return nil
}

// pairs reads ENV/LABEL pairs as the parser split them: triples of key,
// value and separator ("=" or "" for the legacy `ENV key value` form).
func (p *parseState) pairs(in *input) ([]KeyValue, error) {
	n := in.node
	var kvs []KeyValue
	for x := n.Next; x != nil; {
		if x.Next == nil {
			return nil, fmt.Errorf("%s: missing value for %q", in.loc.Instruction(), x.Value)
		}
		k, err := p.expand(x.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.loc.Instruction(), err)
		}
		v, err := p.expand(x.Next.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.loc.Instruction(), err)
		}
		if k == "" {
			return nil, fmt.Errorf("%s: empty name in %q", in.loc.Instruction(), n.Original)
		}
		kvs = append(kvs, KeyValue{Key: k, Value: v})
		x = x.Next.Next
		if x != nil {
			x = x.Next
		}
	}
	if len(kvs) == 0 {
		return nil, fmt.Errorf("%s: needs at least one key=value pair", in.loc.Instruction())
	}
	return kvs, nil
}

// EntrypointCmd is ENTRYPOINT ["…"].
type EntrypointCmd struct {
	loc
	Args []string
}

func parseEntrypoint(p *parseState, in *input) (Command, error) {
	ws, err := p.execForm(in)
	if err != nil {
		return nil, err
	}
	return &EntrypointCmd{loc: in.loc, Args: ws}, nil
}

func (c *EntrypointCmd) apply(s *StageSpec) error {
	s.Config.Entrypoint = c.Args
	// As in a Dockerfile, a new ENTRYPOINT resets an inherited CMD.
	s.Config.Cmd = nil
	return nil
}

// CmdCmd is CMD ["…"].
type CmdCmd struct {
	loc
	Args []string
}

func parseCmd(p *parseState, in *input) (Command, error) {
	ws, err := p.execForm(in)
	if err != nil {
		return nil, err
	}
	return &CmdCmd{loc: in.loc, Args: ws}, nil
}

func (c *CmdCmd) apply(s *StageSpec) error {
	s.Config.Cmd = c.Args
	return nil
}

// execForm reads the JSON array of ENTRYPOINT or CMD.
func (p *parseState) execForm(in *input) ([]string, error) {
	if !in.node.Attributes["json"] {
		return nil, fmt.Errorf("%s needs the exec (JSON) form, e.g. %s [\"/usr/bin/perl\"]: the image has no shell to run a command string",
			in.loc.Instruction(), in.loc.Instruction())
	}
	return p.words(in, false)
}

// WorkdirCmd is WORKDIR path.
type WorkdirCmd struct {
	loc
	Path string
}

func parseWorkdir(p *parseState, in *input) (Command, error) {
	w, err := p.oneWord(in)
	if err != nil {
		return nil, err
	}
	return &WorkdirCmd{loc: in.loc, Path: w}, nil
}

func (c *WorkdirCmd) apply(s *StageSpec) error {
	wd := c.Path
	if !path.IsAbs(wd) {
		wd = path.Join("/", s.Config.WorkingDir, wd)
	}
	s.Config.WorkingDir = path.Clean(wd)
	// A new directory is the user's in effect, as BuildKit's Dockerfile
	// frontend makes it; one that exists keeps its owner and mode
	// (Implicit). A USER no account defines (one a package's script
	// makes) leaves it root's: UndefinedUser reports that USER line.
	uid, gid, err := s.Accounts.owner(s.Config.User)
	if err != nil {
		uid, gid = 0, 0
	}
	s.Files = append(s.Files, StageFile{File: imagespec.File{Kind: imagespec.KindDir, Path: s.Config.WorkingDir, Mode: 0o755, UID: uid, GID: gid, Implicit: true}, By: c})
	return nil
}

// UserCmd is USER name[:group].
type UserCmd struct {
	loc
	User string
}

func parseUser(p *parseState, in *input) (Command, error) {
	w, err := p.oneWord(in)
	if err != nil {
		return nil, err
	}
	return &UserCmd{loc: in.loc, User: w}, nil
}

func (c *UserCmd) apply(s *StageSpec) error {
	s.Config.User = c.User
	return nil
}

// StopSignalCmd is STOPSIGNAL sig.
type StopSignalCmd struct {
	loc
	Signal string
}

func parseStopSignal(p *parseState, in *input) (Command, error) {
	w, err := p.oneWord(in)
	if err != nil {
		return nil, err
	}
	if !reSignal.MatchString(w) {
		return nil, fmt.Errorf("STOPSIGNAL %q: want a signal name such as SIGTERM, or a number", w)
	}
	return &StopSignalCmd{loc: in.loc, Signal: w}, nil
}

func (c *StopSignalCmd) apply(s *StageSpec) error {
	s.Config.StopSignal = c.Signal
	return nil
}

// oneWord reads the single argument of WORKDIR, USER or STOPSIGNAL.
func (p *parseState) oneWord(in *input) (string, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return "", err
	}
	if len(ws) != 1 || ws[0] == "" {
		return "", fmt.Errorf("%s needs exactly one argument", in.loc.Instruction())
	}
	return ws[0], nil
}

// ExposeCmd is EXPOSE port[/proto]…
type ExposeCmd struct {
	loc
	Ports []string
}

func parseExpose(p *parseState, in *input) (Command, error) {
	ws, err := p.someWords(in)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		if err := checkPort(w); err != nil {
			return nil, err
		}
	}
	return &ExposeCmd{loc: in.loc, Ports: ws}, nil
}

func (c *ExposeCmd) apply(s *StageSpec) error {
	for _, p := range c.Ports {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		if !slices.Contains(s.Config.ExposedPorts, p) {
			s.Config.ExposedPorts = append(s.Config.ExposedPorts, p)
		}
	}
	return nil
}

// VolumeCmd is VOLUME path…
type VolumeCmd struct {
	loc
	Paths []string
}

func parseVolume(p *parseState, in *input) (Command, error) {
	ws, err := p.someWords(in)
	if err != nil {
		return nil, err
	}
	return &VolumeCmd{loc: in.loc, Paths: ws}, nil
}

func (c *VolumeCmd) apply(s *StageSpec) error {
	s.Config.Volumes = append(s.Config.Volumes, c.Paths...)
	return nil
}

// someWords reads the one or more arguments of EXPOSE or VOLUME.
func (p *parseState) someWords(in *input) ([]string, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("%s needs at least one argument", in.loc.Instruction())
	}
	return ws, nil
}

// HealthcheckCmd is HEALTHCHECK [--interval … --timeout … --start-period
// … --start-interval … --retries …] CMD … | NONE, read by BuildKit's
// instructions package as a Dockerfile's.
type HealthcheckCmd struct {
	loc
	Health imagespec.Healthcheck
}

func parseHealthcheck(_ *parseState, in *input) (Command, error) {
	v, err := bkins.ParseInstruction(in.node)
	if err != nil {
		return nil, parserError(err)
	}
	hc, ok := v.(*bkins.HealthCheckCommand)
	if !ok || hc.Health == nil {
		return nil, fmt.Errorf("HEALTHCHECK: read as %T", v)
	}
	h := hc.Health
	return &HealthcheckCmd{loc: in.loc, Health: imagespec.Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
		StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}}, nil
}

func (c *HealthcheckCmd) apply(s *StageSpec) error {
	h := c.Health
	h.Test = slices.Clone(h.Test)
	s.Config.Healthcheck = &h
	return nil
}
