package effects

import (
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/effects/mimedb"
)

// sharedMimeInfo is shared-mime-info 2.4-5's control archive as trixie
// ships it: a file trigger on the packages directory, and a postinst
// that runs update-mime-database when it is there.
var sharedMimeInfo = testPkg{name: "shared-mime-info", files: map[string]string{
	"triggers": "interest-noawait /usr/share/mime/packages\n",
	"postinst": `#!/bin/sh
set -e

if [ "$1" = "triggered" ]; then
    if which update-mime-database >/dev/null 2>&1; then
        update-mime-database /usr/share/mime
    fi
    exit 0
fi

if which update-mime-database >/dev/null 2>&1; then
    update-mime-database /usr/share/mime
fi
`,
}}

const testMimeXML = `<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/x-test">
    <comment>Test document</comment>
    <comment xml:lang="de">Testdokument</comment>
    <sub-class-of type="text/plain"/>
    <glob pattern="*.test"/>
    <magic><match type="string" value="TEST" offset="0"/></magic>
  </mime-type>
</mime-info>
`

// TestMimeDatabase: a package shipping a packages/*.xml file, with
// shared-mime-info's scripts, gets the database update-mime-database
// writes, in the effects layer.
func TestMimeDatabase(t *testing.T) {
	img := merged()
	img["usr/bin/update-mime-database"] = "\x7fELF"
	img["usr/share/mime/packages/x-test.xml"] = testMimeXML
	res := run(t, "amd64", img, sharedMimeInfo, testPkg{name: "x-test"})
	for _, w := range res.Warnings {
		if strings.Contains(w, "update-mime-database") {
			t.Errorf("warning: %s", w)
		}
	}
	db, err := mimedb.Generate([]mimedb.Source{{Name: "x-test.xml", Data: []byte(testMimeXML)}})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]File{}
	for _, f := range res.Files {
		byPath[f.Path] = f
	}
	for _, f := range db.Files {
		got, ok := byPath["/usr/share/mime/"+f.Path]
		switch {
		case !ok:
			t.Errorf("/usr/share/mime/%s not written", f.Path)
		case string(got.Data) != string(f.Data) || got.Mode.Perm() != 0o644 || got.UID != 0 || got.GID != 0:
			t.Errorf("/usr/share/mime/%s: %o %d:%d %q", f.Path, got.Mode.Perm(), got.UID, got.GID, got.Data)
		}
	}
	if d, ok := byPath["/usr/share/mime/application"]; !ok || !d.Dir || d.Mode.Perm() != 0o755 {
		t.Errorf("/usr/share/mime/application: %+v", d)
	}
	for p, want := range map[string]string{
		"/usr/share/mime/globs2":                 "50:application/x-test:*.test\n",
		"/usr/share/mime/subclasses":             "application/x-test text/plain\n",
		"/usr/share/mime/application/x-test.xml": `  <comment xml:lang="de">Testdokument</comment>` + "\n",
	} {
		if !strings.Contains(string(byPath[p].Data), want) {
			t.Errorf("%s = %q, want it to hold %q", p, byPath[p].Data, want)
		}
	}
}

// TestMimeDatabaseCommand: the stand-in's arguments, and a packages
// file that is not XML.
func TestMimeDatabaseCommand(t *testing.T) {
	img := merged()
	img["usr/bin/update-mime-database"] = "\x7fELF"
	img["usr/share/mime/packages/good.xml"] = testMimeXML
	img["srv/mime/packages/bad.xml"] = "<mime-info"
	res := run(t, "amd64", img, testPkg{name: "p", files: map[string]string{"postinst": `#!/bin/sh
update-mime-database -n /usr/share/mime/ || touch /tmp/n-failed
update-mime-database /no/such/dir && touch /tmp/missing-ok
update-mime-database && touch /tmp/usage-ok
update-mime-database -x /usr/share/mime && touch /tmp/bad-option-ok
update-mime-database /srv/mime || touch /tmp/bad-xml-failed
`}})
	m := files(res)
	for _, p := range []string{"/tmp/n-failed", "/tmp/missing-ok", "/tmp/usage-ok", "/tmp/bad-option-ok", "/tmp/bad-xml-failed", "/srv/mime/globs"} {
		if _, ok := m[p]; ok {
			t.Errorf("%s written", p)
		}
	}
	if !strings.Contains(m["/usr/share/mime/globs"], "application/x-test:*.test") {
		t.Errorf("-n did not write the database: %q", m["/usr/share/mime/globs"])
	}
	if ws := strings.Join(res.Warnings, "\n"); !strings.Contains(ws, "p: update-mime-database: /srv/mime/packages/bad.xml: ") {
		t.Errorf("no warning about bad.xml in:\n%s", ws)
	}
}
