// Package imagespec holds the plain description of an image that the
// Distrofile language produces and llbgen turns into LLB: accounts,
// generated files and the image configuration. It has no BuildKit types,
// so that the language and the `distrofile` command need none.
package imagespec

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// User is one /etc/passwd entry.
type User struct {
	Name     string
	UID, GID int
	Home     string
	Shell    string
	// CreateHome makes the home directory, owned by the user, mode 0750.
	CreateHome bool
}

// Group is one /etc/group entry.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// Accounts are the image's users and groups, in file order.
type Accounts struct {
	Users  []User
	Groups []Group
}

// Passwd renders /etc/passwd.
func (a Accounts) Passwd() string {
	var b strings.Builder
	for _, u := range a.Users {
		fmt.Fprintf(&b, "%s:x:%d:%d:%s:%s:%s\n", u.Name, u.UID, u.GID, u.Name, u.Home, u.Shell)
	}
	return b.String()
}

// Group renders /etc/group.
func (a Accounts) Group() string {
	var b strings.Builder
	for _, g := range a.Groups {
		fmt.Fprintf(&b, "%s:x:%d:%s\n", g.Name, g.GID, strings.Join(g.Members, ","))
	}
	return b.String()
}

// FileKind says what a File entry creates.
type FileKind int

// The kinds of generated entries.
const (
	KindDir FileKind = iota
	KindFile
	KindSymlink
	KindCopy
)

// File is one generated filesystem entry or one COPY, in instruction order.
type File struct {
	Kind     FileKind
	Path     string
	Mode     os.FileMode
	UID, GID int
	// Content of a KindFile.
	Content []byte
	// Target of a KindSymlink.
	Target string
	// Srcs of a KindCopy, copied to Path (from the source llbgen binds).
	Srcs  []string
	Chmod *os.FileMode
	// Chown, when set, owns copied files by UID:GID.
	Chown bool
	// Implicit marks a KindDir made only where nothing has made it yet,
	// as WORKDIR, MKDIR and a home do in a Dockerfile's image: an earlier
	// entry for the path keeps its owner and mode.
	Implicit bool
}

// Config is the image configuration a Distrofile sets.
type Config struct {
	Env          []string
	Entrypoint   []string
	Cmd          []string
	WorkingDir   string
	User         string
	StopSignal   string
	Labels       map[string]string
	ExposedPorts []string
	Volumes      []string
	// Healthcheck is HEALTHCHECK's, nil when the stage has none.
	Healthcheck *Healthcheck
}

// Healthcheck is how the runtime checks the container, as in the image
// config: Test is ["NONE"], ["CMD", args…] or ["CMD-SHELL", command];
// zero durations and Retries mean the runtime's defaults.
type Healthcheck struct {
	Test                                          []string
	Interval, Timeout, StartPeriod, StartInterval time.Duration
	Retries                                       int
}

// SetEnv sets the variable k to v in env ("NAME=value" entries), in place
// of an entry of the same name or after the others, as ENV does.
func SetEnv(env []string, k, v string) []string {
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
