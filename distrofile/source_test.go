package distrofile

import (
	"fmt"
	"strings"
	"testing"
)

func TestSourceInstruction(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       SourceCmd
		err        string
	}{
		{"minimal", "SOURCE http://x.invalid/repo/ stable", SourceCmd{URL: "http://x.invalid/repo", Suite: "stable", Components: []string{"main"}}, ""},
		{"full", "SOURCE --keyring=./keys/../keys/k.asc --arch=amd64,arm64 https://x.invalid/r bookworm main contrib",
			SourceCmd{URL: "https://x.invalid/r", Suite: "bookworm", Components: []string{"main", "contrib"}, Keyring: "keys/k.asc", Archs: []string{"amd64", "arm64"}}, ""},
		{"insecure", "SOURCE --insecure http://x.invalid/r stable", SourceCmd{URL: "http://x.invalid/r", Suite: "stable", Components: []string{"main"}, Insecure: true}, ""},
		{"no suite", "SOURCE http://x.invalid/r", SourceCmd{}, "needs a URL and a suite"},
		{"ftp", "SOURCE ftp://x.invalid/r stable", SourceCmd{}, "only http:// and https://"},
		{"flat", "SOURCE http://x.invalid/r ./", SourceCmd{}, "flat repositories"},
		{"both", "SOURCE --insecure --keyring=k http://x.invalid/r stable", SourceCmd{}, "exclude each other"},
		{"escape", "SOURCE --keyring=../k http://x.invalid/r stable", SourceCmd{}, "inside the build context"},
		{"bad flag", "SOURCE --signed-by=k http://x.invalid/r stable", SourceCmd{}, "unknown flag --signed-by"},
		{"trailing flags", "SOURCE http://x.invalid/r stable main --insecure --arch=arm64", SourceCmd{URL: "http://x.invalid/r", Suite: "stable", Components: []string{"main"}, Archs: []string{"arm64"}, Insecure: true}, ""},
		{"dup flag", "SOURCE --arch=amd64 http://x.invalid/r stable --arch=arm64", SourceCmd{}, "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df, err := Parse([]byte("FROM scratch\n"+tc.line+"\nINSTALL aa\n"), nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := *df.Stages[0].Commands[0].(*SourceCmd)
			got.loc = loc{}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			// FROM scratch + SOURCE accepts INSTALL.
			if _, err := EvalStages(df); err != nil {
				t.Fatal(err)
			}
		})
	}
	df, _ := Parse([]byte("FROM scratch\nINSTALL aa\n"), nil)
	if _, err := EvalStages(df); err == nil || !strings.Contains(err.Error(), "add a SOURCE") {
		t.Fatalf("scratch without SOURCE: %v", err)
	}
}
