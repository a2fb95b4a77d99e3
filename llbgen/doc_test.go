package llbgen

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/distrofile"
)

var update = flag.Bool("update", false, "rewrite the generated table of docs/language.md")

// The generated part of docs/language.md lies between these lines.
const (
	docPath    = "../docs/language.md"
	tableBegin = "<!-- generated-files:begin (go test ./llbgen -run TestGeneratedTable -update) -->\n"
	tableEnd   = "<!-- generated-files:end -->\n"
)

// TestGeneratedTable: docs/language.md lists the generated files as the
// code makes them.
func TestGeneratedTable(t *testing.T) {
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
	if err := GeneratedTable(&table, distrofile.DefaultAccounts().Accounts); err != nil {
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
	t.Errorf("%s is out of date: go test ./llbgen -run TestGeneratedTable -update", docPath)
}
