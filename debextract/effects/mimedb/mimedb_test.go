package mimedb

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const head = `<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
`

// pkg is a packages file of the given <mime-type> elements.
func pkg(types string) []byte { return []byte(head + types + "</mime-info>\n") }

// generate runs Generate on name/content pairs and returns the files by
// path.
func generate(t *testing.T, files ...string) (*Database, map[string]string) {
	t.Helper()
	var src []Source
	for i := 0; i+1 < len(files); i += 2 {
		src = append(src, Source{Name: files[i], Data: []byte(files[i+1])})
	}
	db, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range db.Files {
		out[f.Path] = string(f.Data)
	}
	return db, out
}

func typeXML(body string, name string) string {
	return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<mime-type xmlns=\"" + freeNS + "\" type=\"" + name + "\">\n" +
		"  <!--Created automatically by update-mime-database. DO NOT EDIT!-->\n" + body + "</mime-type>\n"
}

// fileCase is a small packages directory and some of the files
// update-mime-database writes for it (TestReference runs the program on
// the same directories).
type fileCase struct {
	name  string
	files []string          // name, content pairs
	want  map[string]string // path: content
	warns []string
}

var fileCases = []fileCase{{
	name: "one type",
	files: []string{"a.xml", string(pkg(`<mime-type type="text/x-a">
    <comment>A</comment>
    <comment xml:lang="de">Ä &amp; &lt;b&gt;</comment>
    <glob pattern="*.A"/>
  </mime-type>
`))},
	want: map[string]string{
		"text/x-a.xml": typeXML("  <comment>A</comment>\n  <comment xml:lang=\"de\">Ä &amp; &lt;b&gt;</comment>\n  <glob pattern=\"*.A\"/>\n", "text/x-a"),
		"globs":        generatedHeader + "text/x-a:*.a\n",
		"globs2":       generatedHeader + "50:text/x-a:*.a\n",
		"types":        "text/x-a\n",
		"magic":        "MIME-Magic\x00\n",
		"treemagic":    "MIME-TreeMagic\x00\n",
		"subclasses":   "", "aliases": "", "icons": "", "generic-icons": "", "XMLnamespaces": "",
		"version": "2.4\n",
	},
}, {
	name: "weights and case-sensitive globs",
	files: []string{"a.xml", string(pkg(`<mime-type type="text/x-a">
    <glob pattern="*.Low" weight="10"/>
    <glob pattern="*.High" weight="90" case-sensitive="true"/>
    <glob pattern="*.mid"/>
  </mime-type>
  <mime-type type="text/x-bad">
    <glob pattern="*.bad" weight="101"/>
    <glob pattern="*.never"/>
  </mime-type>
`))},
	want: map[string]string{
		"globs":  generatedHeader + "text/x-a:*.High\ntext/x-a:*.mid\ntext/x-a:*.low\ntext/x-bad:*.bad\n",
		"globs2": generatedHeader + "90:text/x-a:*.High:cs\n90:text/x-a:*.High\n50:text/x-a:*.mid\n10:text/x-a:*.low\n-1:text/x-bad:*.bad\n",
	},
	warns: []string{"Error in type 'text/x-bad' (in a.xml): Bad weight (-1) in <glob> element."},
}, {
	name: "glob-deleteall and magic-deleteall of a later package",
	files: []string{
		"b.xml", string(pkg(`<mime-type type="text/x-a"><glob-deleteall/><magic-deleteall/><glob pattern="*.new"/></mime-type>`)),
		"a.xml", string(pkg(`<mime-type type="text/x-a"><glob pattern="*.old"/><magic><match type="string" value="A" offset="0"/></magic></mime-type>`)),
	},
	want: map[string]string{
		"globs2":       generatedHeader + "0:text/x-a:__NOGLOBS__\n50:text/x-a:*.new\n50:text/x-a:*.old\n",
		"magic":        "MIME-Magic\x00\n[0:text/x-a]\n>0=\x00\x0b__NOMAGIC__\n[50:text/x-a]\n>0=\x00\x01A\n",
		"text/x-a.xml": typeXML("  <glob pattern=\"*.old\"/>\n  <glob-deleteall/>\n  <glob pattern=\"*.new\"/>\n", "text/x-a"),
	},
}, {
	name: "magic priorities, nesting, masks and number types",
	files: []string{"a.xml", string(pkg(`<mime-type type="image/x-b"><magic priority="20"><match type="string" value="B" offset="0"/></magic></mime-type>
<mime-type type="image/x-a"><magic priority="80">
  <match type="string" value="A\x01\n\101" offset="0:3" mask="0xff00">
    <match type="big16" value="0x1234" offset="4"/>
    <match type="little32" value="1" offset="8">
      <match type="host16" value="2" offset="9" mask="0xff"/>
    </match>
  </match>
  <match type="byte" value="010" offset="1"/>
</magic></mime-type>
`))},
	want: map[string]string{
		"magic": "MIME-Magic\x00\n[80:image/x-a]\n" +
			">0=\x00\x04A\x01\nA&\xff\x00\x00\x00+4\n" +
			"1>4=\x00\x02\x12\x34\n" +
			"1>8=\x00\x04\x01\x00\x00\x00\n" +
			"2>9=\x00\x02\x00\x02&\x00\xff~2\n" +
			">1=\x00\x01\x08\n" +
			"[20:image/x-b]\n>0=\x00\x01B\n",
	},
}, {
	name: "a later comment in the same language replaces the earlier one",
	files: []string{
		"a.xml", string(pkg(`<mime-type type="text/x-a"><comment>A</comment><comment xml:lang="fr">Un A</comment><comment xml:lang="de">Ein A</comment></mime-type>`)),
		"b.xml", string(pkg(`<mime-type type="text/x-a"><comment xml:lang="fr">Le A</comment></mime-type>`)),
	},
	want: map[string]string{
		"text/x-a.xml": typeXML("  <comment>A</comment>\n  <comment xml:lang=\"de\">Ein A</comment>\n  <comment xml:lang=\"fr\">Le A</comment>\n", "text/x-a"),
	},
}, {
	name: "relations, icons, root-XML and treemagic",
	files: []string{"a.xml", string(pkg(`<mime-type type="text/x-a">
  <sub-class-of type="text/plain"/><sub-class-of type="application/xml"/>
  <alias type="text/a"/><icon name="a-icon"/><generic-icon name="text-x-generic"/>
  <root-XML namespaceURI="urn:a" localName="a"/>
  <treemagic priority="70"><treematch path="a" type="directory" non-empty="true"><treematch path="a/b" executable="true" mimetype="text/plain"/></treematch></treemagic>
</mime-type>
<mime-type type="x-content/x-b"><treemagic><treematch path="b" type="link" match-case="true"/></treemagic></mime-type>
`))},
	want: map[string]string{
		"subclasses":    "text/x-a text/plain\ntext/x-a application/xml\n",
		"aliases":       "text/a text/x-a\n",
		"icons":         "text/x-a:a-icon\n",
		"generic-icons": "text/x-a:text-x-generic\n",
		"XMLnamespaces": "urn:a a text/x-a\n",
		"treemagic": "MIME-TreeMagic\x00\n[70:text/x-a]\n>\"a\"=directory,non-empty\n1>\"a/b\"=any,executable,text/plain\n" +
			"[50:x-content/x-b]\n>\"b\"=link,match-case\n",
		"types": "text/x-a\nx-content/x-b\n",
	},
}, {
	name: "files in name order, Override.xml last, other names ignored",
	files: []string{
		"Override.xml", string(pkg(`<mime-type type="text/x-a"><comment>override</comment></mime-type>`)),
		"z.xml", string(pkg(`<mime-type type="text/x-a"><comment>z</comment></mime-type>`)),
		"a.xml", string(pkg(`<mime-type type="text/x-a"><comment>a</comment></mime-type>`)),
		"notes.txt", "not XML",
		".xml", "not XML either",
	},
	want: map[string]string{
		"text/x-a.xml": typeXML("  <comment>override</comment>\n", "text/x-a"),
	},
}, {
	name:  "mixed-case type: a lower-case file name",
	files: []string{"a.xml", string(pkg(`<mime-type type="X-Odd/Mixed-Case"><comment>M</comment></mime-type>`))},
	want: map[string]string{
		"x-odd/mixed-case.xml": typeXML("  <comment>M</comment>\n", "X-Odd/Mixed-Case"),
		"types":                "X-Odd/Mixed-Case\n",
	},
}, {
	name: "elements of other namespaces are copied",
	files: []string{"a.xml", `<mime-info xmlns="` + freeNS + `" xmlns:k="urn:k"><mime-type type="text/x-a">
  <k:extra k:v="1">
    <k:inner/>
  </k:extra>
  <o xmlns="urn:o"><p/><q/></o>
  <nonsense/>
</mime-type></mime-info>`},
	want: map[string]string{
		"text/x-a.xml": typeXML("  <k:extra xmlns:k=\"urn:k\" k:v=\"1\">\n    <k:inner/>\n  </k:extra>\n  <o xmlns=\"urn:o\">\n    <p/>\n    <q/>\n  </o>\n", "text/x-a"),
	},
}, {
	name: "a DTD's default attributes count",
	files: []string{"a.xml", `<?xml version="1.0"?>
<!DOCTYPE mime-info [
<!ATTLIST mime-info xmlns CDATA #FIXED "` + freeNS + `">
<!ATTLIST glob weight CDATA "70">
]>
<mime-info><mime-type type="text/x-a"><glob pattern="*.a"/></mime-type></mime-info>`},
	want: map[string]string{
		"globs2": generatedHeader + "70:text/x-a:*.a\n",
	},
}, {
	name: "invalid types are warnings",
	files: []string{"a.xml", string(pkg(`<mime-type type="noslash"/><mime-type/><other/>
<mime-type type="text/x-m"><magic><match type="big16" value="70000" offset="0"/></magic></mime-type>`))},
	want: map[string]string{"types": "text/x-m\n"},
	warns: []string{
		"Error in type 'unknown/unknown' (in a.xml): Invalid MIME-type 'noslash'.",
		"Error in type 'unknown/unknown' (in a.xml): <mime-type> element has no 'type' attribute.",
		"Error in type 'unknown/unknown' (in a.xml): Excepted <mime-type>, but got wrong name or namespace.",
		"Error in type 'text/x-m' (in a.xml): Error in <match> element: Number out-of-range (11170 should fit in 2 bytes).",
	},
}, {
	name:  "a document of another kind is left out",
	files: []string{"a.xml", `<other xmlns="` + freeNS + `"/>`, "b.xml", `<mime-info/>`},
	want:  map[string]string{"types": ""},
	warns: []string{
		"Root element <other> is not <mime-info> (in 'a.xml')",
		"Wrong namespace on document element in 'b.xml' (should be " + freeNS + ")",
	},
}}

// TestFiles: small packages files give the files update-mime-database
// writes for them.
func TestFiles(t *testing.T) {
	for _, tt := range fileCases {
		t.Run(tt.name, func(t *testing.T) {
			db, out := generate(t, tt.files...)
			for p, want := range tt.want {
				got, ok := out[p]
				if !ok {
					t.Errorf("%s not written", p)
					continue
				}
				if got != want {
					t.Errorf("%s:\n got %q\nwant %q", p, got, want)
				}
			}
			if tt.warns != nil && strings.Join(db.Warnings, "\n") != strings.Join(tt.warns, "\n") {
				t.Errorf("warnings:\n got %q\nwant %q", db.Warnings, tt.warns)
			}
		})
	}
}

// TestBadXML: a file that is not well-formed is an error naming it.
func TestBadXML(t *testing.T) {
	for _, data := range []string{
		"",
		"not xml",
		head,
		head + "<mime-type type='a/b'></glob></mime-info>",
		head + "</mime-info><extra/>",
		head + "<mime-type type='a/b' type='c/d'/></mime-info>",
		head + "<mime-type type='a/b'>&undefined;</mime-type></mime-info>",
		head + "<mime-type type='a/b'/></mime-info>trailing text",
		"<?xml version='1.0' encoding='EBCDIC-US'?><mime-info/>",
	} {
		_, err := Generate([]Source{{Name: "ok.xml", Data: pkg("")}, {Name: "broken.xml", Data: []byte(data)}})
		if err == nil || !strings.HasPrefix(err.Error(), "broken.xml: ") {
			t.Errorf("%q: error %v, want one naming broken.xml", data, err)
		}
	}
}

// TestCache checks mime.cache's layout against the spec for a small
// database: header, and that every list offset points inside the file.
func TestCache(t *testing.T) {
	_, out := generate(t, "a.xml", string(pkg(`<mime-type type="text/x-a"><glob pattern="*.a"/><glob pattern="a.lit"/><glob pattern="[a]*"/><alias type="text/a"/></mime-type>`)))
	c := []byte(out["mime.cache"])
	if binary.BigEndian.Uint16(c) != 1 || binary.BigEndian.Uint16(c[2:]) != 2 {
		t.Fatalf("version %x", c[:4])
	}
	for i := range 10 {
		off := binary.BigEndian.Uint32(c[4+4*i:])
		if off < 44 || int(off) >= len(c) || off%4 != 0 {
			t.Errorf("list %d at %d in %d bytes", i, off, len(c))
		}
	}
	alias := binary.BigEndian.Uint32(c[4:])
	if n := binary.BigEndian.Uint32(c[alias:]); n != 1 {
		t.Errorf("%d aliases", n)
	}
	str := func(off uint32) string { s := c[off:]; return string(s[:bytes.IndexByte(s, 0)]) }
	if a, m := str(binary.BigEndian.Uint32(c[alias+4:])), str(binary.BigEndian.Uint32(c[alias+8:])); a != "text/a" || m != "text/x-a" {
		t.Errorf("alias %q -> %q", a, m)
	}
}

// TestRemoves: the stale per-type files the program deletes.
func TestRemoves(t *testing.T) {
	db, _ := generate(t, "a.xml", string(pkg(`<mime-type type="text/x-a"/>`)))
	for rel, want := range map[string]bool{
		"text/x-a.xml": false, "text/x-gone.xml": true, "text/x-a.txt": false,
		"other/x-gone.xml": false, "globs": false, "text/.xml": false,
	} {
		if got := db.Removes(rel); got != want {
			t.Errorf("Removes(%q) = %v", rel, got)
		}
	}
}

// TestGolden compares the output for testdata/features with what
// update-mime-database 2.4 wrote for it (testdata/features/want).
func TestGolden(t *testing.T) {
	src, err := ReadDir(os.DirFS("testdata/features"), "packages")
	if err != nil {
		t.Fatal(err)
	}
	db, err := Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	compareDir(t, db, "testdata/features/want", true)
}

// compareDir compares db with a MIME directory, file for file.
func compareDir(t *testing.T, db *Database, dir string, version bool) {
	t.Helper()
	ours := map[string][]byte{}
	for _, f := range db.Files {
		ours[f.Path] = f.Data
	}
	dirs := map[string]bool{}
	for _, d := range db.Dirs {
		dirs[d] = true
	}
	theirs := 0
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if rel == "packages" {
			return filepath.SkipDir
		}
		if e.IsDir() {
			if !dirs[rel] {
				t.Errorf("directory %s: not made", rel)
			}
			return nil
		}
		theirs++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got, ok := ours[rel]
		switch {
		case !ok:
			t.Errorf("%s: not written", rel)
		case rel == "version" && !version:
		case !bytes.Equal(got, data):
			t.Errorf("%s differs (%d bytes, want %d): %s", rel, len(got), len(data), firstDiff(got, data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if theirs != len(ours) {
		t.Errorf("%d files written, the program wrote %d", len(ours), theirs)
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-40)
	return "at byte " + strings.TrimSpace(strings.ReplaceAll(string(a[lo:min(len(a), i+40)]), "\n", "⏎")) + " | " +
		strings.ReplaceAll(string(b[lo:min(len(b), i+40)]), "\n", "⏎")
}
