package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/internal/fakemirror"
	"github.com/distrofile/distrofile/plan"
	"github.com/klauspost/compress/gzip"
)

// gzipped returns s gzip-compressed.
func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const (
	libfooChangelogN = `libfoo (1.0-1) unstable; urgency=medium

  * Initial release. Mentions CVE-2020-0001, which was fixed long ago.

 -- Maintainer <m@example.org>  Mon, 01 Sep 2025 10:00:00 +0000
`
	libfooChangelogN1 = `libfoo (1.0-1+deb13u1) trixie-security; urgency=medium

  * Non-maintainer upload by the Security Team.
  * Fix a heap overflow in the parser (CVE-2026-12345, DSA-6001-1).

 -- Security Team <team@security.example>  Mon, 01 Dec 2026 10:00:00 +0000

` + libfooChangelogN
)

// updateArchives are the archive at version N (the lock's) and later, with
// libfoo N+1 in the security suite (its changelog names a CVE) and tool
// N+1 in the updates suite.
func updateArchives(t *testing.T) (n, n1 *fakemirror.Server) {
	doc := "/usr/share/doc/libfoo/changelog.Debian.gz"
	base := []fakemirror.Package{
		{Name: "app", Version: "1", Depends: "libfoo, tool"},
		{Name: "libfoo", Version: "1.0-1", Files: map[string]string{doc: gzipped(t, libfooChangelogN)}},
		{Name: "tool", Version: "1.0"},
	}
	n = fakemirror.New(t, fakemirror.Archive{Suites: []fakemirror.Suite{
		{Dist: "trixie", Packages: base},
		{Dist: "trixie-updates"},
		{Dist: "trixie-security", Root: "debian-security"},
	}})
	n1 = fakemirror.New(t, fakemirror.Archive{Suites: []fakemirror.Suite{
		{Dist: "trixie", Packages: base},
		{Dist: "trixie-updates", Packages: []fakemirror.Package{{Name: "tool", Version: "1.1"}}},
		{Dist: "trixie-security", Root: "debian-security", Packages: []fakemirror.Package{
			{Name: "libfoo", Version: "1.0-1+deb13u1", Files: map[string]string{doc: gzipped(t, libfooChangelogN1)}}}},
	}})
	return n, n1
}

// TestOutdatedAndUpdate: outdated lists the newer candidates (exit 1),
// --security-only only the security one; lock --update --security-only
// changes exactly that package and names its CVE; diff prints the same
// table for the two locks; once updated, only tool is outdated.
func TestOutdatedAndUpdate(t *testing.T) {
	n, n1 := updateArchives(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Distrofile")
	if err := os.WriteFile(df, []byte("FROM debian:trixie AS app\nINSTALL app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keyring := func(s *fakemirror.Server) string {
		p := filepath.Join(t.TempDir(), "key.asc")
		if err := os.WriteFile(p, s.ArmoredKeyring, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	at := func(s *fakemirror.Server) (map[string]string, []string) {
		return map[string]string{envMirror: s.ArchiveURL("")}, []string{"-f", df, "--keyring", keyring(s), "--arch", "amd64"}
	}
	env, flags := at(n)
	if code, _, errs := runCLI(t, env, append([]string{"lock"}, flags...)...); code != 0 {
		t.Fatalf("lock: %d %s", code, errs)
	}
	lockFile := filepath.Join(dir, "Distrofile.lock")
	old, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatal(err)
	}
	// Against the same archive: nothing is outdated.
	if code, out, errs := runCLI(t, env, append([]string{"outdated"}, flags...)...); code != 0 || out != "" {
		t.Fatalf("outdated on the lock's archive: %d %q %s", code, out, errs)
	}

	env, flags = at(n1)
	code, out, errs := runCLI(t, env, append([]string{"outdated"}, flags...)...)
	if code != 1 || out != "app\tamd64\tlibfoo\t1.0-1 → 1.0-1+deb13u1\ttrixie-security\tsecurity\napp\tamd64\ttool\t1.0 → 1.1\ttrixie-updates\n" {
		t.Fatalf("outdated: %d %q %s", code, out, errs)
	}
	code, out, _ = runCLI(t, env, append([]string{"outdated", "--security-only", "--json"}, flags...)...)
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); code != 1 || err != nil || len(rows) != 1 || rows[0]["package"] != "libfoo" || rows[0]["security"] != true {
		t.Fatalf("outdated --security-only --json: %d %v %s", code, err, out)
	}
	if code, _, errs := runCLI(t, map[string]string{}, append([]string{"outdated"}, flags...)...); code != 2 || !strings.Contains(errs, "mirror") {
		t.Fatalf("outdated without a mirror: %d %s", code, errs)
	}

	code, out, errs = runCLI(t, env, append([]string{"lock", "--update", "--security-only"}, flags...)...)
	if code != 0 || !strings.Contains(out, "app\tamd64\tlibfoo\t1.0-1 → 1.0-1+deb13u1\ttrixie-security\tCVE-2026-12345, DSA-6001-1\n") ||
		strings.Contains(out, "tool") || strings.Contains(out, "CVE-2020-0001") {
		t.Fatalf("lock --update --security-only: %d\n%s\n%s", code, out, errs)
	}
	updated, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatal(err)
	}
	// Exactly that change: libfoo's line, and the sources' dates and digests.
	var changed []string
	ol, nl := strings.Split(string(old), "\n"), strings.Split(string(updated), "\n")
	for i := range nl {
		if i < len(ol) && ol[i] != nl[i] && strings.Contains(nl[i], `"name":`) {
			changed = append(changed, nl[i])
		}
	}
	if len(ol) != len(nl) || len(changed) != 1 || !strings.Contains(changed[0], `"name":"libfoo","version":"1.0-1+deb13u1"`) {
		t.Fatalf("the update changed %q", changed)
	}
	code, out, _ = runCLI(t, env, append([]string{"outdated"}, flags...)...)
	if code != 1 || out != "app\tamd64\ttool\t1.0 → 1.1\ttrixie-updates\n" {
		t.Fatalf("outdated after the update: %d %q", code, out)
	}

	oldFile := filepath.Join(t.TempDir(), "old.lock")
	if err := os.WriteFile(oldFile, old, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, env, append([]string{"diff", "--markdown"}, append(flags, oldFile, lockFile)...)...)
	if code != 0 || !strings.Contains(out, "| app | amd64 | libfoo | `1.0-1 → 1.0-1+deb13u1` | trixie-security | CVE-2026-12345, DSA-6001-1 |") {
		t.Fatalf("diff: %d\n%s\n%s", code, out, errs)
	}

	// Updating a named package takes it (and only it) to its candidate.
	code, out, errs = runCLI(t, env, append([]string{"lock", "--update", "tool"}, flags...)...)
	if code != 0 || !strings.Contains(out, "app\tamd64\ttool\t1.0 → 1.1\ttrixie-updates\t(no /usr/share/doc/tool/changelog.Debian.gz in tool 1.1)\n") || strings.Contains(out, "libfoo") {
		t.Fatalf("lock --update tool: %d\n%s\n%s", code, out, errs)
	}
}

// TestSecurityUpdateScript runs hack/security-update, the steps of the
// GitHub Actions recipe, with the CLI built from this tree and git and gh
// replaced by recorders: with nothing to update it does nothing; with a
// security update it updates the lock and opens a pull request whose body
// is the table with the CVE.
func TestSecurityUpdateScript(t *testing.T) {
	n, n1 := updateArchives(t)
	bin := t.TempDir()
	cli := filepath.Join(bin, "distrofile")
	if out, err := exec.Command("go", "build", "-o", cli, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	record := filepath.Join(bin, "calls")
	// The recorders log their arguments, and gh the pull request's body.
	for _, tool := range []string{"git", "gh"} {
		script := "#!/bin/sh\necho \"" + tool + " $*\" >>" + record + "\n" +
			"while [ $# -gt 0 ]; do if [ \"$1\" = --body-file ]; then cat \"$2\" >>" + record + "; fi; shift; done\n"
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	df := filepath.Join(dir, "Distrofile")
	if err := os.WriteFile(df, []byte("FROM debian:trixie AS app\nINSTALL app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("../../hack/security-update")
	if err != nil {
		t.Fatal(err)
	}
	runScript := func(s *fakemirror.Server) (string, error) {
		key := filepath.Join(t.TempDir(), "key.asc")
		if err := os.WriteFile(key, s.ArmoredKeyring, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", script, df)
		cmd.Env = append(os.Environ(), "DISTROFILE_CLI="+cli, "GIT="+filepath.Join(bin, "git"), "GH="+filepath.Join(bin, "gh"),
			envMirror+"="+s.ArchiveURL(""), "DISTROFILE_FLAGS=--arch amd64 --keyring "+key)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	env := map[string]string{envMirror: n.ArchiveURL("")}
	key := filepath.Join(t.TempDir(), "key.asc")
	if err := os.WriteFile(key, n.ArmoredKeyring, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, env, "lock", "-f", df, "--keyring", key, "--arch", "amd64"); code != 0 {
		t.Fatalf("lock: %s", errs)
	}
	if out, err := runScript(n); err != nil || !strings.Contains(out, "nothing in") {
		t.Fatalf("nothing to update: %v\n%s", err, out)
	}
	if _, err := os.Stat(record); err == nil {
		t.Fatal("git or gh ran with nothing to update")
	}
	if out, err := runScript(n1); err != nil {
		t.Fatalf("update: %v\n%s", err, out)
	}
	calls, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"git checkout -B distrofile/security-updates\n", "git add " + filepath.Join(dir, "Distrofile.lock") + "\n",
		"git push --force origin distrofile/security-updates\n", "gh pr create --head distrofile/security-updates",
		"| app | amd64 | libfoo | `1.0-1 → 1.0-1+deb13u1` | trixie-security | CVE-2026-12345, DSA-6001-1 |"} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("the calls lack %q:\n%s", want, calls)
		}
	}
	lock, _ := os.ReadFile(filepath.Join(dir, "Distrofile.lock"))
	if !strings.Contains(string(lock), `"name":"libfoo","version":"1.0-1+deb13u1"`) || !strings.Contains(string(lock), `"name":"tool","version":"1.0"`) {
		t.Errorf("the lock:\n%s", lock)
	}
}

// TestReadLockArgGit: diff takes git revisions of the lock beside the
// Distrofile, and says what it tried when an argument is neither.
func TestReadLockArgGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	gitc := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitc("init", "-q")
	sub := filepath.Join(dir, "sub")
	must(t, os.MkdirAll(sub, 0o755))
	lockPath := filepath.Join(sub, "Distrofile.lock")
	for _, v := range []string{"1", "2"} {
		in := debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: []string{"a"}}
		l := &debresolve.Lock{Stages: []*debresolve.LockStage{{Stage: "0", Inputs: in, InputsSHA256: in.Digest(),
			Sources: []debresolve.LockSource{{URL: "http://mirror.invalid/debian", Suite: "trixie", Components: []string{"main"}}},
			Archs: []*debresolve.LockArch{{Arch: "amd64", Roots: []string{"a"}, Packages: []debresolve.LockPackage{
				{Name: "a", Version: v, Arch: "amd64", Suite: "trixie", Path: "pool/a.deb", SHA256: strings.Repeat("a", 64), Size: 1, Depends: []string{}}}}}}}}
		l.Finish()
		data := l.Marshal()
		must(t, os.WriteFile(lockPath, data, 0o644))
		gitc("add", "-A")
		gitc("commit", "-q", "-m", v)
	}
	old, err := readLockArg(lockPath, "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := readLockArg(lockPath, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	cs := plan.Changes(old, cur)
	if len(cs) != 1 || cs[0].Old != "1" || cs[0].New != "2" {
		t.Fatalf("changes %+v", cs)
	}
	if _, err := readLockArg(lockPath, "no-such-rev"); err == nil || !strings.Contains(err.Error(), "neither a file") {
		t.Fatalf("bad revision: %v", err)
	}
}
