package mimedb

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// reference finds the real update-mime-database: $MIMEDB_REFERENCE (a
// command, for instance one that runs trixie's binary from an apt root)
// or the one on PATH, and the version it reports.
func reference(t *testing.T) (string, string) {
	t.Helper()
	cmd := os.Getenv("MIMEDB_REFERENCE")
	if cmd == "" {
		var err error
		if cmd, err = exec.LookPath("update-mime-database"); err != nil {
			t.Skip("no update-mime-database on PATH (apt-get install shared-mime-info), nor MIMEDB_REFERENCE")
		}
	}
	out, err := exec.Command(cmd, "-v").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -v: %v\n%s", cmd, err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	f := strings.Fields(first)
	if len(f) == 0 {
		t.Fatalf("%s -v: %q", cmd, out)
	}
	return cmd, f[len(f)-1]
}

// runReference copies the packages files into a new MIME directory and
// runs the program on it as shared-mime-info's postinst does.
func runReference(t *testing.T, cmd string, src []Source) string {
	t.Helper()
	dir := t.TempDir()
	pkgs := filepath.Join(dir, "packages")
	if err := os.Mkdir(pkgs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range src {
		if err := os.WriteFile(filepath.Join(pkgs, s.Name), s.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	c := exec.Command(cmd, dir)
	c.Env = append(os.Environ(), "PKGSYSTEM_ENABLE_FSYNC=0")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cmd, dir, err, out)
	}
	return dir
}

// generated is a packages directory of many types, for the orders that
// follow GLib's hash tables as they grow: three files of 400 types with
// globs of equal weights, sub-classes, aliases, icons, magic and
// root-XML rules drawn from a fixed seed.
func generated() []Source {
	r := rand.New(rand.NewPCG(7, 7))
	var src []Source
	for f := range 3 {
		var b strings.Builder
		b.WriteString(head)
		for i := range 400 {
			name := fmt.Sprintf("application/x-gen%d-%d", f, i)
			if i%3 == 0 {
				name = fmt.Sprintf("text/x-gen%d", i)
			}
			fmt.Fprintf(&b, "<mime-type type=%q><comment>Gen %d %d</comment>\n", name, f, i)
			for range r.IntN(4) {
				weight := []string{"", ` weight="50"`, ` weight="60"`, ` weight="40"`}[r.IntN(4)]
				cs := []string{"", ` case-sensitive="true"`}[r.IntN(2)]
				ext := []string{"a", "b", "ab", "ba", "abc", fmt.Sprint("x", i), fmt.Sprint("Y", i%7)}[r.IntN(7)]
				fmt.Fprintf(&b, "<glob pattern=\"*.%s\"%s%s/>\n", ext, weight, cs)
			}
			if r.IntN(10) < 3 {
				fmt.Fprintf(&b, "<sub-class-of type=\"text/x-gen%d\"/>\n", r.IntN(50))
			}
			if r.IntN(10) < 3 {
				fmt.Fprintf(&b, "<alias type=\"application/x-alias%d\"/>\n", r.IntN(300))
			}
			if r.IntN(10) < 3 {
				fmt.Fprintf(&b, "<icon name=\"icon%d\"/>\n", i)
			}
			if r.IntN(10) < 3 {
				fmt.Fprintf(&b, "<generic-icon name=\"gicon%d\"/>\n", i%9)
			}
			if r.IntN(10) < 2 {
				fmt.Fprintf(&b, "<magic priority=\"%d\"><match type=\"string\" value=\"M%d\" offset=\"%d\"/></magic>\n", 50+10*r.IntN(2), i, r.IntN(10))
			}
			if r.IntN(10) < 1 {
				fmt.Fprintf(&b, "<root-XML namespaceURI=\"urn:x%d\" localName=\"r%d\"/>\n", i%5, i)
			}
			b.WriteString("</mime-type>\n")
		}
		b.WriteString("</mime-info>\n")
		src = append(src, Source{Name: fmt.Sprintf("gen%d.xml", f), Data: []byte(b.String())})
	}
	return src
}

// TestReference runs the real update-mime-database on the same packages
// directories and compares every file it writes, byte for byte: the
// system's freedesktop.org.xml, testdata/features, the table cases of
// TestFiles, many generated types, all of them together, and the
// directory $MIMEDB_PACKAGES if set. The version file is compared when
// the program is the release reproduced (Version).
func TestReference(t *testing.T) {
	cmd, version := reference(t)
	if version != Version {
		t.Logf("%s is shared-mime-info %s, not %s: the version file is not compared", cmd, version, Version)
	}
	sets := map[string][]Source{}
	if data, err := os.ReadFile("/usr/share/mime/packages/freedesktop.org.xml"); err == nil {
		sets["freedesktop.org.xml"] = []Source{{Name: "freedesktop.org.xml", Data: data}}
	}
	features, err := ReadDir(os.DirFS("testdata/features"), "packages")
	if err != nil {
		t.Fatal(err)
	}
	sets["features"] = features
	for _, c := range fileCases {
		var src []Source
		for i := 0; i+1 < len(c.files); i += 2 {
			src = append(src, Source{Name: c.files[i], Data: []byte(c.files[i+1])})
		}
		sets["case "+c.name] = src
	}
	sets["generated"] = generated()
	all := append(append(append([]Source{}, sets["freedesktop.org.xml"]...), generated()...), features...)
	sets["all together"] = all
	if dir := os.Getenv("MIMEDB_PACKAGES"); dir != "" {
		src, err := ReadDir(os.DirFS(dir), ".")
		if err != nil {
			t.Fatal(err)
		}
		sets["MIMEDB_PACKAGES"] = src
	}
	for name, src := range sets {
		t.Run(name, func(t *testing.T) {
			db, err := Generate(src)
			if err != nil {
				t.Fatal(err)
			}
			dir := runReference(t, cmd, src)
			compareDir(t, db, dir, version == Version)
			modes(t, dir)
		})
	}
}

// modes checks that the program's files and directories have the modes
// the package says.
func modes(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir || strings.HasPrefix(p, filepath.Join(dir, "packages")) {
			return err
		}
		want := FileMode
		if fi.IsDir() {
			want = DirMode
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, package says %o", p, fi.Mode().Perm(), want)
		}
		return nil
	})
}
