package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
)

func TestLockAndWhy(t *testing.T) {
	base, kr, a := fakeArchive(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Distrofile")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(df, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FROM debian:trixie AS runtime\nINSTALL perl libhtml-parser-perl\n")
	common := []string{"-f", df, "--keyring", kr, "--arch", "amd64"}
	env := map[string]string{envMirror: base + "/debian"}

	code, _, errs := runCLI(t, env, append([]string{"lock"}, common...)...)
	if code != 0 {
		t.Fatalf("lock: exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "Distrofile.lock"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := debresolve.ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if s := l.Stage("runtime"); s == nil || s.Arch("amd64") == nil || len(s.Arch("amd64").Packages) != 6 {
		t.Fatalf("lock:\n%s", data)
	}
	if !strings.Contains(string(data), `"name":"libc6","version":"2.41-12+deb13u1","arch":"amd64","suite":"trixie-security","source":2,"path":"pool/updates/main/g/glibc/libc6_2.41-12+deb13u1_amd64.deb"`) {
		t.Fatalf("libc6 not pinned from security:\n%s", data)
	}

	// Same inputs, same bytes; stdout output; --check passes.
	code, out, errs := runCLI(t, env, append([]string{"lock", "-o", "-"}, common...)...)
	if code != 0 || out != string(data) {
		t.Fatalf("lock -o -: exit %d, %s; output differs:\n%s", code, errs, out)
	}
	if code, out, errs = runCLI(t, env, append([]string{"lock", "--check"}, common...)...); code != 0 || !strings.Contains(out, "matches") {
		t.Fatalf("check: exit %d: %s %s", code, out, errs)
	}

	// why uses the lock: the archive is not asked for anything.
	before := len(a.Requests)
	for k := range a.Requests {
		delete(a.Requests, k)
	}
	_ = before
	code, out, errs = runCLI(t, env, append([]string{"why"}, append(common, "libhtml-tagset-perl")...)...)
	if code != 0 || out != "libhtml-parser-perl -> libhtml-tagset-perl\n" {
		t.Fatalf("why: exit %d: %q %s", code, out, errs)
	}
	code, out, errs = runCLI(t, env, append([]string{"why"}, append(common, "libc6")...)...)
	if code != 0 || out != "perl -> libperl5.40 -> libc6\nlibhtml-parser-perl -> perl -> libperl5.40 -> libc6\n" {
		t.Fatalf("why libc6: exit %d: %q %s", code, out, errs)
	}
	if len(a.Requests) != 0 {
		t.Fatalf("why with a matching lock fetched %v", a.Requests)
	}
	if code, _, errs = runCLI(t, env, append([]string{"why"}, append(common, "tzdata")...)...); code == 0 || !strings.Contains(errs, "tzdata is not installed in stage runtime") {
		t.Fatalf("why tzdata: exit %d: %s", code, errs)
	}

	// A changed Distrofile makes the lock stale, and says how.
	write("FROM debian:trixie AS runtime\nINSTALL perl libhtml-parser-perl tzdata\n")
	code, _, errs = runCLI(t, env, append([]string{"lock", "--check"}, common...)...)
	if code == 0 || !strings.Contains(errs, `Distrofile.lock is stale for stage "runtime": INSTALL: added tzdata`) {
		t.Fatalf("check stale: exit %d: %s", code, errs)
	}
	// why then resolves afresh (and says it does not use the lock).
	code, out, errs = runCLI(t, env, append([]string{"why"}, append(common, "tzdata")...)...)
	if code != 0 || out != "tzdata\n" || !strings.Contains(errs, "not using") {
		t.Fatalf("why stale: exit %d: %q %s", code, out, errs)
	}
	if code, _, errs = runCLI(t, env, append([]string{"lock"}, common...)...); code != 0 {
		t.Fatalf("relock: %s", errs)
	}
	if code, _, errs = runCLI(t, env, append([]string{"lock", "--check"}, common...)...); code != 0 {
		t.Fatalf("check after relock: %s", errs)
	}

	// Errors: no mirror, no Distrofile, positional args.
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{append([]string{"lock"}, common...), nil, "no package mirror"},
		{[]string{"lock", "-f", filepath.Join(dir, "nope")}, env, "no such file"},
		{[]string{"lock", "-f", df, "extra"}, env, "unexpected arguments"},
		{[]string{"why", "-f", df}, env, "exactly one package"},
	} {
		if code, _, errs := runCLI(t, tc.env, tc.args...); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d: %s (want %q)", tc.args, code, errs, tc.want)
		}
	}
}
