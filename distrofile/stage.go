package distrofile

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// defaultPath is the PATH of every image, as in Debian's login.defs.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Root is one INSTALL argument with the instruction that named it.
type Root struct {
	Package string
	Ranges  []parser.Range
}

// StageSpec is what a stage has accumulated after its instructions: the
// archive, the package requests, the files and the image config. FROM
// <stage> starts from a copy of the base's state.
type StageSpec struct {
	Distro, Suite, Snapshot string
	FromRanges              []parser.Range
	Mirrors                 []string
	SecurityMirror          string
	SnapshotMirror          string
	Sources                 []*SourceCmd
	Roots                   []Root
	Excludes                []string
	Drops                   []string
	Accounts                Accounts
	// Files are the FILE/MKDIR/SYMLINK/COPY entries in order; COPY entries
	// carry the instruction for the frontend to bind its source.
	Files  []StageFile
	Config imagespec.Config
	// Runs are the RUN lines in order, with where they fall among Files.
	Runs []RunStep
	// Image is the image reference of a stage FROM an image (see
	// FromImage): its root and config come from the registry.
	Image string
}

// StageFile is a generated entry, or a COPY whose source is bound later.
type StageFile struct {
	imagespec.File
	Copy *CopyCmd
	// By is the instruction that made the entry.
	By Command
}

func (s *StageSpec) clone() *StageSpec {
	c := *s
	c.Mirrors = slices.Clone(s.Mirrors)
	c.Sources = slices.Clone(s.Sources)
	c.Roots = slices.Clone(s.Roots)
	c.Excludes = slices.Clone(s.Excludes)
	c.Drops = slices.Clone(s.Drops)
	c.Accounts = s.Accounts.clone()
	c.Files = slices.Clone(s.Files)
	c.Runs = slices.Clone(s.Runs)
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
func evalStage(st *Stage, base *StageSpec) (*StageSpec, error) {
	var s *StageSpec
	switch st.From.Kind {
	case FromStage:
		s = base.clone()
	case FromDistro:
		s = &StageSpec{Distro: st.From.Distro, Suite: st.From.Suite, Snapshot: st.From.Snapshot, FromRanges: st.From.Ranges,
			Accounts: DefaultAccounts(), Config: imagespec.Config{Env: defaultEnv()}}
	case FromScratch:
		s = &StageSpec{FromRanges: st.From.Ranges, Accounts: DefaultAccounts(), Config: imagespec.Config{Env: defaultEnv()}}
	case FromImage:
		// The image's own accounts and config are read when it is built.
		s = &StageSpec{Image: st.From.Image, FromRanges: st.From.Ranges}
	}
	for _, c := range st.Commands {
		if len(s.Runs) > 0 && beforeRun(strings.ToLower(c.Instruction())) {
			run := s.Runs[0].Cmd
			where := fmt.Sprintf("line %d", run.Location()[0].Start.Line)
			if !slices.Contains(st.Commands, Command(run)) {
				where = "its base stage"
			}
			return nil, ErrAt(c.Location(), "%s after RUN: a stage's archive, packages and accounts are in place before its first RUN (%s); move it above that RUN",
				c.Instruction(), where)
		}
		if s.Image != "" {
			if why, ok := imageStageRefuses[strings.ToLower(c.Instruction())]; ok {
				return nil, ErrAt(c.Location(), "%s in a stage FROM an image: %s", c.Instruction(), why)
			}
		}
		if err := c.apply(s); err != nil {
			return nil, Locate(err, c.Location())
		}
	}
	return s, nil
}

// imageStageRefuses are the instructions a stage FROM an image does not
// take, with why.
var imageStageRefuses = map[string]string{
	"useradd":  "the image's /etc/passwd is its own; add the account with RUN, or start FROM debian:<suite>",
	"groupadd": "the image's /etc/group is its own; add the group with RUN, or start FROM debian:<suite>",
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

// EvalStages applies every stage's instructions in order.
func EvalStages(df *Distrofile) (map[*Stage]*StageSpec, error) {
	out := map[*Stage]*StageSpec{}
	for _, st := range df.Stages {
		s, err := evalStage(st, out[st.From.Stage])
		if err != nil {
			return nil, err
		}
		out[st] = s
	}
	return out, nil
}

// TargetStage returns the --target stage, or the last one.
func TargetStage(df *Distrofile, target string) (*Stage, error) {
	if target == "" {
		return df.Stages[len(df.Stages)-1], nil
	}
	var names []string
	for _, s := range df.Stages {
		if s.Name == strings.ToLower(target) {
			return s, nil
		}
		if s.Name != "" {
			names = append(names, s.Name)
		}
	}
	return nil, fmt.Errorf("target stage %q not found (stages: %s)", target, strings.Join(names, ", "))
}

// FinalStages returns the stages that no other stage uses (by FROM, COPY
// --from or RUN --mount from=): the images the file is for, as opposed
// to build stages.
func FinalStages(df *Distrofile) map[*Stage]bool {
	used := map[*Stage]bool{}
	for _, st := range df.Stages {
		if st.From.Kind == FromStage {
			used[st.From.Stage] = true
		}
		for _, c := range st.Commands {
			var refs []string
			switch c := c.(type) {
			case *CopyCmd:
				refs = append(refs, c.From)
			case *RunCmd:
				for _, m := range c.Mounts {
					refs = append(refs, m.From)
				}
			}
			for _, r := range refs {
				if r != "" {
					if s := df.StageByRef(r); s != nil {
						used[s] = true
					}
				}
			}
		}
	}
	final := map[*Stage]bool{}
	for _, st := range df.Stages {
		if !used[st] {
			final[st] = true
		}
	}
	return final
}
