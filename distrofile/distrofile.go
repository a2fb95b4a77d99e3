package distrofile

import (
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Distrofile is a parsed and ARG-expanded Distrofile.
type Distrofile struct {
	// Stages in file order.
	Stages []*Stage
	// Warnings are non-fatal findings of the parser (printed by buildx).
	Warnings []Warning
	// Args are the ARGs declared before the first FROM, with their values.
	Args []Arg
}

// Arg is a global ARG and the value it took.
type Arg struct {
	Name, Value string
	Ranges      []parser.Range
}

// Warning is a non-fatal finding with its location.
type Warning struct {
	Message string
	Ranges  []parser.Range
}

// FromKind says what a stage starts from.
type FromKind int

// The kinds of FROM.
const (
	FromDistro  FromKind = iota // FROM debian:trixie
	FromStage                   // FROM <earlier stage>
	FromScratch                 // FROM scratch
	FromImage                   // FROM docker-image://ref
)

// From is a stage's FROM instruction.
type From struct {
	Kind FromKind
	// Distro and Suite for FromDistro ("debian", "trixie"); Snapshot is the
	// optional @YYYYMMDDTHHMMSSZ.
	Distro, Suite, Snapshot string
	// Stage is the base stage for FromStage.
	Stage *Stage
	// Image is the reference for FromImage.
	Image  string
	Ranges []parser.Range
}

// Stage is one FROM … section.
type Stage struct {
	// Name is the AS name (lower case), empty when the stage has none.
	Name  string
	Index int
	From  From
	// Commands in order (FROM excluded).
	Commands []Command
}

// Ref is how the stage is referred to in messages: its name or its index.
func (s *Stage) Ref() string {
	if s.Name != "" {
		return s.Name
	}
	return "stage " + itoa(s.Index)
}

// Command is one Distrofile instruction after FROM.
type Command interface {
	// Location is the instruction's line range.
	Location() []parser.Range
}

// loc carries an instruction's location; embedded in every command.
type loc struct{ Ranges []parser.Range }

// Location implements Command.
func (l loc) Location() []parser.Range { return l.Ranges }

// MirrorCmd is MIRROR url…
type MirrorCmd struct {
	loc
	URLs []string
	// Security is the --security=URL mirror for the -security suites.
	Security string
	// Snapshot is the --snapshot=URL snapshot service archive root for
	// FROM <distro>:<suite>@<snapshot> (http://<snapshot-host>/archive).
	Snapshot string
}

// InstallCmd is INSTALL pkg…
type InstallCmd struct {
	loc
	Packages []string
}

// ExcludeCmd is EXCLUDE pkg…
type ExcludeCmd struct {
	loc
	Packages []string
}

// DropCmd is DROP glob… | docs | locales.
type DropCmd struct {
	loc
	Globs []string
}

// GroupAddCmd is GROUPADD [--gid=N] name.
type GroupAddCmd struct {
	loc
	Name string
	GID  *int
}

// UserAddCmd is USERADD [--uid=N] [--gid=N] [--home=DIR] [--shell=PATH] [--groups=a,b] name.
type UserAddCmd struct {
	loc
	Name        string
	UID, GID    *int
	Home, Shell string
	Groups      []string
}

// MkdirCmd is MKDIR [--mode=] [--owner=] path…
type MkdirCmd struct {
	loc
	Paths []string
	Mode  *uint32
	Owner string
}

// SymlinkCmd is SYMLINK target path.
type SymlinkCmd struct {
	loc
	Target, Path string
}

// FileCmd is FILE [--mode=] [--owner=] path <<EOF … EOF.
type FileCmd struct {
	loc
	Path    string
	Mode    *uint32
	Owner   string
	Content string
}

// CopyCmd is COPY [--from=] [--chown=] [--chmod=] src… dest.
type CopyCmd struct {
	loc
	From  string
	Chown string
	Chmod string
	Srcs  []string
	Dest  string
}

// EnvCmd is ENV k=v…
type EnvCmd struct {
	loc
	Pairs []KeyValue
}

// LabelCmd is LABEL k=v…
type LabelCmd struct {
	loc
	Pairs []KeyValue
}

// KeyValue is one ENV or LABEL pair.
type KeyValue struct{ Key, Value string }

// EntrypointCmd is ENTRYPOINT ["…"].
type EntrypointCmd struct {
	loc
	Args []string
}

// CmdCmd is CMD ["…"].
type CmdCmd struct {
	loc
	Args []string
}

// WorkdirCmd is WORKDIR path.
type WorkdirCmd struct {
	loc
	Path string
}

// UserCmd is USER name[:group].
type UserCmd struct {
	loc
	User string
}

// ExposeCmd is EXPOSE port[/proto]…
type ExposeCmd struct {
	loc
	Ports []string
}

// StopSignalCmd is STOPSIGNAL sig.
type StopSignalCmd struct {
	loc
	Signal string
}

// VolumeCmd is VOLUME path…
type VolumeCmd struct {
	loc
	Paths []string
}
