package examples

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/debtest"
)

// repoPackage is a package of a loopback repository: its name and
// architecture, its .deb, and more fields of its index stanza
// ("Depends: …").
type repoPackage struct {
	name, arch string
	deb        debtest.Deb
	fields     []string
}

// stampedPackage returns package name for signedRepo: a .deb holding
// entries es, their parent directories, and /usr/lib/<name>/stamp with
// stamp (testArchiveKey's), so that it differs from the .debs of earlier
// runs that BuildKit may still hold in its cache.
func stampedPackage(name, arch, stamp string, fields []string, es ...debtest.Entry) repoPackage {
	es = append(es, debtest.File("./usr/lib/"+name+"/stamp", 0o644, stamp))
	return repoPackage{name, arch, debtest.Deb{Entries: debtest.WithParents(es)}, fields}
}

// signedRepo returns an archive with the suite "stable" under "repo",
// signed by key at now, holding pkgs (version 1.0-1) in main/amd64.
func signedRepo(t *testing.T, now time.Time, key *openpgp.Entity, pkgs ...repoPackage) *archivetest.Archive {
	t.Helper()
	a := archivetest.New()
	var stanzas []string
	for _, p := range pkgs {
		deb := p.deb
		deb.Control = debtest.Control(p.name, "1.0-1", p.arch)
		data := deb.MustBytes()
		path := fmt.Sprintf("pool/main/%c/%s/%s_1.0-1_%s.deb", p.name[0], p.name, p.name, p.arch)
		sum := sha256.Sum256(data)
		a.Set("repo/"+path, data)
		stanzas = append(stanzas, archivetest.Stanza(p.name, "1.0-1", append([]string{"Architecture: " + p.arch, "Filename: " + path,
			fmt.Sprintf("Size: %d", len(data)), "SHA256: " + hex.EncodeToString(sum[:])}, p.fields...)...))
	}
	if err := a.AddSuite(archivetest.Suite{Root: "repo", Dist: "stable", Suite: "stable", Date: now.Add(-time.Hour), Key: key,
		Packages: map[string]string{"main/amd64": strings.Join(stanzas, "\n")}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// repoStage is the start of a Distrofile stage that installs from the
// loopback archive served at url ("repo", suite stable, as signedRepo and
// archivetest.Suite make it), signed by the key withKeyring writes.
func repoStage(url string) string {
	return "FROM scratch\nSOURCE " + url + "/repo stable main --keyring=keys/archive.asc\n"
}

// withRepo writes a Distrofile made of repoStage(url) and rest, and the
// keyring of key, into a new build context.
func withRepo(t *testing.T, e env, url string, key *openpgp.Entity, rest string) string {
	t.Helper()
	dir := withSyntax(t, e, repoStage(url)+rest)
	withKeyring(t, dir, key)
	return dir
}

// TestE2EDropIncremental: adding a DROP line and re-locking through the
// frontend's lock target re-runs only the extraction of the package the
// new line removes something from; the image is the one a build without
// the lock's DROP record makes.
func TestE2EDropIncremental(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	// Over llbgen.TinyUnit each, so that each package is a step of its
	// own: alpha has a man page and a changelog, beta only its
	// copyright file, gamma no documentation.
	big := func() string {
		b := make([]byte, 1<<20+1000)
		rand.Read(b)
		return string(b)
	}
	pkg := func(name string, es ...debtest.Entry) repoPackage {
		p := stampedPackage(name, "amd64", stamp, nil, append(es, debtest.File("./usr/lib/"+name+"/blob", 0o644, big()))...)
		p.deb.DataCompression = "none"
		return p
	}
	a := signedRepo(t, now, key,
		pkg("alpha", debtest.File("./usr/share/man/man1/alpha.1.gz", 0o644, "man"), debtest.File("./usr/share/doc/alpha/changelog.gz", 0o644, "changes"),
			debtest.File("./usr/share/doc/alpha/copyright", 0o644, "MIT")),
		pkg("beta", debtest.File("./usr/share/doc/beta/copyright", 0o644, "MIT")),
		pkg("gamma"))
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	rest := "INSTALL alpha beta gamma\nDROP /usr/share/doc/*/changelog.gz\n"
	distrofile := repoStage(srv.URL) + rest
	dir := withRepo(t, e, srv.URL, key, rest)
	args := []string{"-f", "Distrofile", "--platform", "linux/amd64"}

	lock := func() *debresolve.Lock {
		t.Helper()
		l, _ := lockWithTarget(t, dir, ".", args...)
		return l
	}
	drops := func(l *debresolve.Lock) string {
		var s []string
		for _, p := range l.Stages[0].Archs[0].Packages {
			s = append(s, p.Name+"="+strings.Join(p.Drops, ","))
		}
		return strings.Join(s, " ")
	}
	ran := func(out string) []string {
		var names []string
		for _, m := range extractVertex.FindAllStringSubmatch(out, -1) {
			if stepRan(out, m[1]) && !slices.Contains(names, m[2]) {
				names = append(names, m[2])
			}
		}
		slices.Sort(names)
		return names
	}

	if got := drops(lock()); got != "alpha=/usr/share/doc/*/changelog.gz beta= gamma=" {
		t.Fatalf("lock: %s", got)
	}
	out, err := buildx(t, dir, append(args, "-o", "type=cacheonly", ".")...)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if got := ran(out); len(got) != 3 {
		t.Fatalf("the first build ran %q, want 3 extractions\n%s", got, out)
	}

	// DROP docs removes something from alpha and nothing from beta (it
	// keeps copyright files) or gamma.
	if err := os.WriteFile(filepath.Join(dir, "Distrofile"), []byte("# syntax="+e.frontend+"\n"+distrofile+"DROP docs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := drops(lock()); got != "alpha=/usr/share/doc/*/changelog.gz,docs beta= gamma=" {
		t.Fatalf("lock after DROP docs: %s", got)
	}
	out, err = buildx(t, dir, append(args, "-o", "type=tar,dest=locked.tar", ".")...)
	if err != nil {
		t.Fatalf("build after DROP docs: %v\n%s", err, out)
	}
	if got := ran(out); len(got) != 1 || !strings.HasPrefix(got[0], "alpha ") {
		t.Errorf("after DROP docs the build ran %q, want alpha's extraction only\n%s", got, out)
	}

	// The same image as with every DROP line on every step (no lock).
	out, err = buildx(t, dir, append(args, "--build-arg", "DISTROFILE_LOCK=update", "-o", "type=tar,dest=unlocked.tar", ".")...)
	if err != nil {
		t.Fatalf("build without the lock: %v\n%s", err, out)
	}
	lh, lc := tarEntries(t, filepath.Join(dir, "locked.tar"))
	uh, uc := tarEntries(t, filepath.Join(dir, "unlocked.tar"))
	if len(lh) != len(uh) || len(lh) == 0 {
		t.Errorf("%d entries with the lock's DROP record, %d without", len(lh), len(uh))
	}
	for name, h := range uh {
		if l, ok := lh[name]; !ok || l.Mode != h.Mode || l.Typeflag != h.Typeflag || lc[name] != uc[name] {
			t.Errorf("%s differs with the lock's DROP record", name)
		}
	}
	for _, gone := range []string{"/usr/share/man/man1/alpha.1.gz", "/usr/share/doc/alpha/changelog.gz"} {
		if _, ok := lh[gone]; ok {
			t.Errorf("%s not dropped", gone)
		}
	}
	for _, kept := range []string{"/usr/share/doc/alpha/copyright", "/usr/share/doc/beta/copyright", "/usr/lib/gamma/stamp"} {
		if _, ok := lh[kept]; !ok {
			t.Errorf("%s dropped", kept)
		}
	}

	// A DROP line the lock has not scanned goes to every step, and the
	// build says why they all run again.
	if err := os.WriteFile(filepath.Join(dir, "Distrofile"), []byte("# syntax="+e.frontend+"\n"+distrofile+"DROP docs /usr/lib/gamma/stamp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = buildx(t, dir, append(args, "-o", "type=cacheonly", ".")...)
	if err != nil {
		t.Fatalf("build with an unscanned DROP: %v\n%s", err, out)
	}
	if got := ran(out); len(got) != 3 {
		t.Errorf("with an unscanned DROP the build ran %q, want every extraction", got)
	}
	if !strings.Contains(out, `Distrofile.lock for stage "0": DROP, since its scan: added /usr/lib/gamma/stamp; until it is re-locked`) {
		t.Errorf("no warning about the unscanned DROP:\n%s", out)
	}
}
