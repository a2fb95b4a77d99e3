package distrofile

import (
	"strings"
	"testing"
)

func TestLintConfig(t *testing.T) {
	src := "FROM debian:trixie\nINSTALL perl\nUSER app\nEXPOSE 80 80\n"
	for _, tc := range []struct {
		name, directive string
		want            string // rules reported, in order
		err             string // Apply's error
		parseErr        string
		warning         string
	}{
		{"none", "", "UndefinedUser DuplicateExpose", "", "", ""},
		{"skip one", "# check=skip=DuplicateExpose\n", "UndefinedUser", "", "", ""},
		{"skip two", "# check=skip=DuplicateExpose,UndefinedUser\n", "", "", "", ""},
		{"skip all", "# check=skip=all;error=true\n", "", "", "", ""},
		{"error", "# check=error=true\n", "UndefinedUser DuplicateExpose", "lint: UndefinedUser, DuplicateExpose", "", ""},
		{"error and skip", "# check=skip=UndefinedUser,DuplicateExpose;error=true\n", "", "", "", ""},
		{"unknown rule", "# check=skip=DuplicateExpos\n", "UndefinedUser DuplicateExpose", "", "", "# check=skip=DuplicateExpos: no Distrofile rule has that name (did you mean DuplicateExpose?)"},
		{"bad option", "# check=skipp=x\n", "", "", `line 1: # check=skipp=x: invalid check option "skipp"`, ""},
		{"bad bool", "# check=error=maybe\n", "", "", "failed to parse check option", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dt := []byte(tc.directive + src)
			c, ws, err := ParseLintConfig(dt)
			if tc.parseErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.parseErr) {
					t.Fatalf("parse error %v, want %q", err, tc.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tc.warning == "") != (len(ws) == 0) || (len(ws) > 0 && (ws[0].Message != tc.warning || ws[0].Ranges[0].Start.Line != 1)) {
				t.Errorf("warnings %+v, want %q on line 1", ws, tc.warning)
			}
			df, states := testStates(t, string(dt))
			out, err := c.Apply(Lint(df, states))
			var got []string
			for _, w := range out {
				got = append(got, w.Rule.Name)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("rules %v, want %q", got, tc.want)
			}
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// TestLintRuleURLs: every rule links to the section of the docs that
// explains it.
func TestLintRuleURLs(t *testing.T) {
	for _, r := range LintRules {
		if !strings.HasPrefix(r.URL, docsURL) {
			t.Errorf("%s: URL %q", r.Name, r.URL)
		}
	}
}
