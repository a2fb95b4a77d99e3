package plan

import (
	"reflect"
	"strings"
	"testing"
)

// TestResolveCommandRoundTrip: what the frontend writes as the step's
// command line is what the step reads.
func TestResolveCommandRoundTrip(t *testing.T) {
	for _, c := range []ResolveCommand{
		{Request: `{"arch":"amd64"}`, Indexes: "/indexes", Out: "/out"},
		{Request: "/request/request.json", Indexes: "/i", Out: "/o"},
	} {
		got, err := ParseResolveCommand(c.Args())
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%+v: read back %+v, %v", c, got, err)
		}
	}
	for _, args := range [][]string{nil, {"resolve", "a", "b"}, {"extract", "a", "b", "c"}, {"resolve", "a", "b", "c", "d"}} {
		if _, err := ParseResolveCommand(args); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: %v", args, err)
		}
	}
}
