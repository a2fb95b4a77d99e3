package distrofile

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseFiles parses a Distrofile of 200 FILE heredocs: FILE is
// read by rewriting one FILE into COPY and parsing again (see
// rewriteFileInstructions), so this is the worst case of that design.
func BenchmarkParseFiles(b *testing.B) {
	var src strings.Builder
	src.WriteString("FROM debian:trixie\n")
	for i := range 200 {
		fmt.Fprintf(&src, "FILE /etc/app/%d.conf <<EOF\nkey=%d\nFILE not an instruction\nEOF\n", i, i)
	}
	dt := []byte(src.String())
	for b.Loop() {
		if _, err := Parse(dt, nil); err != nil {
			b.Fatal(err)
		}
	}
}
