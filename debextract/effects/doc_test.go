package effects

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/effects.md's generated table")

// docPath is the effects table in the repository's docs.
const docPath = "../../docs/effects.md"

// The generated part of docs/effects.md lies between these lines.
const (
	tableBegin = "<!-- effects-table:begin (go test ./debextract/effects -run TestDocTable -update) -->\n"
	tableEnd   = "<!-- effects-table:end -->\n"
)

// TestDocTable: docs/effects.md lists every stand-in as the code has it.
func TestDocTable(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated table between %q and %q", docPath, tableBegin, tableEnd)
	}
	var table bytes.Buffer
	if err := Table(&table); err != nil {
		t.Fatal(err)
	}
	want := s[:i+len(tableBegin)] + table.String() + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date: go test ./debextract/effects -run TestDocTable -update", docPath)
}
