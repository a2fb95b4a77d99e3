package llbgen

import (
	"strings"
	"testing"
)

func TestScriptEffects(t *testing.T) {
	find := func(fs []File, p string) *File {
		for i := range fs {
			if fs[i].Path == p {
				return &fs[i]
			}
		}
		return nil
	}
	fs := ScriptEffects(map[string]bool{"tzdata": true}, Distro{ID: "debian", Codename: "bookworm"})
	if f := find(fs, "/etc/localtime"); f == nil || f.Target != "/usr/share/zoneinfo/Etc/UTC" {
		t.Errorf("/etc/localtime: %+v", f)
	}
	if f := find(fs, "/etc/timezone"); f == nil || string(f.Content) != "Etc/UTC\n" {
		t.Errorf("/etc/timezone on bookworm: %+v", f)
	}
	if f := find(fs, "/run/lock"); f == nil || unixMode(f.Mode) != 0o1777 {
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
	if find(fs, "/etc/timezone") != nil {
		t.Errorf("trixie's tzdata writes no /etc/timezone on a fresh system")
	}
	if find(fs, "/usr/lib/os-release") != nil || find(fs, "/etc/debian_version") != nil {
		t.Errorf("base-files ships os-release and debian_version itself")
	}
	if find(ScriptEffects(nil, Distro{ID: "debian", Codename: "trixie"}), "/etc/localtime") != nil {
		t.Errorf("/etc/localtime without tzdata")
	}
}

func TestAlternatives(t *testing.T) {
	links := func(fs []File) map[string]string {
		m := map[string]string{}
		for _, f := range fs {
			m[f.Path] = f.Target
		}
		return m
	}
	m := links(Alternatives(map[string]bool{"mawk": true, "gawk": true, "libblas3": true, "netcat-openbsd": true, "openjdk-21-jre-headless": true}, "arm64", true))
	for path, want := range map[string]string{
		"/usr/bin/awk":                                     "/etc/alternatives/awk",
		"/etc/alternatives/awk":                            "/usr/bin/gawk",
		"/etc/alternatives/nawk":                           "/usr/bin/gawk",
		"/usr/lib/aarch64-linux-gnu/libblas.so.3":          "/etc/alternatives/libblas.so.3-aarch64-linux-gnu",
		"/etc/alternatives/libblas.so.3-aarch64-linux-gnu": "/usr/lib/aarch64-linux-gnu/blas/libblas.so.3",
		"/usr/bin/nc":                                      "/etc/alternatives/nc",
		"/etc/alternatives/java":                           "/usr/lib/jvm/java-21-openjdk-arm64/bin/java",
	} {
		if m[path] != want {
			t.Errorf("%s -> %q, want %q", path, m[path], want)
		}
	}
	if _, ok := m["/bin/nc"]; ok {
		t.Errorf("/bin/nc written under the usrmerge link")
	}
	if got := Alternatives(map[string]bool{"mawk": true}, "amd64", false); links(got)["/etc/alternatives/awk"] != "/usr/bin/mawk" {
		t.Errorf("mawk alone: %+v", got)
	}
	if len(Alternatives(map[string]bool{"perl": true}, "amd64", true)) != 0 {
		t.Errorf("alternatives for a package not in the table")
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
