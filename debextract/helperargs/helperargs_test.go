package helperargs

import (
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRoundTrip: what the frontend writes is what the helper reads.
func TestRoundTrip(t *testing.T) {
	for _, c := range []Command{
		Extract{Layers: []Layer{{Debs: []string{"/in/pkg.deb"}, Out: "/out"}}},
		Extract{DpkgStatus: true, UsrMerge: true, MaxMTime: time.Unix(1700000000, 0), Drop: []string{"docs", "/usr/**/*.mo"}, CAOwners: []string{},
			Layers: []Layer{{Debs: []string{"/in/0/pkg.deb"}, Out: "/out/0"}, {Debs: []string{"/in/1/pkg.deb", "/in/2/pkg.deb"}, Out: "/out/1"}}},
		Extract{DpkgStatus: true, MaxMTime: time.Unix(0, 0), CAOwners: []string{"ca-certificates", "perl"}, Layers: []Layer{{Debs: []string{"a.deb"}, Out: "out"}}},
		Extract{Layers: []Layer{{Debs: []string{"-a.deb", "--"}, Out: "-"}}},
		Extract{UsrMerge: true, Only: []string{"/usr/lib/locale/C.utf8", "/usr/share/doc/libc-bin/copyright"}, Drop: []string{"docs"},
			Layers: []Layer{{Debs: []string{"/in/pkg.deb"}, Out: "/out"}}},
		Extract{DpkgStatus: true, Diagnose: "/diag/error", Layers: []Layer{{Debs: []string{"/in/0/pkg.deb"}, Out: "/out/0"}}},
		Extract{Lists: "/lists", Layers: []Layer{{Debs: []string{"/in/0/pkg.deb"}, Out: "/out/0"}, {Debs: []string{"/in/1/pkg.deb"}, Out: "/out/1"}}},
		Tar{In: "/in/files.tar", Out: "/out"},
		Tar{MaxMTime: time.Unix(1700000000, 0), CARoots: []string{"/root/0", "/root/1"}, In: "/in/files.tar", Out: "/out"},
		Tar{MaxMTime: time.Unix(0, 0), In: "-", Out: "/out"},
		CACertificates{Root: "/root", Out: "/out"},
		CACertificates{MaxMTime: time.Unix(1, 0), Root: "/root", Out: "/out"},
		ScanDrops{Drop: []string{"docs"}, Debs: []string{"/in/0/pkg.deb"}, Out: "/out"},
		ScanDrops{UsrMerge: true, Debs: []string{"/in/0/pkg.deb", "/in/1/pkg.deb", ","}, Out: "/out"},
		Effects{Arch: "amd64", Roots: []string{"/root/0"}, Out: "/out"},
		Effects{Arch: "arm64", MaxMTime: time.Unix(1700000000, 0), Warnings: "/var/lib/distrofile/effects-warnings.json",
			Roots: []string{"/root/0", "/root/1"}, Debs: []string{"/deb/0/pkg.deb", "/deb/1/pkg.deb"}, Out: "/out"},
		Effects{Arch: "amd64", Roots: []string{"/root/0", "/root/1"}, KeepDirs: []string{"/srv/app", "/home/nonroot"}, Debs: []string{"/deb/0/pkg.deb"}, Out: "/out"},
		Effects{Arch: "amd64", DpkgStatusFile: true, Roots: []string{"/root/0"}, Debs: []string{"/deb/0/pkg.deb"}, Out: "/out"},
		Effects{Arch: "amd64", Roots: []string{"/root/0", "/root/1"}, Lists: "/lists", Diagnose: "/diag/error", Debs: []string{"/deb/0/pkg.deb"}, Out: "/out"},
		Version{},
	} {
		got, err := Parse(c.Args())
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%#v: %q read back as %#v, %v", c, c.Args(), got, err)
		}
	}
}

// TestGoldenArgs: the command lines llbgen's tests expect (and that the
// BuildKit cache keys of released builds hold) read as the mode they are
// and are written back byte for byte.
func TestGoldenArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Command
	}{
		{[]string{"--dpkg-status", "/in/0/pkg.deb", "/out/0", ",", "/in/1/pkg.deb", "/in/2/pkg.deb", "/out/1"},
			Extract{DpkgStatus: true, Layers: []Layer{{Debs: []string{"/in/0/pkg.deb"}, Out: "/out/0"}, {Debs: []string{"/in/1/pkg.deb", "/in/2/pkg.deb"}, Out: "/out/1"}}}},
		{[]string{"--dpkg-status", "--usrmerge", "--max-mtime=1700000000", "--drop=docs", "--drop=/x/**", "--ca-owners=", "/in/pkg.deb", "/out"},
			Extract{DpkgStatus: true, UsrMerge: true, MaxMTime: time.Unix(1700000000, 0), Drop: []string{"docs", "/x/**"}, CAOwners: []string{},
				Layers: []Layer{{Debs: []string{"/in/pkg.deb"}, Out: "/out"}}}},
		{[]string{"--dpkg-status", "--ca-owners=ca-certificates", "/in/pkg.deb", "/out"},
			Extract{DpkgStatus: true, CAOwners: []string{"ca-certificates"}, Layers: []Layer{{Debs: []string{"/in/pkg.deb"}, Out: "/out"}}}},
		{[]string{"--scan-drops", "--usrmerge", "--drop=docs", "--drop=/x/**", "/in/0/pkg.deb", "/in/1/pkg.deb", "/out"},
			ScanDrops{UsrMerge: true, Drop: []string{"docs", "/x/**"}, Debs: []string{"/in/0/pkg.deb", "/in/1/pkg.deb"}, Out: "/out"}},
		{[]string{"--tar", "--max-mtime=0", "--ca-certificates-root=/root/0", "--ca-certificates-root=/root/1", "/in/files.tar", "/out"},
			Tar{MaxMTime: time.Unix(0, 0), CARoots: []string{"/root/0", "/root/1"}, In: "/in/files.tar", Out: "/out"}},
		// A Plan without an Epoch: the zero Time, written as it always was.
		{[]string{"--tar", "--max-mtime=-62135596800", "/in/files.tar", "/out"},
			Tar{In: "/in/files.tar", Out: "/out"}},
		{[]string{"--effects", "--arch=arm64", "--max-mtime=0", "--warnings=/var/lib/distrofile/effects-warnings.json", "--root=/root/0", "--root=/root/1", "/deb/0/pkg.deb", "/out"},
			Effects{Arch: "arm64", MaxMTime: time.Unix(0, 0), Warnings: "/var/lib/distrofile/effects-warnings.json", Roots: []string{"/root/0", "/root/1"}, Debs: []string{"/deb/0/pkg.deb"}, Out: "/out"}},
		{[]string{"--ca-certificates", "--max-mtime=1700000000", "/root", "/out"},
			CACertificates{MaxMTime: time.Unix(1700000000, 0), Root: "/root", Out: "/out"}},
		{[]string{"--version"}, Version{}},
	} {
		got, err := Parse(tc.args)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: read as %#v, %v; want %#v", tc.args, got, err, tc.want)
			continue
		}
		if back := got.Args(); !reflect.DeepEqual(back, tc.args) {
			t.Errorf("%q: written back as %q", tc.args, back)
		}
	}
}

// TestParseReadsLikeTheHelper: what the helper read before Parse is read
// the same way (spellings llbgen does not write, the order of the flags).
func TestParseReadsLikeTheHelper(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Command
	}{
		{[]string{"-usrmerge", "--max-mtime", "0x10", "a", "b"}, Extract{UsrMerge: true, MaxMTime: time.Unix(16, 0), Layers: []Layer{{Debs: []string{"a"}, Out: "b"}}}},
		{[]string{"--max-mtime=-1", "a", "b"}, Extract{Layers: []Layer{{Debs: []string{"a"}, Out: "b"}}}},
		{[]string{"--ca-owners=a,,b", "--ca-owners=c,", "a", "b"}, Extract{CAOwners: []string{"c"}, Layers: []Layer{{Debs: []string{"a"}, Out: "b"}}}},
		{[]string{"--max-mtime=-1", "--scan-drops", "a", "b"}, ScanDrops{Debs: []string{"a"}, Out: "b"}},
		{[]string{"--tar", "a", "b"}, Tar{In: "a", Out: "b"}},
		{[]string{"--root=/r", "--effects", "--arch=amd64", "out"}, Effects{Arch: "amd64", Roots: []string{"/r"}, Out: "out"}},
		{[]string{"--version", "--tar"}, Version{}},
		{[]string{"--", "-a", "b"}, Extract{Layers: []Layer{{Debs: []string{"-a"}, Out: "b"}}}},
	} {
		got, err := Parse(tc.args)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: read as %#v, %v; want %#v", tc.args, got, err, tc.want)
		}
	}
}

// TestParseErrors: the helper's usage errors, word for word.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--no-such-flag", "a", "b"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"--drop=usr/share/doc", "a", "b"}, `invalid value "usr/share/doc" for flag -drop: drop pattern usr/share/doc: `},
		{[]string{"--max-mtime=x", "a", "b"}, `invalid value "x" for flag -max-mtime: parse error`},
		{[]string{"a"}, "want at least 2 arguments, IN.deb... and OUTDIR; got 1"},
		{nil, "want at least 2 arguments, IN.deb... and OUTDIR; got 0"},
		{[]string{"--tar", "a", "b", "c"}, "want 2 arguments; got 3"},
		{[]string{"--ca-certificates", "a"}, "want 2 arguments; got 1"},
		{[]string{"--tar", "--drop=docs", "a", "b"}, "--usrmerge, --dpkg-status, --only, --drop and --ca-owners apply to packages only"},
		{[]string{"--ca-certificates", "--usrmerge", "a", "b"}, "--usrmerge, --dpkg-status, --only, --drop and --ca-owners apply to packages only"},
		{[]string{"--tar", "--only=/usr", "a", "b"}, "--usrmerge, --dpkg-status, --only, --drop and --ca-owners apply to packages only"},
		{[]string{"--only=docs", "a", "b"}, `invalid value "docs" for flag -only: --only=docs: not an absolute path glob`},
		{[]string{"--only=/a/**x", "a", "b"}, `invalid value "/a/**x" for flag -only: --only=/a/**x: not an absolute path glob`},
		{[]string{"--scan-drops", "--only=/usr", "a", "b"}, "--scan-drops takes --usrmerge and --drop only"},
		{[]string{"--effects", "--arch=amd64", "--root=/r", "--only=/usr", "a"}, "--effects takes --arch"},
		{[]string{"--ca-certificates", "--tar", "a", "b"}, "--tar, --ca-certificates and --scan-drops exclude each other"},
		{[]string{"--scan-drops", "--tar", "a", "b"}, "--tar, --ca-certificates and --scan-drops exclude each other"},
		{[]string{"--scan-drops", "--dpkg-status", "a", "b"}, "--scan-drops takes --usrmerge and --drop only"},
		{[]string{"--scan-drops", "--max-mtime=1", "a", "b"}, "--scan-drops takes --usrmerge and --drop only"},
		{[]string{"--scan-drops", "--ca-owners=", "a", "b"}, "--scan-drops takes --usrmerge and --drop only"},
		{[]string{"--scan-drops", "a"}, "want at least 2 arguments, IN.deb... and OUTDIR; got 1"},
		{[]string{"--effects", "--tar", "a", "b"}, "--effects takes --arch, --max-mtime, --warnings, --dpkg-status-file, --root, --keep-dir, --lists and --diagnose only"},
		{[]string{"--effects", "--arch=amd64", "a"}, "--effects needs --arch, at least one --root, and OUTDIR"},
		{[]string{"--effects", "--arch=amd64", "--root=/r"}, "--effects needs --arch, at least one --root, and OUTDIR"},
		{[]string{"--effects", "--root=/r", "a"}, "--effects needs --arch, at least one --root, and OUTDIR"},
		{[]string{"--tar", "--diagnose=/e", "a", "b"}, "--diagnose and --lists go with an extraction of packages or --effects"},
		{[]string{"--scan-drops", "--lists=/l", "a", "b"}, "--diagnose and --lists go with an extraction of packages or --effects"},
		{[]string{"--dpkg-status-file", "a", "b"}, "--arch, --root, --keep-dir, --dpkg-status-file and --warnings go with --effects"},
		{[]string{"--warnings=x", "a", "b"}, "--arch, --root, --keep-dir, --dpkg-status-file and --warnings go with --effects"},
		{[]string{"--ca-certificates-root=/r", "a", "b"}, "--ca-certificates-root goes with --tar"},
		{[]string{"--ca-certificates", "--ca-certificates-root=/r", "a", "b"}, "--ca-certificates-root goes with --tar"},
		{[]string{"a", "b", ","}, `a "," with no layer after it`},
		{[]string{"a", "b", ",", "c"}, `layer 2: want IN.deb... and OUTDIR; got ["c"]`},
		{[]string{",", "a", "b"}, `layer 1: want IN.deb... and OUTDIR; got []`},
	} {
		if c, err := Parse(tc.args); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %#v, %v; want %q", tc.args, c, err, tc.want)
		}
	}
	for _, h := range []string{"-h", "--help"} {
		if _, err := Parse([]string{h}); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: %v", h, err)
		}
	}
}

// TestPrintUsage: the synopsis, then every flag.
func TestPrintUsage(t *testing.T) {
	var b strings.Builder
	PrintUsage(&b)
	out := b.String()
	if !strings.HasPrefix(out, Usage+"\n") {
		t.Errorf("does not start with the synopsis:\n%s", out)
	}
	for _, f := range []string{"arch", "ca-certificates", "ca-certificates-root", "ca-owners", "dpkg-status", "drop", "effects", "max-mtime", "root", "scan-drops", "tar", "usrmerge", "version", "warnings"} {
		if !strings.Contains(out, "\n  -"+f+" ") && !strings.Contains(out, "\n  -"+f+"\n") {
			t.Errorf("no -%s in\n%s", f, out)
		}
	}
}

// FuzzParse: Parse never panics, and what it reads is written back as a
// command line that reads the same.
func FuzzParse(f *testing.F) {
	for _, args := range [][]string{
		{"--dpkg-status", "--usrmerge", "--max-mtime=1700000000", "--drop=docs", "--ca-owners=a,b", "/in/0/pkg.deb", "/out/0", ",", "/in/1/pkg.deb", "/out/1"},
		{"--scan-drops", "--usrmerge", "--drop=/x/**", "/in/0/pkg.deb", "/out"},
		{"--tar", "--max-mtime=0", "--ca-certificates-root=/root/0", "/in/files.tar", "/out"},
		{"--ca-certificates", "/root", "/out"},
		{"--effects", "--arch=arm64", "--max-mtime=-62135596800", "--warnings=/w.json", "--root=/root/0", "/deb/0/pkg.deb", "/out"},
		{"--version"},
		{"--", "-a", ",", "-", "--"},
	} {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		var args []string
		if s != "" {
			args = strings.Split(s, "\x00")
		}
		c, err := Parse(args)
		if err != nil {
			return
		}
		again, err := Parse(c.Args())
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("%q read as %#v, written as %q, read back as %#v, %v", args, c, c.Args(), again, err)
		}
	})
}
