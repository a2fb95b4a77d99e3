package effects

import (
	"bytes"
	"flag"
	"testing"

	"github.com/distrofile/distrofile/internal/doctable"
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
	var table bytes.Buffer
	if err := Table(&table); err != nil {
		t.Fatal(err)
	}
	doctable.Check(t, docPath, tableBegin, tableEnd, table.String(), *update, "go test ./debextract/effects -run TestDocTable -update")
}
