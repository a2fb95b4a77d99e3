package llbgen

import (
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/imagespec"
)

func TestScriptEffects(t *testing.T) {
	find := func(fs []imagespec.File, p string) *imagespec.File {
		for i := range fs {
			if fs[i].Path == p {
				return &fs[i]
			}
		}
		return nil
	}
	// tzdata's /etc/localtime comes from its postinst, in the effects
	// step (debextract/effects TestTzdata).
	fs := ScriptEffects(map[string]bool{"tzdata": true}, Distro{ID: "debian", Codename: "bookworm"})
	if f := find(fs, "/run/lock"); f == nil || debextract.UnixMode(f.Mode) != 0o1777 {
		t.Errorf("/run/lock: %+v", f)
	}
	if f := find(fs, "/var/run"); f == nil || f.Target != "/run" {
		t.Errorf("/var/run: %+v", f)
	}
	if f := find(fs, "/etc/debian_version"); f == nil || string(f.Content) != "12\n" {
		t.Errorf("/etc/debian_version: %+v", f)
	}
	osr := find(fs, "/usr/lib/os-release")
	if osr == nil || !strings.Contains(string(osr.Content), "VERSION_ID=\"12\"\n") || !strings.Contains(string(osr.Content), "ID=debian\n") {
		t.Errorf("os-release: %+v", osr)
	}

	fs = ScriptEffects(map[string]bool{"tzdata": true, "base-files": true}, Distro{ID: "debian", Codename: "trixie"})
	if find(fs, "/usr/lib/os-release") != nil || find(fs, "/etc/debian_version") != nil {
		t.Errorf("base-files ships os-release and debian_version itself")
	}
}

func TestNsswitchAsLibcBinShipsIt(t *testing.T) {
	// The file libc-bin ships, as on a Debian machine.
	want := "# /etc/nsswitch.conf\n#\n# Example configuration of GNU Name Service Switch functionality.\n" +
		"# If you have the `glibc-doc-reference' and `info' packages installed, try:\n" +
		"# `info libc \"Name Service Switch\"' for information about this file.\n\n" +
		"passwd:         files\ngroup:          files\nshadow:         files\ngshadow:        files\n\n" +
		"hosts:          files dns\nnetworks:       files\n\n" +
		"protocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\n" +
		"netgroup:       nis\n"
	if nsswitch != want {
		t.Errorf("nsswitch.conf:\n%s", nsswitch)
	}
}
