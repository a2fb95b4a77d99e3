package debextract

import (
	"bytes"
	"errors"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

// TestReadDataFiles: regular files and links among the names are
// returned, others left out, and a file above the limit is an error.
func TestReadDataFiles(t *testing.T) {
	d := pkg(debtest.WithParents([]debtest.Entry{
		debtest.File("./usr/share/doc/hello/changelog.Debian.gz", 0o644, "gz"),
		debtest.Symlink("./usr/share/doc/hello-dev", "hello"),
		debtest.File("./usr/bin/hello", 0o755, "elf"),
	})...)
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	files, links, err := ReadDataFiles(bytes.NewReader(b), 100, "/usr/share/doc/hello/changelog.Debian.gz", "/usr/share/doc/hello-dev", "/usr/share/doc/missing")
	if err != nil || string(files["/usr/share/doc/hello/changelog.Debian.gz"]) != "gz" || len(files) != 1 ||
		links["/usr/share/doc/hello-dev"] != "hello" || len(links) != 1 {
		t.Fatalf("%q %q %v", files, links, err)
	}
	if _, _, err := ReadDataFiles(bytes.NewReader(b), 1, "/usr/bin/hello"); !errors.Is(err, ErrLimit) {
		t.Errorf("over the limit: %v", err)
	}
	if _, _, err := ReadDataFiles(bytes.NewReader([]byte("not a deb")), 1, "/x"); err == nil {
		t.Error("not a .deb")
	}
}
