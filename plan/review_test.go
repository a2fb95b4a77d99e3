package plan

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/klauspost/compress/gzip"
)

func TestChangelogIDs(t *testing.T) {
	log := `openssl (3.5.10-1~deb13u1) trixie-security; urgency=medium

  * New upstream version, fixing CVE-2026-1111 and CVE-2026-2222.
  * DSA-6100-1; also CVE-2026-1111 again.

 -- Security Team <team@security.example>  Tue, 02 Dec 2026 10:00:00 +0000

openssl (3.5.4-1~deb13u2) trixie; urgency=medium

  * Fix CVE-2025-9999 (DLA-4000-1).

 -- Maintainer <m@example.org>  Mon, 01 Sep 2025 10:00:00 +0000

openssl (3.5.4-1~deb13u1) trixie; urgency=medium

  * Fix CVE-2025-0001.

 -- Maintainer <m@example.org>  Mon, 01 Aug 2025 10:00:00 +0000

Local variables:
mode: debian-changelog
End:
`
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(log)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for old, want := range map[string][]string{
		"3.5.4-1~deb13u2":  {"CVE-2026-1111", "CVE-2026-2222", "DSA-6100-1"},
		"3.5.4-1~deb13u1":  {"CVE-2026-1111", "CVE-2026-2222", "DSA-6100-1", "CVE-2025-9999", "DLA-4000-1"},
		"3.5.10-1~deb13u1": nil,
	} {
		got, err := changelogIDs(b.Bytes(), old)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("since %s: %q %v, want %q", old, got, err, want)
		}
	}
	if _, err := changelogIDs([]byte("not gzip"), "1"); err == nil {
		t.Error("not gzip")
	}
}

func TestChangesAndTable(t *testing.T) {
	lock := func(pkgs ...string) *debresolve.Lock {
		la := &debresolve.LockArch{Arch: "amd64"}
		for _, p := range pkgs {
			n, v, _ := strings.Cut(p, "=")
			la.Packages = append(la.Packages, debresolve.LockPackage{Name: n, Version: v, Suite: "trixie"})
		}
		return &debresolve.Lock{Stages: []*debresolve.LockStage{{Stage: "app", Archs: []*debresolve.LockArch{la}}}}
	}
	cs := Changes(lock("a=1", "b=1", "c=1"), lock("a=1", "b=2", "d=1"))
	var b bytes.Buffer
	ReviewTable(&b, cs, true)
	want := "| stage | arch | package | old → new | suite | fixes |\n| --- | --- | --- | --- | --- | --- |\n" +
		"| app | amd64 | b | `1 → 2` | trixie |  |\n| app | amd64 | c | `removed 1` |  |  |\n| app | amd64 | d | `added 1` | trixie |  |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
