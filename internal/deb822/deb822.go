// Package deb822 reads Debian's control-file format (deb822(5)): Packages
// and Release files, .deb control files, debconf templates and APT's
// .sources. It is the one reader of the format in this module.
//
// Scanner classifies lines without copying, for the Packages files of tens
// of thousands of paragraphs; Parse builds paragraphs from it, for the
// small files.
//
// A line is a field ("Name: value"), a continuation of the field before it
// (it starts with a space or a tab), a comment (it starts with "#"; passed
// over) or blank (empty, or only blanks and a carriage return), which ends
// a paragraph.
//
// It imports nothing of this module.
package deb822

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is what a line is.
type Kind uint8

const (
	// Field is a "Name: value" line.
	Field Kind = iota + 1
	// Continuation is a line that starts with a space or a tab and is not
	// blank: it continues the field before it.
	Continuation
	// End is a blank line, which ends a paragraph (or separates nothing,
	// between paragraphs or at the start).
	End
	// Malformed is a line without a colon, or that starts with one.
	Malformed
)

// ErrIncomplete is Scanner.Err when the stream's more reported that the
// rest of the data will not come.
var ErrIncomplete = errors.New("deb822: data incomplete")

// Scanner reads data line by line. Comment lines are passed over; the
// strings it returns are substrings of data.
type Scanner struct {
	data  string
	more  func() int
	avail int // data[:avail] may be read
	pos   int // start of the next line
	line  int // 1-based number of the current line
	kind  Kind
	start int // offsets of the current line, without its '\n'
	end   int
	// fieldStart and fieldColon are the offsets of the name and the colon
	// of the field the current line is or continues; fieldColon is -1
	// when there is none.
	fieldStart int
	fieldColon int
	err        error
}

// NewScanner returns a Scanner of data.
func NewScanner(data string) *Scanner {
	return &Scanner{data: data, avail: len(data), fieldColon: -1}
}

// NewStreamScanner returns a Scanner of data that is being written: only
// data[:n] is read until more, which blocks until more of data is there,
// has returned a length n that goes far enough. more returns -1 when the
// rest will not come: Scan then stops and Err is ErrIncomplete.
func NewStreamScanner(data string, more func() int) *Scanner {
	return &Scanner{data: data, more: more, fieldColon: -1}
}

// Scan advances to the next line that is not a comment, and reports
// whether there is one.
func (s *Scanner) Scan() bool {
	data := s.data
	for s.pos < len(data) {
		s.line++
		pos := s.pos
		end := strings.IndexByte(data[pos:s.avail], '\n')
		for end < 0 && s.avail < len(data) {
			from := s.avail
			if s.avail = s.more(); s.avail < 0 {
				s.avail, s.pos, s.err = from, len(data), ErrIncomplete
				return false
			}
			if end = strings.IndexByte(data[from:s.avail], '\n'); end >= 0 {
				end += from - pos
			}
		}
		if end < 0 {
			end = len(data)
			s.pos = end
		} else {
			end += pos
			s.pos = end + 1
		}
		s.start, s.end = pos, end
		line := data[pos:end]
		c := byte(0)
		if len(line) > 0 {
			c = line[0]
		}
		switch {
		case len(line) == 0 || line == "\r" || ((c == ' ' || c == '\t') && trimSpace(line) == ""):
			s.kind, s.fieldColon = End, -1
		case c == ' ' || c == '\t':
			s.kind = Continuation
		case c == '#':
			continue
		default:
			colon := strings.IndexByte(line, ':')
			if colon <= 0 {
				s.kind, s.fieldColon = Malformed, -1
			} else {
				s.kind, s.fieldStart, s.fieldColon = Field, pos, pos+colon
			}
		}
		return true
	}
	return false
}

// Err returns ErrIncomplete when a stream's data did not all come, else nil.
func (s *Scanner) Err() error { return s.err }

// Kind returns what the current line is.
func (s *Scanner) Kind() Kind { return s.kind }

// Line returns the 1-based number of the current line, comments counted.
func (s *Scanner) Line() int { return s.line }

// Text returns the current line without its newline.
func (s *Scanner) Text() string { return s.data[s.start:s.end] }

// Name returns the name of the field the current line is or continues, as
// written before the colon; "" for a continuation without a field before
// it, and for End and Malformed lines.
func (s *Scanner) Name() string {
	if s.fieldColon < 0 {
		return ""
	}
	return s.data[s.fieldStart:s.fieldColon]
}

// Value returns the value of the field the current line is or continues,
// from after the colon to the end of the current line, without the
// leading and trailing blanks: for a continuation, the text of the lines
// so far, with their newlines and indentation (and any comment line
// between them). It is "" where Name is.
func (s *Scanner) Value() string {
	if s.fieldColon < 0 {
		return ""
	}
	vs := s.fieldColon + 1
	for vs < s.end && (s.data[vs] == ' ' || s.data[vs] == '\t') {
		vs++
	}
	return trimSpace(s.data[vs:s.end])
}

// trimSpace trims spaces and tabs from the start of s, and those and line
// ends from its end.
func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// Paragraph is one paragraph's fields, in order.
type Paragraph struct {
	// Fields are the paragraph's fields. A value is what follows the
	// colon without the blanks around it; one that spans several lines
	// has, after a newline each, its continuation lines without their
	// indentation or trailing blanks (" ." stays ".").
	Fields []FieldValue
	// Line is the number of the paragraph's first line.
	Line int
}

// FieldValue is one field of a Paragraph.
type FieldValue struct {
	// Name is the field's name as written ("Pre-Depends").
	Name string
	// Value is its value; see Paragraph.Fields.
	Value string
}

// Get returns the value of the field named name, compared ASCII
// case-insensitively as deb822 field names are; of two fields of that
// name, the last.
func (p Paragraph) Get(name string) (string, bool) {
	for i := len(p.Fields) - 1; i >= 0; i-- {
		if strings.EqualFold(p.Fields[i].Name, name) {
			return p.Fields[i].Value, true
		}
	}
	return "", false
}

// Value returns the value of the field named name, "" when there is none.
func (p Paragraph) Value(name string) string {
	v, _ := p.Get(name)
	return v
}

// Parse reads the paragraphs of data. A malformed line, or a continuation
// with no field before it in its paragraph, is an error that names the
// line; the paragraphs that ended before it are returned with it.
func Parse(data string) ([]Paragraph, error) {
	var (
		out []Paragraph
		cur *Paragraph
	)
	s := NewScanner(data)
	for s.Scan() {
		switch s.Kind() {
		case End:
			cur = nil
		case Field:
			if cur == nil {
				out = append(out, Paragraph{Line: s.Line()})
				cur = &out[len(out)-1]
			}
			cur.Fields = append(cur.Fields, FieldValue{strings.TrimSpace(s.Name()), s.Value()})
		case Continuation:
			if cur == nil || s.Name() == "" {
				return complete(out, cur), fmt.Errorf("line %d: continuation line without a field", s.Line())
			}
			f := &cur.Fields[len(cur.Fields)-1]
			f.Value += "\n" + trimSpace(s.Text())
		case Malformed:
			return complete(out, cur), fmt.Errorf("line %d: expected \"Field: value\", got %q", s.Line(), truncate(s.Text(), 60))
		}
	}
	return out, nil
}

// First returns the first paragraph of data, leniently: a line that is
// no field is passed over (with its continuation lines) but begins the
// paragraph, and what follows the first paragraph is not read. A control file is read so, as dpkg-deb
// has checked it when it was built.
func First(data string) Paragraph {
	var p Paragraph
	skipping, started := false, false
	for s := NewScanner(data); s.Scan(); {
		if s.Kind() != End {
			started = true
		}
		switch s.Kind() {
		case End:
			if started {
				return p
			}
		case Field:
			if len(p.Fields) == 0 {
				p.Line = s.Line()
			}
			p.Fields = append(p.Fields, FieldValue{strings.TrimSpace(s.Name()), s.Value()})
			skipping = false
		case Continuation:
			if len(p.Fields) > 0 && !skipping && s.Name() != "" {
				f := &p.Fields[len(p.Fields)-1]
				f.Value += "\n" + trimSpace(s.Text())
			}
		case Malformed:
			skipping = true
		}
	}
	return p
}

// complete returns out without cur, the paragraph being read, if any.
func complete(out []Paragraph, cur *Paragraph) []Paragraph {
	if cur != nil {
		return out[:len(out)-1]
	}
	return out
}

// truncate cuts s to n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
