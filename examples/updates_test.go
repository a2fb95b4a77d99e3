package examples

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
	"github.com/klauspost/compress/gzip"
)

// updateRepo serves, under "repo", the suites stable and stable-security
// of a loopback archive whose packages set replaces.
type updateRepo struct {
	a   *archivetest.Archive
	key *openpgp.Entity
	now time.Time
}

// set publishes the suites: packages are "name=version" with their
// control fields and files, by suite.
func (r *updateRepo) set(t *testing.T, suites map[string][]repoDeb) {
	t.Helper()
	for _, dist := range []string{"stable", "stable-security"} {
		var stanzas []string
		for _, p := range suites[dist] {
			// The .deb's control file has the index's fields too, as a real one does.
			ctl := debtest.Control(p.name, p.version, "amd64")
			for _, f := range p.fields {
				ctl += f + "\n"
			}
			deb := debtest.Deb{Control: ctl, Entries: debtest.WithParents(p.entries)}
			data := deb.MustBytes()
			path := fmt.Sprintf("pool/main/%c/%s/%s_%s_amd64.deb", p.name[0], p.name, p.name, strings.ReplaceAll(p.version, ":", "%3a"))
			sum := sha256.Sum256(data)
			r.a.Set("repo/"+path, data)
			stanzas = append(stanzas, archivetest.Stanza(p.name, p.version, append([]string{"Architecture: amd64", "Filename: " + path,
				fmt.Sprintf("Size: %d", len(data)), "SHA256: " + hex.EncodeToString(sum[:])}, p.fields...)...))
		}
		if err := r.a.AddSuite(archivetest.Suite{Root: "repo", Dist: dist, Suite: dist, Date: r.now.Add(-time.Hour), Key: r.key,
			Packages: map[string]string{"main/amd64": strings.Join(stanzas, "\n")}}); err != nil {
			t.Fatal(err)
		}
	}
}

// withUpdateRepo is a build context whose Distrofile installs app from
// the two suites of the updateRepo served at url, trusting key.
func withUpdateRepo(t *testing.T, e env, url string, key *openpgp.Entity) string {
	t.Helper()
	dir := withSyntax(t, e, "FROM scratch AS app\nSOURCE "+url+"/repo stable main --keyring=keys/archive.asc\n"+
		"SOURCE "+url+"/repo stable-security main --keyring=keys/archive.asc\nINSTALL app\n")
	withKeyring(t, dir, key)
	return dir
}

type repoDeb struct {
	name, version string
	fields        []string
	entries       []debtest.Entry
}

// changelogEntry is a gzipped Debian changelog of the given entries.
func changelogGz(t *testing.T, entries ...string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for _, e := range entries {
		if _, err := zw.Write([]byte(e + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestE2ESecurityUpdate, through buildx alone: --call=outdated lists the
// newer candidates (exit status 1), only the security one with
// DISTROFILE_LOCK_UPDATE=security; the lock target with that build
// argument updates that package alone; the next locked build extracts that
// package again and nothing else.
func TestE2ESecurityUpdate(t *testing.T) {
	e := e2eEnv(t)
	now, key, _ := testArchiveKey(t)
	r := &updateRepo{a: archivetest.New(), key: key, now: now}
	entryN := "libfoo (1.0-1) unstable; urgency=medium\n\n  * Initial release.\n\n -- M <m@example.org>  Mon, 01 Sep 2025 10:00:00 +0000\n"
	entryN1 := "libfoo (1.0-1+deb13u1) stable-security; urgency=high\n\n  * Fix CVE-2026-4242 (DSA-6200-1).\n\n -- S <s@example.org>  Mon, 01 Dec 2026 10:00:00 +0000\n"
	doc := "./usr/share/doc/libfoo/changelog.Debian.gz"
	// Over llbgen.TinyUnit each, so that each package is an extraction
	// step of its own (small ones share a step).
	big := func(name string) debtest.Entry {
		b := make([]byte, 1<<20+1000)
		rand.Read(b)
		return debtest.File("./usr/lib/"+name+"/blob", 0o644, string(b))
	}
	app := repoDeb{name: "app", version: "1", fields: []string{"Depends: libfoo, tool"}, entries: []debtest.Entry{debtest.File("./usr/bin/app", 0o755, "app"), big("app")}}
	libfooN := repoDeb{name: "libfoo", version: "1.0-1", entries: []debtest.Entry{debtest.File(doc, 0o644, changelogGz(t, entryN)), debtest.File("./usr/lib/libfoo.so.1", 0o644, "1.0-1"), big("libfoo")}}
	libfooN1 := repoDeb{name: "libfoo", version: "1.0-1+deb13u1", entries: []debtest.Entry{debtest.File(doc, 0o644, changelogGz(t, entryN1, entryN)), debtest.File("./usr/lib/libfoo.so.1", 0o644, "1.0-1+deb13u1"), big("libfoo")}}
	tool := func(v string) repoDeb {
		return repoDeb{name: "tool", version: v, entries: []debtest.Entry{debtest.File("./usr/bin/tool", 0o755, v), big("tool")}}
	}
	tool10 := tool("1.0")
	r.set(t, map[string][]repoDeb{"stable": {app, libfooN, tool10}})
	srv := httptest.NewServer(r.a.Handler())
	defer srv.Close()

	dir := withUpdateRepo(t, e, srv.URL, key)
	_, before := lockWithTarget(t, dir, ".", "-f", "Distrofile")
	if out, err := buildx(t, dir, "-f", "Distrofile", "--output=type=cacheonly", "."); err != nil {
		t.Fatalf("locked build: %v\n%s", err, out)
	}

	// The archive moves on: a security fix, and a newer tool beside the
	// old one in stable (as a point release adds it to Debian's main).
	r.set(t, map[string][]repoDeb{"stable": {app, libfooN, tool10, tool("1.1")}, "stable-security": {libfooN1}})
	out, err := buildx(t, dir, "-f", "Distrofile", "--call=outdated", ".")
	if err == nil || !strings.Contains(out, "app\tamd64\tlibfoo\t1.0-1 → 1.0-1+deb13u1\tstable-security\tsecurity") || !strings.Contains(out, "app\tamd64\ttool\t1.0 → 1.1\tstable") {
		t.Fatalf("--call=outdated: %v\n%s", err, out)
	}
	out, _ = buildx(t, dir, "-f", "Distrofile", "--call=outdated", "--build-arg", "DISTROFILE_LOCK_UPDATE=security", ".")
	if !strings.Contains(out, "libfoo") || strings.Contains(out, "\ttool\t") {
		t.Fatalf("--call=outdated, security only:\n%s", out)
	}

	_, after := lockWithTarget(t, dir, ".", "-f", "Distrofile", "--build-arg", "DISTROFILE_LOCK_UPDATE=security")
	var changed []string
	bl, al := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	for i := range al {
		if i < len(bl) && bl[i] != al[i] && strings.Contains(al[i], `"name":`) {
			changed = append(changed, al[i])
		}
	}
	if len(bl) != len(al) || len(changed) != 1 || !strings.Contains(changed[0], `"name":"libfoo","version":"1.0-1+deb13u1"`) {
		t.Fatalf("the security update changed %q:\n%s\nbefore:\n%s", changed, after, before)
	}
	out, err = buildx(t, dir, "-f", "Distrofile", "--output=type=cacheonly", ".")
	if err != nil {
		t.Fatalf("locked build after the update: %v\n%s", err, out)
	}
	var ran []string
	for _, v := range rerunVertices(out) {
		if strings.HasPrefix(v, "extract ") {
			ran = append(ran, v)
		}
	}
	if len(ran) != 1 || ran[0] != "extract libfoo 1.0-1+deb13u1" {
		t.Errorf("the locked build after the update extracted %q, want libfoo alone", ran)
	}
}
