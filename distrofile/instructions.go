package distrofile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// instruction is one instruction of the language after FROM: how its line
// is read (parse, with its flags) and, through the Command parse returns,
// what it does to the stage (Command.apply). Adding an instruction is a
// Command type with its parse function and apply method, and a row here.
type instruction struct {
	name  string
	parse func(p *parseState, in *input) (Command, error)
	flags []flagSpec
	// parserSplits: the Dockerfile parser splits the arguments itself
	// (JSON forms, key=value pairs, heredocs); for the others it keeps
	// only the line, which words splits as a shell would.
	parserSplits bool
	// buildkitFlags: BuildKit's instructions package reads the flags
	// (parse gets them unread; flags is nil).
	buildkitFlags bool
	// beforeRun: the instruction is about the whole stage (its archive,
	// packages and accounts, which are in place before its first RUN),
	// so it may not come after a RUN.
	beforeRun bool
}

// instructions is the language (besides FROM and ARG), in the order
// "did you mean" tries them.
var instructions = []instruction{
	{name: "mirror", parse: parseMirror, flags: []flagSpec{{"security", flagString}, {"snapshot", flagString}}, beforeRun: true},
	{name: "source", parse: parseSource, flags: sourceFlags, beforeRun: true},
	{name: "install", parse: parseInstall, beforeRun: true},
	{name: "exclude", parse: parseExclude, beforeRun: true},
	{name: "drop", parse: parseDrop, beforeRun: true},
	{name: "groupadd", parse: parseGroupAdd, flags: []flagSpec{{"gid", flagInt}}, beforeRun: true},
	{name: "useradd", parse: parseUserAdd, flags: []flagSpec{{"uid", flagInt}, {"gid", flagInt}, {"home", flagString}, {"shell", flagString}, {"groups", flagString}}, beforeRun: true},
	{name: "mkdir", parse: parseMkdir, flags: []flagSpec{{"mode", flagMode}, {"owner", flagString}}},
	{name: "symlink", parse: parseSymlink},
	{name: "file", parse: parseFile, flags: []flagSpec{{"mode", flagMode}, {"owner", flagString}}, parserSplits: true},
	{name: "copy", parse: parseCopy, flags: []flagSpec{{"from", flagString}, {"chown", flagString}, {"chmod", flagMode}, {"link", flagBool}}, parserSplits: true},
	{name: "env", parse: parseEnv, parserSplits: true},
	{name: "entrypoint", parse: parseEntrypoint, parserSplits: true},
	{name: "cmd", parse: parseCmd, parserSplits: true},
	{name: "workdir", parse: parseWorkdir, parserSplits: true},
	{name: "user", parse: parseUser, parserSplits: true},
	{name: "expose", parse: parseExpose, parserSplits: true},
	{name: "label", parse: parseLabel, parserSplits: true},
	{name: "stopsignal", parse: parseStopSignal, parserSplits: true},
	{name: "volume", parse: parseVolume, parserSplits: true},
	{name: "healthcheck", parse: parseHealthcheck, parserSplits: true, buildkitFlags: true},
	{name: "run", parse: parseRun, parserSplits: true, buildkitFlags: true},
}

// dockerfileOnly explains Dockerfile instructions that a Distrofile does not have.
var dockerfileOnly = map[string]string{
	"add":        "ADD is not part of a Distrofile: use COPY for files from the build context",
	"shell":      "SHELL is not supported: RUN's shell form runs /bin/sh -c; for another shell use the exec form, RUN [\"/usr/bin/bash\", \"-c\", \"…\"]",
	"onbuild":    "ONBUILD is not supported: a Distrofile image carries no triggers for the builds based on it",
	"maintainer": "MAINTAINER is not part of a Distrofile: use LABEL org.opencontainers.image.authors=…",
}

// instructionNames are the names of the language, FROM and ARG included,
// for "did you mean".
func instructionNames() []string {
	names := []string{"from", "arg"}
	for _, ins := range instructions {
		names = append(names, ins.name)
	}
	return names
}

// input is an instruction line as its parse function gets it.
type input struct {
	// name is the instruction's name in lower case.
	name  string
	node  *parser.Node
	loc   loc
	flags flags
	// splits: the parser split the arguments (instruction.parserSplits).
	splits bool
}

// command parses instruction n of the current stage.
func (p *parseState) command(name string, n *parser.Node) (Command, error) {
	i := slices.IndexFunc(instructions, func(ins instruction) bool { return ins.name == name })
	if i < 0 {
		if why, ok := dockerfileOnly[name]; ok {
			return nil, fmt.Errorf("%s", why)
		}
		return nil, fmt.Errorf("unknown instruction %s%s", strings.ToUpper(name), didYouMean(name, instructionNames()))
	}
	ins := instructions[i]
	var fl flags
	if !ins.buildkitFlags {
		var err error
		if fl, err = parseFlags(n.Flags, ins.flags); err != nil {
			return nil, fmt.Errorf("%s: %w", strings.ToUpper(name), err)
		}
	}
	return ins.parse(p, &input{name: name, node: n, loc: loc{Ranges: n.Location(), name: name}, flags: fl, splits: ins.parserSplits})
}

// beforeRun reports whether instruction name (lower case) may not come
// after a RUN of its stage (instruction.beforeRun).
func beforeRun(name string) bool {
	i := slices.IndexFunc(instructions, func(ins instruction) bool { return ins.name == name })
	return i >= 0 && instructions[i].beforeRun
}

// flagKind is the type of a flag's value.
type flagKind int

// The kinds of flags.
const (
	flagString flagKind = iota // --name=value
	flagBool                   // --name, --name=true, --name=false
	flagInt                    // --name=N, 0 ≤ N < 2³¹-1
	flagMode                   // --name=0755: an octal mode up to 07777
)

// flagSpec is one flag an instruction takes.
type flagSpec struct {
	name string
	kind flagKind
}

// flags are an instruction's flags as given, read by kind.
type flags struct {
	vals map[string]string
}

// parseFlags checks raw (the parser's "--name=value" words) against the
// instruction's flags: known, given once, with a value unless boolean.
func parseFlags(raw []string, specs []flagSpec) (flags, error) {
	fl := flags{vals: map[string]string{}}
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	for _, f := range raw {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		i := slices.Index(names, name)
		if i < 0 {
			if len(names) == 0 {
				return flags{}, fmt.Errorf("unknown flag --%s: this instruction takes no flags", name)
			}
			return flags{}, fmt.Errorf("unknown flag --%s (known: --%s)", name, strings.Join(names, ", --"))
		}
		if _, dup := fl.vals[name]; dup {
			return flags{}, fmt.Errorf("flag --%s given twice", name)
		}
		switch {
		case specs[i].kind == flagBool && !hasVal:
			val = "true"
		case specs[i].kind == flagBool:
			if _, err := strconv.ParseBool(val); err != nil {
				return flags{}, fmt.Errorf("flag --%s=%s: want true or false", name, val)
			}
		case !hasVal:
			return flags{}, fmt.Errorf("flag --%s needs a value (--%s=…)", name, name)
		}
		fl.vals[name] = val
	}
	return fl, nil
}

// string returns a string flag's value, "" when not given.
func (f flags) string(name string) string { return f.vals[name] }

// given reports whether the flag was given.
func (f flags) given(name string) bool {
	_, ok := f.vals[name]
	return ok
}

// bool returns a boolean flag's value and whether it was given.
func (f flags) bool(name string) (v, ok bool) {
	s, ok := f.vals[name]
	v, _ = strconv.ParseBool(s)
	return v, ok
}

// int returns an integer flag's value, nil when not given.
func (f flags) int(name string) (*int, error) {
	v, ok := f.vals[name]
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<31-2 {
		return nil, fmt.Errorf("--%s=%s: want a number from 0 to 2147483646", name, v)
	}
	return &n, nil
}

// mode returns an octal mode flag's value, nil when not given.
func (f flags) mode(name string) (*uint32, error) {
	v, ok := f.vals[name]
	if !ok {
		return nil, nil
	}
	m, err := strconv.ParseUint(v, 8, 32)
	if err != nil || m > 0o7777 {
		return nil, fmt.Errorf("--%s=%s: want an octal mode such as 0755", name, v)
	}
	m32 := uint32(m)
	return &m32, nil
}
