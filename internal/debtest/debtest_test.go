package debtest

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func decompress(t *testing.T, data []byte, method string) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch method {
	case "none":
		return data
	case "gz":
		r, err = gzip.NewReader(bytes.NewReader(data))
	case "xz":
		r, err = xz.NewReader(bytes.NewReader(data))
	case "zst":
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(data))
		if err == nil {
			defer d.Close()
			r = d
		}
	case "bz2":
		r = bzip2.NewReader(bytes.NewReader(data))
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return out
}

func tarNames(t *testing.T, data []byte) []string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

func sample() Deb {
	long := "./usr/share/" + strings.Repeat("long-directory-name/", 8) + "file"
	return Deb{
		Control: Control("hello", "1.0-1", "amd64"),
		Entries: []Entry{
			Dir("./", 0755),
			Dir("./usr", 0755),
			Dir("./usr/bin/", 0755),
			File("./usr/bin/hello", 04755, "#!/bin/true\n"),
			Symlink("./usr/bin/hi", "hello"),
			Hardlink("./usr/bin/hey", "./usr/bin/hello"),
			File(long, 0644, "deep\n"),
		},
		Md5sums: true,
	}
}

func TestMembersAllCompressions(t *testing.T) {
	for _, dc := range []string{"xz", "gz", "zst", "bz2", "none"} {
		for _, cc := range []string{"xz", "gz", "zst", "none"} {
			d := sample()
			d.DataCompression, d.ControlCompression = dc, cc
			b, err := d.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			ms, err := ReadAR(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 3 || ms[0].Name != "debian-binary" || string(ms[0].Data) != "2.0\n" ||
				ms[1].Name != "control.tar"+Ext(cc) || ms[2].Name != "data.tar"+Ext(dc) {
				t.Fatalf("%s/%s: members %v", dc, cc, ms)
			}
			got := strings.Join(tarNames(t, decompress(t, ms[2].Data, dc)), ",")
			want := make([]string, len(d.Entries))
			for i, e := range d.Entries {
				want[i] = e.Name
			}
			if got != strings.Join(want, ",") {
				t.Fatalf("%s: data names %s, want %s", dc, got, want)
			}
			if got := strings.Join(tarNames(t, decompress(t, ms[1].Data, cc)), ","); got != "./,./control,./md5sums" {
				t.Fatalf("%s: control names %s", cc, got)
			}
		}
	}
}

func TestHostileEntriesVerbatim(t *testing.T) {
	entries := []Entry{
		File("../x", 0644, "a"),
		File("/etc/passwd", 0644, "b"),
		File("./a", 0644, "1"),
		File("./a", 0644, "2"),
		Char("./dev/null", 1, 3),
	}
	d := Deb{Control: Control("evil", "1", "all"), Entries: entries, DataCompression: "none"}
	ms, err := d.Members()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(tarNames(t, ms[2].Data), ",")
	if got != "../x,/etc/passwd,./a,./a,./dev/null" {
		t.Fatalf("names rewritten: %s", got)
	}
}

func TestMd5sums(t *testing.T) {
	got := string(Md5sums([]Entry{Dir("./usr", 0), File("./usr/a", 0, ""), Symlink("./b", "a")}))
	if got != "d41d8cd98f00b204e9800998ecf8427e  usr/a\n" {
		t.Fatalf("md5sums = %q", got)
	}
}

func TestWithParents(t *testing.T) {
	var names []string
	for _, e := range WithParents([]Entry{File("./usr/bin/x", 0, ""), File("./usr/lib/y", 0, "")}) {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "./,./usr/,./usr/bin/,./usr/bin/x,./usr/lib/,./usr/lib/y" {
		t.Fatalf("got %s", got)
	}
}

func TestARNameTooLong(t *testing.T) {
	if _, err := AR(Member{Name: strings.Repeat("x", 17)}); err == nil {
		t.Fatal("want error")
	}
}

func TestBzip2RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 5000)
	rng.Read(random)
	words := []string{"alpha ", "beta ", "gamma\n", "delta ", "usr/lib/", "\x00\x00"}
	var text []byte
	for len(text) < 1200000 { // more than one block
		text = append(text, words[rng.Intn(len(words))]...)
	}
	cases := map[string][]byte{
		"empty":  {},
		"one":    {'a'},
		"two":    {'a', 'b'},
		"run4":   []byte("aaaa"),
		"run5":   []byte("aaaaab"),
		"run255": bytes.Repeat([]byte{'z'}, 255),
		"run259": bytes.Repeat([]byte{'z'}, 259),
		"run1M":  bytes.Repeat([]byte{0}, 1<<20),
		"period": bytes.Repeat([]byte("abc"), 1000),
		"random": random,
		"text":   text,
	}
	for name, in := range cases {
		out := decompress(t, bzip2Compress(in), "bz2")
		if !bytes.Equal(out, in) {
			t.Errorf("%s: round trip mismatch (%d bytes in, %d out)", name, len(in), len(out))
		}
	}
	// Cross-check with the reference tool when it is installed.
	if _, err := exec.LookPath("bzip2"); err == nil {
		f := filepath.Join(t.TempDir(), "x.bz2")
		if err := os.WriteFile(f, bzip2Compress(text[:300000]), 0644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bzip2", "-t", f).CombinedOutput(); err != nil {
			t.Fatalf("bzip2 -t: %v: %s", err, out)
		}
	}
}

// TestDpkgDebAccepts checks the output with dpkg-deb itself when it is
// installed.
func TestDpkgDebAccepts(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed")
	}
	for _, c := range []string{"xz", "gz", "zst", "none"} {
		d := sample()
		d.DataCompression, d.ControlCompression = c, c
		f := filepath.Join(t.TempDir(), "p.deb")
		if err := os.WriteFile(f, d.MustBytes(), 0644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("dpkg-deb", "--field", f, "Package", "Version").CombinedOutput()
		if err != nil || string(out) != "Package: hello\nVersion: 1.0-1\n" {
			t.Fatalf("%s: dpkg-deb --field: %v: %s", c, err, out)
		}
		out, err = exec.Command("dpkg-deb", "--contents", f).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "./usr/bin/hi -> hello") ||
			!strings.Contains(string(out), "long-directory-name/file") {
			t.Fatalf("%s: dpkg-deb --contents: %v: %s", c, err, out)
		}
	}
}
