package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// The README's benchmark tables live between these lines.
const (
	readmeBegin = "<!-- bench:begin (bench/run writes what follows, up to bench:end) -->"
	readmeEnd   = "<!-- bench:end -->"
)

// readmeCmd copies the tables of a results file (what bench/run writes to
// bench/results/<date>.md) into the README, between readmeBegin and
// readmeEnd: the cold, warm, incremental, remote-cache, size and
// throughput tables, those of the pushed builds (8-12) and the targets,
// without the command references (the results file lists the commands),
// the per-vertex details and the resolve benchmarks.
//
//	benchtool readme -results FILE -readme README.md -intro TEXT
func readmeCmd(args []string) error {
	fs := flag.NewFlagSet("readme", flag.ContinueOnError)
	results := fs.String("results", "", "results file (bench/results/<date>.md)")
	readme := fs.String("readme", "README.md", "README to update")
	intro := fs.String("intro", "", "paragraph put before the tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := os.ReadFile(*results)
	if err != nil {
		return err
	}
	doc, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	out, err := spliceReadme(doc, readmeTables(string(res)), *intro)
	if err != nil {
		return fmt.Errorf("%s: %w", *readme, err)
	}
	return os.WriteFile(*readme, out, 0o644)
}

// cmdRef is a command reference of the results file: " [c12]".
var cmdRef = regexp.MustCompile(` ?\[c[0-9]+\]`)

// readmeTables returns the sections of a results file that the README
// carries.
func readmeTables(res string) string {
	keep := map[string]bool{"1": true, "2": true, "3": true, "4": true, "6": true, "7": true, "8": true, "9": true, "10": true, "11": true, "12": true, "Targets": true}
	var b strings.Builder
	sec := ""         // the section being read: "1", …, "Targets"
	skipping := false // a part of a kept section that is not kept
	for _, line := range strings.Split(res, "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			sec, _, _ = strings.Cut(h, ".")
			if strings.HasPrefix(h, "Targets") {
				sec = "Targets"
			}
			skipping = false
		}
		if !keep[sec] {
			continue
		}
		if strings.HasPrefix(line, "Where a Distrofile cold build's time goes") || strings.HasPrefix(line, "CPU profile of the helper") ||
			strings.HasPrefix(line, "Vertices not cached") {
			skipping = true // up to the next section
		}
		if skipping {
			continue
		}
		line = cmdRef.ReplaceAllString(line, "")
		// The incremental table's last column (what ran) is long.
		if sec == "3" && strings.HasPrefix(line, "|---") {
			line = strings.Repeat("|---", 7) + "|"
		} else if cells := strings.Split(line, " | "); sec == "3" && len(cells) == 8 {
			line = strings.Join(cells[:7], " | ") + " |"
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSpace(b.String()) + "\n"
}

// spliceReadme puts intro and tables between the README's markers.
func spliceReadme(doc []byte, tables, intro string) ([]byte, error) {
	i := bytes.Index(doc, []byte(readmeBegin))
	j := bytes.Index(doc, []byte(readmeEnd))
	if i < 0 || j < i {
		return nil, errors.New("no " + readmeBegin + " ... " + readmeEnd + " lines")
	}
	var b bytes.Buffer
	b.Write(doc[:i+len(readmeBegin)])
	b.WriteString("\n\n")
	if intro != "" {
		b.WriteString(strings.TrimSpace(intro) + "\n\n")
	}
	b.WriteString(tables)
	b.WriteString("\n")
	b.Write(doc[j:])
	return b.Bytes(), nil
}
