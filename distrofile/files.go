package distrofile

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The Dockerfile parser collects heredocs only for COPY, ADD and RUN, so
// FILE lines are read as COPY lines: each FILE keyword is replaced by
// COPY (same length: every column stays where it was), and the lines that
// were FILE are remembered. Which lines are FILE instructions, rather than
// lines of a heredoc that start with FILE, takes the parser to know.

// parseWithFiles parses dt with its FILE instructions read as COPY, and
// returns the lines that were FILE.
func parseWithFiles(dt []byte) (*parser.Result, map[int]bool, error) {
	if res, files, ok := parseFilesAtOnce(dt); ok {
		return res, files, nil
	}
	src, files, err := rewriteFileInstructions(dt)
	if err != nil {
		return nil, nil, err
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, nil, parserError(err)
	}
	return res, files, nil
}

// parseFilesAtOnce is the fast way: rewrite every line whose first word is
// FILE, parse, keep those that start an instruction, and parse the file
// with only those rewritten. It holds (ok) when that parse has every kept
// line as an instruction and no FILE instruction left: it is then the
// source rewriteFileInstructions reaches, one FILE at a time (its parse of
// the lines before each kept line is the same). Otherwise, or on any
// error, the slow way decides, with its own messages.
func parseFilesAtOnce(dt []byte) (*parser.Result, map[int]bool, bool) {
	lines := bytes.SplitAfter(dt, []byte("\n"))
	all := bytes.Clone(dt)
	var cands []int
	at := 0
	for i, line := range lines {
		if off, ok := fileKeyword(line); ok {
			copy(all[at+off:at+off+4], "COPY")
			cands = append(cands, i+1)
		}
		at += len(line)
	}
	if len(cands) == 0 {
		res, err := parser.Parse(bytes.NewReader(dt))
		return res, map[int]bool{}, err == nil
	}
	first, err := parser.Parse(bytes.NewReader(all))
	if err != nil {
		return nil, nil, false
	}
	starts := map[int]bool{}
	for _, n := range first.AST.Children {
		starts[n.StartLine] = true
	}
	files := map[int]bool{}
	src := bytes.Clone(dt)
	at = 0
	for i, line := range lines {
		if starts[i+1] {
			if off, ok := fileKeyword(line); ok {
				copy(src[at+off:at+off+4], "COPY")
				files[i+1] = true
			}
		}
		at += len(line)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, nil, false
	}
	found := 0
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "file") {
			return nil, nil, false
		}
		if files[n.StartLine] {
			found++
		}
	}
	return res, files, found == len(files)
}

// keywordOffset is where a line's first word starts: after blanks, and
// the byte order mark the parser skips before the first line.
func keywordOffset(line []byte) int {
	return len(line) - len(bytes.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }))
}

// fileKeyword reports whether line starts with the word FILE (after
// blanks, and the byte order mark the parser skips), and where.
func fileKeyword(line []byte) (int, bool) {
	off := keywordOffset(line)
	if len(line) < off+4 || !bytes.EqualFold(line[off:off+4], []byte("file")) {
		return 0, false
	}
	if len(line) > off+4 && !unicode.IsSpace(rune(line[off+4])) {
		return 0, false
	}
	return off, true
}

// rewriteFileInstructions lets the Dockerfile parser read FILE heredocs: the
// parser only collects heredocs for COPY, ADD and RUN, so each FILE keyword is
// replaced by COPY (same length: every column stays where it was) and the
// returned set remembers the lines that were FILE. One FILE is rewritten per
// round, so that a heredoc body line that happens to start with FILE is
// never mistaken for an instruction.
func rewriteFileInstructions(dt []byte) ([]byte, map[int]bool, error) {
	src := bytes.Clone(dt)
	fileLines := map[int]bool{}
	for round := 0; ; round++ {
		if round > 10000 {
			return nil, nil, fmt.Errorf("too many FILE instructions")
		}
		res, err := parser.Parse(bytes.NewReader(src))
		if err != nil {
			return nil, nil, parserError(err)
		}
		var next *parser.Node
		for _, n := range res.AST.Children {
			if strings.EqualFold(n.Value, "file") && !fileLines[n.StartLine] {
				next = n
				break
			}
		}
		if next == nil {
			return src, fileLines, nil
		}
		lines := bytes.SplitAfter(src, []byte("\n"))
		i := next.StartLine - 1
		if i < 0 || i >= len(lines) {
			return nil, nil, fmt.Errorf("internal error: FILE on line %d not found", next.StartLine)
		}
		line := lines[i]
		off := keywordOffset(line)
		if !bytes.EqualFold(line[off:min(off+4, len(line))], []byte("file")) {
			return nil, nil, fmt.Errorf("internal error: FILE on line %d not found", next.StartLine)
		}
		copy(line[off:off+4], "COPY")
		fileLines[next.StartLine] = true
		src = bytes.Join(lines, nil)
	}
}
