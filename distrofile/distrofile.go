package distrofile

import (
	"strconv"
	"strings"

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

// StageByRef returns the stage that ref names, by its AS name (in any
// case) or its index, as FROM <stage> and COPY --from do; nil when none
// does.
func (df *Distrofile) StageByRef(ref string) *Stage {
	for _, s := range df.Stages {
		if s.Name != "" && s.Name == strings.ToLower(ref) || strconv.Itoa(s.Index) == ref {
			return s
		}
	}
	return nil
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
	// Instruction is the instruction's name as written in upper case
	// ("MKDIR").
	Instruction() string
	// apply does the instruction to the stage being evaluated.
	apply(s *StageSpec) error
}

// loc carries an instruction's location and name; embedded in every
// command.
type loc struct {
	Ranges []parser.Range
	name   string // lower case, as the instruction table has it
}

// Location implements Command.
func (l loc) Location() []parser.Range { return l.Ranges }

// Instruction implements Command.
func (l loc) Instruction() string { return strings.ToUpper(l.name) }
