package plan

import (
	"context"
	"testing"

	"github.com/distrofile/distrofile/distrofile"
)

// testStates parses src and evaluates its stages.
func testStates(t *testing.T, src string) (*distrofile.Distrofile, map[*distrofile.Stage]*distrofile.StageSpec) {
	t.Helper()
	df, err := distrofile.Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	states, err := distrofile.EvalStages(df)
	if err != nil {
		t.Fatal(err)
	}
	return df, states
}

// testPlan parses src (one stage) and plans it without build args or a
// build context.
func testPlan(t *testing.T, src string) (*distrofile.StageSpec, *Plan) {
	t.Helper()
	df, states := testStates(t, src)
	s := states[df.Stages[0]]
	p, err := New(context.Background(), s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}
