package frontend

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/subrequests/lint"
)

// TestLintResults checks the --call=check answer: warnings with rule name,
// description, message and location, in the JSON buildx reads and prints.
func TestLintResults(t *testing.T) {
	src := []byte("FROM debian:trixie\nINSTALL perl\nUSER app\nEXPOSE 80 80\nENTRYPOINT [\"/app/run\"]\n")
	res := lintResults(src, sourceMap(src), nil, nil, nil)
	if res.Error != nil {
		t.Fatalf("error %+v", res.Error)
	}
	// Round trip through the JSON buildx gets, then print as buildx does.
	dt, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back lint.LintResults
	if err := json.Unmarshal(dt, &back); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range back.Warnings {
		if w.Description == "" || w.Location == nil || len(w.Location.Ranges) != 1 || w.Location.SourceIndex != 0 {
			t.Errorf("warning %+v", w)
			continue
		}
		got = append(got, w.RuleName+":"+strconv.Itoa(int(w.Location.Ranges[0].Start.Line)))
	}
	if strings.Join(got, " ") != "UndefinedUser:3 EntrypointNotProvided:5 DuplicateExpose:4" {
		t.Errorf("warnings %v", got)
	}
	var out bytes.Buffer
	if err := back.PrintTo(&out, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"WARNING: UndefinedUser",
		`USER app: no user "app" in /etc/passwd`,
		"Distrofile:4",
		"EXPOSE 80: port 80/tcp is already exposed on line 4",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed output lacks %q:\n%s", want, out.String())
		}
	}

	// An error of the stage evaluation is the result's located error.
	src = []byte("FROM scratch\nINSTALL perl\n")
	res = lintResults(src, sourceMap(src), nil, nil, nil)
	if res.Error == nil || !strings.HasPrefix(res.Error.Message, "INSTALL needs a package archive") ||
		len(res.Error.Location.Ranges) != 1 || res.Error.Location.Ranges[0].Start.Line != 2 {
		t.Errorf("error %+v", res.Error)
	}
	var eout bytes.Buffer
	res.PrintErrorTo(&eout, nil)
	if !strings.Contains(eout.String(), "INSTALL perl") {
		t.Errorf("printed error lacks the line:\n%s", eout.String())
	}
}

// sourceMap is a source map like the one dockerui gives the handler (whose
// Definition is set).
func sourceMap(src []byte) *llb.SourceMap {
	sm := llb.NewSourceMap(nil, "Distrofile", "Dockerfile", src)
	sm.Definition = &llb.Definition{}
	return sm
}

// TestLintResultsCheckDirective: --call=check lists what the check
// directive lets through; BUILDKIT_DOCKERFILE_CHECK wins over it.
func TestLintResultsCheckDirective(t *testing.T) {
	src := []byte("# check=skip=UndefinedUser;error=true\nFROM debian:trixie\nINSTALL perl\nUSER app\nEXPOSE 80 80\n")
	rules := func(res *lint.LintResults) string {
		var got []string
		for _, w := range res.Warnings {
			got = append(got, w.RuleName)
		}
		return strings.Join(got, " ")
	}
	res := lintResults(src, sourceMap(src), nil, nil, nil)
	if res.Error != nil || rules(res) != "DuplicateExpose" {
		t.Errorf("directive: %q, error %+v", rules(res), res.Error)
	}
	res = lintResults(src, sourceMap(src), nil, nil, &linter.Config{SkipRules: []string{"DuplicateExpose"}})
	if res.Error != nil || rules(res) != "UndefinedUser" {
		t.Errorf("build argument: %q, error %+v", rules(res), res.Error)
	}
	src = []byte("# check=skip=Nope\nFROM debian:trixie\nINSTALL perl\n")
	res = lintResults(src, sourceMap(src), nil, nil, nil)
	if rules(res) != "DistrofileSyntax" || !strings.Contains(res.Warnings[0].Detail, "no Distrofile rule") {
		t.Errorf("unknown rule: %+v", res.Warnings)
	}
}
