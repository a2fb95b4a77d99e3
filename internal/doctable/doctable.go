// Package doctable keeps the tables of docs/ that are generated from the
// code up to date: a test renders the table and Check compares it with
// the part of the page between two marker lines, or rewrites it.
package doctable

import (
	"os"
	"strings"
	"testing"
)

// Check fails t when the text between the lines begin and end of the file
// doc is not table, and rewrites it instead when update is set; how tells
// the reader the command that does.
func Check(t *testing.T, doc, begin, end, table string, update bool, how string) {
	t.Helper()
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated table between %q and %q", doc, begin, end)
	}
	want := s[:i+len(begin)] + table + s[j:]
	if want == s {
		return
	}
	if update {
		if err := os.WriteFile(doc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date: %s", doc, how)
}
