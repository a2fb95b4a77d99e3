package cacerts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestAgainstUpdateCACertificates builds a fresh image root from this
// machine's /usr/share/ca-certificates plus local certificates (with
// colliding hashes, a duplicate and a name with parentheses and a comma),
// runs Debian's own update-ca-certificates (and so openssl rehash) on it,
// and compares everything it wrote with Build's result.
func TestAgainstUpdateCACertificates(t *testing.T) {
	tool, err := exec.LookPath("update-ca-certificates")
	if err != nil {
		if _, err = os.Stat("/usr/sbin/update-ca-certificates"); err != nil {
			t.Skip("update-ca-certificates not installed")
		}
		tool = "/usr/sbin/update-ca-certificates"
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	// CACERTS_SRC may name another /usr/share/ca-certificates, such as
	// one unpacked from a newer ca-certificates .deb.
	src := CertsDir
	if s := os.Getenv("CACERTS_SRC"); s != "" {
		src = s
	}
	if _, err := os.Stat(src); err != nil {
		t.Skip(err)
	}
	root, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "usr/share"), 0755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", src, filepath.Join(root, CertsDir)).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	subj := testSubjects(t)
	plain := selfSigned(t, subj["plain"], 1)
	loc := filepath.Join(root, "usr/local/share/ca-certificates")
	write(t, filepath.Join(loc, "b(test),one.crt"), plain)
	write(t, filepath.Join(loc, "a/plain2.crt"), selfSigned(t, subj["plain"], 2))
	write(t, filepath.Join(loc, "a/dup.crt"), plain)
	write(t, filepath.Join(loc, "z/mixed.crt"), bytes.TrimSuffix(selfSigned(t, subj["mixed"], 3), []byte("\n")))
	write(t, filepath.Join(loc, "z/unicode.crt"), selfSigned(t, subj["unicode"], 4))
	if err := os.MkdirAll(filepath.Join(root, "etc/ssl/certs"), 0755); err != nil {
		t.Fatal(err)
	}

	res, err := Build(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]File{}
	for _, f := range res.Files {
		ours[f.Path] = f
	}
	write(t, filepath.Join(root, ConfPath), ours[rel(ConfPath)].Data)

	// The options --sysroot would set (it is newer than bookworm's
	// ca-certificates 20230311).
	cmd := exec.Command(tool,
		"--certsconf", filepath.Join(root, ConfPath),
		"--certsdir", filepath.Join(root, CertsDir),
		"--localcertsdir", filepath.Join(root, LocalCertsDir),
		"--etccertsdir", filepath.Join(root, EtcCertsDir),
		"--hooksdir", "")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))

	// Everything update-ca-certificates wrote in /etc/ssl/certs.
	dir := filepath.Join(root, EtcCertsDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var theirs []string
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		name := rel(EtcCertsDir) + "/" + e.Name()
		theirs = append(theirs, name)
		f, ok := ours[name]
		if !ok {
			t.Errorf("%s: written by update-ca-certificates, not by Build", name)
			continue
		}
		if e.Type()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			// The root prefixes the absolute .pem targets.
			target = strings.TrimPrefix(target, root)
			if target != f.Link {
				t.Errorf("%s -> %s, Build says -> %s", name, target, f.Link)
			}
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := e.Info(); f.Link != "" || !bytes.Equal(data, f.Data) || fi.Mode().Perm() != 0644 {
			t.Errorf("%s differs (%d bytes, Build %d)", name, len(data), len(f.Data))
		}
	}
	var built []string
	for p := range ours {
		if p != rel(ConfPath) {
			built = append(built, p)
		}
	}
	sort.Strings(built)
	if strings.Join(built, "\n") != strings.Join(theirs, "\n") {
		t.Errorf("Build wrote %d entries, update-ca-certificates %d", len(built), len(theirs))
	}
	if res.Local != 5 || !strings.Contains(strings.Join(built, " "), opensslHashes["plain"]+".1") {
		t.Errorf("%s; %q", res, built)
	}
	t.Logf("%s: %d entries identical", res, len(theirs))
}
