package plan

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
)

func TestParseOSRelease(t *testing.T) {
	for _, tc := range []struct {
		in, distro, suite, err string
	}{
		{"PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nID=debian\nVERSION_CODENAME=trixie\n", "debian", "trixie", ""},
		{"ID=ubuntu\nVERSION_CODENAME='noble'\n", "ubuntu", "noble", ""},
		{"ID=alpine\nVERSION_ID=3.20\n", "", "", `ID="alpine": INSTALL on an image needs a Debian or Ubuntu image`},
		{"ID=debian\nPRETTY_NAME=sid\n", "", "", "names no VERSION_CODENAME"},
	} {
		d, s, err := ParseOSRelease([]byte(tc.in))
		if d != tc.distro || s != tc.suite || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %q %q %v", tc.in, d, s, err)
		}
	}
}

func TestParseDpkgStatus(t *testing.T) {
	statusD := []byte("Package: libc6\nVersion: 2.41-12+deb13u5\nArchitecture: amd64\nMaintainer: x\nDescription: C library\n more\n")
	status := []byte("Package: postfix\nStatus: install ok installed\nVersion: 3.7\nArchitecture: amd64\nProvides: mail-transport-agent\n\n" +
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: all\n")
	got, err := ParseDpkgStatus(statusD, status)
	want := []debresolve.InstalledPackage{
		{Name: "libc6", Version: "2.41-12+deb13u5", Architecture: "amd64"},
		{Name: "postfix", Version: "3.7", Architecture: "amd64", Provides: "mail-transport-agent"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%+v %v", got, err)
	}
	if _, err := ParseDpkgStatus([]byte("Version: 1\n")); err == nil {
		t.Error("a stanza without Package")
	}
}

// TestMakeOnBase: a stage on an image resolves against the archive of the
// image's release with the image's packages installed, and the lock
// records the image and its digest; without a BaseReader (the CLI) the
// stage is an error that says how to lock it.
func TestMakeOnBase(t *testing.T) {
	f, key, extra := fakeArchives(t)
	src := "FROM docker-image://127.0.0.1:5000/base:1 AS app\nMIRROR " + fakeHost + "debian\nINSTALL perl\n"
	df, states := testStates(t, src)
	opt := lockOpts(t, f, key, extra, "amd64")
	c := &debresolve.Client{Fetcher: opt.Fetcher, Keyring: opt.Keyring}
	run := func(*distrofile.Stage) ResolveFunc { return ResolveInProcess }
	const dgst = "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	base := func(_ context.Context, st *distrofile.Stage, arch string) (*Base, error) {
		return &Base{Ref: "127.0.0.1:5000/base@" + dgst, Digest: dgst, Distro: "debian", Suite: "trixie",
			Installed: []debresolve.InstalledPackage{{Name: "libc6", Version: "2.41-12+deb13u1", Architecture: arch}}}, nil
	}
	l, err := Make(context.Background(), df, states, []string{"amd64"}, c, run, nil, opt.BuildArgs, opt.ReadContextFile, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls := l.Stage("app")
	var names []string
	for _, p := range ls.Arch("amd64").Packages {
		names = append(names, p.Name)
	}
	if strings.Join(names, " ") != "perl perl-base" || ls.ImageDigest != dgst || ls.Inputs.Image != "127.0.0.1:5000/base:1" ||
		ls.Inputs.Distro != "debian" || ls.Inputs.Suite != "trixie" || l.Version != 4 {
		t.Fatalf("closure %q, lock %+v, version %d", names, ls.Inputs, l.Version)
	}
	if _, err := debresolve.ParseLock(l.Marshal()); err != nil || !strings.Contains(string(l.Marshal()), `"image_digest": "`+dgst+`",`) {
		t.Fatalf("%v\n%s", err, l.Marshal())
	}
	_, err = Make(context.Background(), df, states, []string{"amd64"}, c, run, nil, opt.BuildArgs, opt.ReadContextFile, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `stage "app" installs packages on the image 127.0.0.1:5000/base:1, which this tool cannot read`) {
		t.Fatalf("without a reader: %v", err)
	}
}
