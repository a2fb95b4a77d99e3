package deb822

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// scan returns the lines of data as "line kind name=value" strings.
func scan(s *Scanner) []string {
	var out []string
	for s.Scan() {
		out = append(out, fmt.Sprintf("%d %d %s=%s", s.Line(), s.Kind(), s.Name(), s.Value()))
	}
	return out
}

func TestScanner(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"field", "Package: a\n", []string{"1 1 Package=a"}},
		{"no final newline", "Package: a", []string{"1 1 Package=a"}},
		{"blanks around the value", "Size:\t 12 \t\r\n", []string{"1 1 Size=12"}},
		{"empty value", "SHA256:\n", []string{"1 1 SHA256="}},
		{"colon in the value", "Depends: a:any\n", []string{"1 1 Depends=a:any"}},
		{"continuation", "Depends: a,\n b,\n\tc\n", []string{"1 1 Depends=a,", "2 2 Depends=a,\n b,", "3 2 Depends=a,\n b,\n\tc"}},
		{"paragraphs", "A: 1\n\nB: 2\n", []string{"1 1 A=1", "2 3 =", "3 1 B=2"}},
		{"blank lines", "\n \r\n\t\nA: 1\n\r\n", []string{"1 3 =", "2 3 =", "3 3 =", "4 1 A=1", "5 3 ="}},
		{"comments", "# c\nA: 1\n#B: 2\n c\n", []string{"2 1 A=1", "4 2 A=1\n#B: 2\n c"}},
		{"continuation without a field", " x\nA: 1\n\n y\n", []string{"1 2 =", "2 1 A=1", "3 3 =", "4 2 ="}},
		{"malformed", "no colon\n: starts with one\nA: 1\n", []string{"1 4 =", "2 4 =", "3 1 A=1"}},
		{"name as written", "Pre-Depends : x\n", []string{"1 1 Pre-Depends =x"}},
	} {
		if got := scan(NewScanner(tc.data)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestScannerText(t *testing.T) {
	s := NewScanner("A: 1\r\n b\n")
	var got []string
	for s.Scan() {
		got = append(got, s.Text())
	}
	if want := []string{"A: 1\r", " b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Text: %q, want %q", got, want)
	}
}

// TestStreamScanner reads data that comes n bytes at a time, the way a
// decompressor fills the buffer, and compares with the whole.
func TestStreamScanner(t *testing.T) {
	data := "Package: a\nDepends: b,\n c\n\n# x\nPackage: d\nVersion: 1"
	want := scan(NewScanner(data))
	for n := 1; n <= len(data); n++ {
		avail := 0
		more := func() int {
			if avail += n; avail > len(data) {
				avail = len(data)
			}
			return avail
		}
		s := NewStreamScanner(data, more)
		if got := scan(s); !reflect.DeepEqual(got, want) || s.Err() != nil {
			t.Errorf("by %d: got %q (%v), want %q", n, got, s.Err(), want)
		}
	}
}

func TestStreamScannerIncomplete(t *testing.T) {
	data := "Package: a\nVersion: 1\n"
	calls := 0
	more := func() int {
		if calls++; calls > 1 {
			return -1
		}
		return 5
	}
	s := NewStreamScanner(data, more)
	if got := scan(s); len(got) != 0 || !errors.Is(s.Err(), ErrIncomplete) {
		t.Errorf("got %q, %v; want nothing and ErrIncomplete", got, s.Err())
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []Paragraph
		err        string
	}{
		{"one", "Package: a\nVersion: 1\n", []Paragraph{{Fields: []FieldValue{{"Package", "a"}, {"Version", "1"}}, Line: 1}}, ""},
		{"two", "\n# c\nA: 1\n\n\nB: 2\n  more\n", []Paragraph{
			{Fields: []FieldValue{{"A", "1"}}, Line: 3},
			{Fields: []FieldValue{{"B", "2\nmore"}}, Line: 6},
		}, ""},
		{"name trimmed", "Name : v\n", []Paragraph{{Fields: []FieldValue{{"Name", "v"}}, Line: 1}}, ""},
		{"empty", "", nil, ""},
		{"malformed", "A: 1\n\nB: 2\nnope\n", []Paragraph{{Fields: []FieldValue{{"A", "1"}}, Line: 1}}, `line 4: expected "Field: value", got "nope"`},
		{"continuation first", " x\n", nil, "line 1: continuation line without a field"},
		{"continuation after a paragraph", "A: 1\n\n x\n", []Paragraph{{Fields: []FieldValue{{"A", "1"}}, Line: 1}}, "line 3: continuation line without a field"},
		{"long line cut", strings.Repeat("x", 70) + "\n", nil, `got "` + strings.Repeat("x", 60) + `…"`},
	} {
		got, err := Parse(tc.data)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParagraphGet(t *testing.T) {
	p := Paragraph{Fields: []FieldValue{{"Package", "a"}, {"Provides", "x"}, {"provides", "y"}}}
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"Package", "a", true},
		{"PACKAGE", "a", true},
		{"Provides", "y", true},
		{"Depends", "", false},
	} {
		got, ok := p.Get(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if v := p.Value(tc.name); v != tc.want {
			t.Errorf("Value(%q) = %q", tc.name, v)
		}
	}
}

func TestParseMultiline(t *testing.T) {
	got, err := Parse("Description: short\n long\r\n # not a comment\n .\n\tx  \n#comment\n y\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "short\nlong\n# not a comment\n.\nx\ny"; len(got) != 1 || got[0].Value("Description") != want {
		t.Errorf("got %+v, want Description %q", got, want)
	}
}

func TestFirst(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want map[string]string
	}{
		{"Package: a\nVersion: 1\n\nPackage: b\n", map[string]string{"Package": "a", "Version": "1"}},
		{"\n\nPackage: a\nDescription: x\n y\n .\n", map[string]string{"Package": "a", "Description": "x\ny\n."}},
		{"Package: a\nnot a field\n more\nVersion: 2\nVersion: 3\n", map[string]string{"Package": "a", "Version": "3"}},
		{"not a field\n\nPackage: b\n", map[string]string{}},
		{"", map[string]string{}},
	} {
		p := First(tt.in)
		got := map[string]string{}
		for _, f := range p.Fields {
			got[f.Name] = p.Value(f.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("First(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
