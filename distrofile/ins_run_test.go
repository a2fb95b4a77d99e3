package distrofile

import (
	"reflect"
	"testing"
)

// TestRun: RUN's forms, flags and what the stage has at its line.
func TestRun(t *testing.T) {
	src := `FROM debian:trixie AS build
ARG GOFLAGS=-trimpath
ARG CACHE=/root/.cache
INSTALL golang-go dash
ENV CGO_ENABLED=0 GOFLAGS=-mod=vendor
COPY . /src
WORKDIR /src
USER 1000
RUN --mount=type=cache,target=${CACHE}/go-build --network=none ["go", "build", "-o", "/out/app", "."]
MKDIR /out/more
RUN --mount=type=secret,id=token,env=TOKEN --security=insecure echo "$HOME" && ls
`
	df, err := Parse([]byte(src), map[string]string{"CACHE": "/cache"})
	if err != nil {
		t.Fatal(err)
	}
	states, err := EvalStages(df)
	if err != nil {
		t.Fatal(err)
	}
	s := states[df.Stages[0]]
	if len(s.Runs) != 2 {
		t.Fatalf("%d runs", len(s.Runs))
	}
	r := s.Runs[0]
	if c := r.Cmd; c.Shell || !reflect.DeepEqual(c.Args, []string{"go", "build", "-o", "/out/app", "."}) || c.Network != "none" || c.Security != "sandbox" ||
		len(c.Mounts) != 1 || c.Mounts[0].Target != "/cache/go-build" || string(c.Mounts[0].Type) != "cache" {
		t.Errorf("exec form: %+v %+v", c, c.Mounts)
	}
	// ENV wins over the ARG of the same name; ARGs come after ENV.
	if want := []string{defaultPath, "CGO_ENABLED=0", "GOFLAGS=-mod=vendor", "CACHE=/cache"}; !reflect.DeepEqual(r.Env, want) {
		t.Errorf("env %q, want %q", r.Env, want)
	}
	if r.FilesBefore != 2 || r.WorkingDir != "/src" || r.User != "1000" { // the COPY and WORKDIR's directory
		t.Errorf("run 1 at %d files, in %q as %q", r.FilesBefore, r.WorkingDir, r.User)
	}
	c := s.Runs[1].Cmd
	if !c.Shell || !reflect.DeepEqual(c.Args, []string{`echo "$HOME" && ls`}) || c.Security != "insecure" || c.Network != "default" ||
		c.Mounts[0].CacheID != "token" || string(c.Mounts[0].Type) != "secret" || c.Mounts[0].Env == nil || *c.Mounts[0].Env != "TOKEN" {
		t.Errorf("shell form: %+v %+v", c, c.Mounts[0])
	}
	if s.Runs[1].FilesBefore != 3 {
		t.Errorf("run 2 at %d files", s.Runs[1].FilesBefore)
	}
}

// TestFinalStages: the stages no other stage uses are the images.
func TestFinalStages(t *testing.T) {
	src := "FROM debian:trixie AS base\nINSTALL netbase\nFROM base AS build\nINSTALL dash\nRUN echo\n" +
		"FROM debian:trixie AS assets\nFROM debian:trixie AS tools\n" +
		"FROM scratch AS app\nCOPY --from=build /x /x\nRUN --mount=type=bind,from=assets,target=/a [\"/x\"]\nFROM app AS debug\nFROM debian:trixie AS other\n"
	df, err := Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range df.Stages {
		if FinalStages(df)[st] {
			got = append(got, st.Name)
		}
	}
	if want := []string{"tools", "debug", "other"}; !reflect.DeepEqual(got, want) {
		t.Errorf("final stages %q, want %q", got, want)
	}
}
