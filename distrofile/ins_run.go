package distrofile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/imagespec"

	bkins "github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// RunCmd is RUN: a command run in the stage's root as it is at its line,
// with a Dockerfile's semantics. BuildKit's instructions package reads the
// line and its flags (--mount, --network, --security), so they mean what
// they mean in a Dockerfile.
type RunCmd struct {
	loc
	// Args is the command. In shell form (Shell) it is the script, one
	// element, run as /bin/sh -c; in exec form the program and its
	// arguments.
	Args  []string
	Shell bool
	// Mounts are the --mount flags, with variables expanded.
	Mounts []*bkins.Mount
	// Network is --network: "default", "none" or "host".
	Network string
	// Security is --security: "sandbox" or "insecure".
	Security string
	// ArgEnv are the stage's ARGs in effect at the line, NAME=value: the
	// command sees them as variables, as in a Dockerfile, unless an ENV of
	// the same name is set.
	ArgEnv []string
}

// RunStep is a RUN of a stage with what the stage has at its line.
type RunStep struct {
	Cmd *RunCmd
	// FilesBefore is how many of StageSpec.Files come before the RUN:
	// those are in the root it runs in, the others are added on top of
	// its result.
	FilesBefore int
	// Env is the process environment (ENV, then the ARGs that no ENV
	// sets); WorkingDir ("" for /) and User ("" for root) are the ones in
	// effect.
	Env        []string
	WorkingDir string
	User       string
}

// runFlagsRefused are flags BuildKit's RUN takes that a Distrofile stage
// does not honour, with why.
var runFlagsRefused = map[string]string{
	"device": "RUN --device is not supported by this frontend",
}

func parseRun(p *parseState, in *input) (Command, error) {
	v, err := bkins.ParseInstruction(in.node)
	if err != nil {
		return nil, parserError(err)
	}
	rc, ok := v.(*bkins.RunCommand)
	if !ok {
		return nil, fmt.Errorf("RUN: read as %T", v)
	}
	for _, f := range rc.FlagsUsed {
		if why, ok := runFlagsRefused[f]; ok {
			return nil, fmt.Errorf("%s", why)
		}
	}
	if len(rc.Files) > 0 {
		return nil, fmt.Errorf("RUN with a here-document is not supported: write the script with FILE <path> <<EOF and RUN it")
	}
	if err := rc.Expand(p.expand); err != nil {
		return nil, fmt.Errorf("RUN: %w", err)
	}
	c := &RunCmd{loc: in.loc, Args: rc.CmdLine, Shell: rc.PrependShell, Mounts: bkins.GetMounts(rc),
		Network: string(bkins.GetNetwork(rc)), Security: bkins.GetSecurity(rc)}
	if c.Shell {
		c.Args = []string{strings.Join(rc.CmdLine, " ")}
	}
	if len(c.Args) == 0 || c.Shell && strings.TrimSpace(c.Args[0]) == "" {
		return nil, fmt.Errorf("RUN needs a command")
	}
	for _, name := range p.stageArgs {
		if v, ok := p.stageEnv.Get(name); ok {
			c.ArgEnv = append(c.ArgEnv, name+"="+v)
		}
	}
	return c, nil
}

func (c *RunCmd) apply(s *StageSpec) error {
	if s.Image == "" && len(s.Roots) == 0 && !slices.ContainsFunc(s.Files, func(f StageFile) bool {
		return f.Kind == imagespec.KindCopy || f.Kind == imagespec.KindFile
	}) {
		return fmt.Errorf("RUN in a stage with nothing to run: it installs no package and has no COPY or FILE before this line; INSTALL the program's packages or COPY it first")
	}
	env := slices.Clone(s.Config.Env)
	for _, kv := range c.ArgEnv {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") }) {
			env = append(env, kv)
		}
	}
	s.Runs = append(s.Runs, RunStep{Cmd: c, FilesBefore: len(s.Files), Env: env, WorkingDir: s.Config.WorkingDir, User: s.Config.User})
	return nil
}
