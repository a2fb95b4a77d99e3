package distrofile

import (
	"reflect"
	"testing"
)

// TestEnvExpansionSeesImageEnv checks that $PATH expands to the image's
// PATH (not to nothing) and that FROM <stage> expands with the ENVs of its
// base, as in a Dockerfile.
func TestEnvExpansionSeesImageEnv(t *testing.T) {
	df, err := Parse([]byte("FROM debian:trixie AS a\nENV PATH=/app/bin:$PATH X=1\nFROM a\nARG A=arg\nENV Y=${X}2 PATH=/b:$PATH\nFILE /f <<EOF\n$Y $A\nEOF\nFROM scratch\nENV P=$PATH Y=${Y:-unset}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	states, err := EvalStages(df)
	if err != nil {
		t.Fatal(err)
	}
	const def = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for i, want := range [][]string{
		{"PATH=/app/bin:" + def, "X=1"},
		{"PATH=/b:/app/bin:" + def, "X=1", "Y=12"},
		{"PATH=" + def, "P=" + def, "Y=unset"},
	} {
		if got := states[df.Stages[i]].Config.Env; !reflect.DeepEqual(got, want) {
			t.Errorf("stage %d env\n got %q\nwant %q", i, got, want)
		}
	}
	if f := df.Stages[1].Commands[1].(*FileCmd); f.Content != "12 arg\n" {
		t.Errorf("FILE content %q", f.Content)
	}
	// The lint rule no longer fires on PATH=/app/bin:$PATH.
	if ws := lintSrc(t, "FROM debian:trixie\nENV PATH=/app/bin:$PATH\n"); len(ws) != 0 {
		t.Errorf("warnings %q", ws)
	}
}
