package llbgen

import (
	"bytes"
	"flag"
	"testing"

	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/internal/doctable"
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
	var table bytes.Buffer
	if err := GeneratedTable(&table, distrofile.DefaultAccounts().Accounts); err != nil {
		t.Fatal(err)
	}
	doctable.Check(t, docPath, tableBegin, tableEnd, table.String(), *update, "go test ./llbgen -run TestGeneratedTable -update")
}
