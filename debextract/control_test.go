package debextract

import (
	"bytes"
	"errors"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

func TestReadControlArchive(t *testing.T) {
	postinst := "#!/bin/sh\nset -e\nupdate-alternatives --install /usr/bin/js js /usr/bin/nodejs 50\n"
	for _, comp := range []string{"xz", "gz", "zst", "none"} {
		t.Run(comp, func(t *testing.T) {
			deb := debtest.Deb{
				Control:            debtest.Control("nodejs", "20.19.2+dfsg-1", "amd64"),
				Entries:            []debtest.Entry{debtest.File("./usr/bin/nodejs", 0o755, "ELF")},
				ControlCompression: comp,
				ControlEntries: []debtest.Entry{
					debtest.File("./postinst", 0o755, postinst),
					debtest.File("./triggers", 0o644, "interest /usr/lib/node\n"),
					debtest.File("./prerm", 0o755, "#!/bin/sh\n"),
				},
			}
			ca, err := ReadControlArchive(bytes.NewReader(deb.MustBytes()))
			if err != nil {
				t.Fatal(err)
			}
			if ca.Package != "nodejs" || ca.Version != "20.19.2+dfsg-1" || ca.Architecture != "amd64" {
				t.Errorf("fields = %q %q %q", ca.Package, ca.Version, ca.Architecture)
			}
			if string(ca.Files["postinst"]) != postinst || string(ca.Files["triggers"]) != "interest /usr/lib/node\n" {
				t.Errorf("files = %q", ca.Files)
			}
			if _, ok := ca.Files["prerm"]; ok {
				t.Error("prerm kept: only what a fresh install runs is")
			}
		})
	}
}

func TestReadControlArchiveRefuses(t *testing.T) {
	noControl := debtest.Deb{Control: "", ControlEntries: []debtest.Entry{debtest.File("./postinst", 0o755, "")}}
	for name, b := range map[string][]byte{
		"empty":      nil,
		"not ar":     []byte("hello, world\n"),
		"no control": noControl.MustBytes(),
	} {
		if _, err := ReadControlArchive(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: no error", name)
		} else if !errors.Is(err, ErrFormat) && name != "empty" {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

func TestAppendStatus(t *testing.T) {
	base := []byte("Package: libc6\nStatus: install ok installed\nVersion: 2.41-12\n\n")
	ctl := []byte("Package: libzstd1\nVersion: 1.5.7\nArchitecture: amd64\nDescription: fast\n lossless\n")
	got, err := AppendStatus(base, ctl, []byte("Package: tzdata\nVersion: 2026f\n"))
	want := "Package: libc6\nStatus: install ok installed\nVersion: 2.41-12\n\n" +
		"Package: libzstd1\nStatus: install ok installed\nVersion: 1.5.7\nArchitecture: amd64\nDescription: fast\n lossless\n\n" +
		"Package: tzdata\nStatus: install ok installed\nVersion: 2026f\n\n"
	if err != nil || string(got) != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	if got, _ := AppendStatus(nil, []byte("Package: a\n")); string(got) != "Package: a\nStatus: install ok installed\n\n" {
		t.Errorf("on an empty status: %q", got)
	}
	if _, err := AppendStatus(base, []byte("Version: 1\n")); err == nil {
		t.Error("a control file without Package")
	}
}
