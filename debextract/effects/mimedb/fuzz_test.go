package mimedb

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzGenerate reads arbitrary packages files: an error or a database,
// never a panic, and every path it writes stays in the MIME directory.
func FuzzGenerate(f *testing.F) {
	files, _ := filepath.Glob("testdata/features/packages/*.xml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(pkg(`<mime-type type="a/b"><glob pattern="*"/><magic><match type="string" value="\" offset="-1" mask="0x"/></magic></mime-type>`))
	f.Add([]byte(`<!DOCTYPE m [<!ATTLIST mime-info xmlns CDATA "` + freeNS + `"><!ATTLIST glob weight NMTOKEN " 1 ">]><mime-info><mime-type type="../x"/></mime-info>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := Generate([]Source{{Name: "a.xml", Data: data}})
		if err != nil {
			return
		}
		for _, file := range db.Files {
			if p := file.Path; p == "" || p[0] == '/' || filepath.Clean(p) != p || p == ".." || len(p) > 2 && p[:3] == "../" {
				t.Errorf("path %q", p)
			}
		}
	})
}
