package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
)

var st = archivetest.Stanza

// fakeArchive serves a signed trixie-like archive (debian and
// debian-security roots) and returns its base URL and a keyring file.
func fakeArchive(t *testing.T) (base, keyringFile string, a *archivetest.Archive) {
	t.Helper()
	nowT := time.Now().UTC().Truncate(time.Second)
	key, err := archivetest.NewKey("distrofile test archive", nowT.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a = archivetest.New()
	date := nowT.Add(-time.Hour)
	for _, s := range []archivetest.Suite{
		{Root: "debian", Dist: "trixie", Suite: "stable", Date: date, Key: key, Packages: map[string]string{
			"main/amd64": strings.Join([]string{
				st("perl", "5.40.1-6", "Depends: perl-base (= 5.40.1-6), libperl5.40 (= 5.40.1-6)", "Priority: standard"),
				st("perl-base", "5.40.1-6", "Pre-Depends: libc6 (>= 2.38)", "Essential: yes", "Priority: required"),
				st("libperl5.40", "5.40.1-6", "Depends: libc6 (>= 2.38)"),
				st("libc6", "2.41-12"),
				st("libhtml-parser-perl", "3.83-1", "Depends: libhtml-tagset-perl, perl:any"),
				st("libhtml-tagset-perl", "3.24-1", "Architecture: all", "Depends: perl:any"),
				st("debconf", "1.5.91", "Architecture: all", "Priority: required"),
				st("tzdata", "2025b-4", "Architecture: all", "Depends: debconf (>= 0.5) | debconf-2.0"),
			}, "\n"),
			"main/arm64": st("libc6", "2.41-12", "Architecture: arm64"),
		}},
		{Root: "debian", Dist: "trixie-updates", Suite: "stable-updates", Date: date, ValidUntil: date.Add(7 * 24 * time.Hour), Key: key, Compression: "xz",
			Packages: map[string]string{"main/amd64": st("tzdata", "2025b-4+deb13u1", "Architecture: all", "Depends: debconf (>= 0.5) | debconf-2.0"), "main/arm64": ""}},
		{Root: "debian-security", Dist: "trixie-security", Suite: "stable-security", Date: date, ValidUntil: date.Add(7 * 24 * time.Hour), Key: key,
			Packages: map[string]string{"main/amd64": st("libc6", "2.41-12+deb13u1", "Filename: pool/updates/main/g/glibc/libc6_2.41-12+deb13u1_amd64.deb"), "main/arm64": ""}},
	} {
		if err := a.AddSuite(s); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	pub, err := archivetest.ArmoredPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyringFile = filepath.Join(t.TempDir(), "archive.asc")
	if err := os.WriteFile(keyringFile, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, keyringFile, a
}

// runCLI runs the command with env and returns exit code, stdout, stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestResolveHermetic(t *testing.T) {
	base, kr, _ := fakeArchive(t)
	env := map[string]string{envKeyring: kr}
	mirror := base + "/debian"

	t.Run("text output", func(t *testing.T) {
		code, out, errs := runCLI(t, env, "resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror, "perl", "libhtml-parser-perl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		want := "libc6 2.41-12+deb13u1 amd64\n" +
			"libhtml-parser-perl 3.83-1 amd64\n" +
			"libhtml-tagset-perl 3.24-1 all\n" +
			"libperl5.40 5.40.1-6 amd64\n" +
			"perl 5.40.1-6 amd64\n" +
			"perl-base 5.40.1-6 amd64\n"
		if out != want {
			t.Fatalf("output:\n%s\nwant:\n%s", out, want)
		}
	})
	t.Run("mirror from the environment, flags after packages", func(t *testing.T) {
		env := map[string]string{envKeyring: kr, envMirror: mirror}
		code, out, errs := runCLI(t, env, "resolve", "tzdata", "--distro=debian:trixie", "--arch=amd64", "--exclude", "debconf")
		if code != 0 || out != "tzdata 2025b-4+deb13u1 all\n" {
			t.Fatalf("exit %d, out %q, err %q", code, out, errs)
		}
	})
	t.Run("json output", func(t *testing.T) {
		code, out, errs := runCLI(t, env, "resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror, "--format", "json", "perl")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc resolveOutput
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Sources) != 3 || doc.Sources[2].URL != base+"/debian-security" || doc.Sources[0].InReleaseSHA256 == "" {
			t.Errorf("sources %+v", doc.Sources)
		}
		if len(doc.Packages) != 4 || doc.Roots[0] != "perl" {
			t.Fatalf("packages %+v roots %v", doc.Packages, doc.Roots)
		}
		libc := doc.Packages[0]
		if libc.Name != "libc6" || libc.Suite != "trixie-security" || libc.URL != base+"/debian-security/pool/updates/main/g/glibc/libc6_2.41-12+deb13u1_amd64.deb" || len(libc.SHA256) != 64 {
			t.Errorf("libc6 %+v", libc)
		}
		if p := doc.Packages[2]; p.Name != "perl" || strings.Join(p.Depends, " ") != "libperl5.40 perl-base" {
			t.Errorf("perl %+v", p)
		}
	})
	t.Run("unknown package", func(t *testing.T) {
		code, out, errs := runCLI(t, env, "resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror, "perll")
		if code != 1 || out != "" || errs != "distrofile: unknown package \"perll\" (did you mean \"perl\"?)\n" {
			t.Fatalf("exit %d, out %q, err %q", code, out, errs)
		}
	})
	t.Run("HTTP errors name URL and status", func(t *testing.T) {
		code, _, errs := runCLI(t, env, "resolve", "--distro", "debian:bookworm", "--arch", "amd64", "--mirror", mirror, "perl")
		if code != 1 || !strings.HasPrefix(errs, "distrofile: ") || !strings.Contains(errs, "GET "+mirror+"/dists/bookworm") || !strings.Contains(errs, "HTTP 404 Not Found") {
			t.Fatalf("exit %d, err %q", code, errs)
		}
	})
	t.Run("built-in keyring rejects the test archive", func(t *testing.T) {
		code, _, errs := runCLI(t, nil, "resolve", "--distro", "debian:trixie", "--arch", "amd64", "--mirror", mirror, "perl")
		if code != 1 || !strings.Contains(errs, "signature check failed") || !strings.Contains(errs, mirror+"/dists/trixie") {
			t.Fatalf("exit %d, err %q", code, errs)
		}
	})
	t.Run("keyring flag", func(t *testing.T) {
		code, out, errs := runCLI(t, nil, "resolve", "--distro", "debian:trixie", "--arch", "arm64", "--mirror", mirror, "--keyring", kr, "--security-mirror", base+"/debian-security", "libc6")
		if code != 0 || out != "libc6 2.41-12 arm64\n" {
			t.Fatalf("exit %d, out %q, err %q", code, out, errs)
		}
	})
}

func TestResolveUsageErrors(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		err  string
	}{
		{nil, []string{"resolve", "--distro", "debian:trixie", "perl"}, "distrofile: no mirror configured: pass --mirror http://<mirror>/debian or set DISTROFILE_MIRROR"},
		{nil, []string{"resolve", "perl"}, "distrofile: resolve: --distro is required"},
		{nil, []string{"resolve", "--distro", "trixie", "perl"}, "want <distro>:<suite>"},
		{nil, []string{"resolve", "--distro", "debian:trixie"}, "no packages given"},
		{map[string]string{envMirror: "http://m.invalid/mirror"}, []string{"resolve", "--distro", "debian:trixie", "perl"}, "set the security mirror explicitly"},
		{nil, []string{"resolve", "--distro", "debian:trixie", "--format", "yaml", "perl"}, "unknown --format"},
		{nil, []string{"frobnicate"}, `distrofile: unknown command "frobnicate"`},
		{nil, []string{"resolve", "--no-such-flag"}, "flag provided but not defined"},
	} {
		code, _, errs := runCLI(t, c.env, c.args...)
		if code != 1 || !strings.Contains(errs, c.err) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errs, c.err)
		}
	}
	if code, out, _ := runCLI(t, nil, "help"); code != 0 || !strings.Contains(out, "resolve") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}

func TestHTTPFetcherRetries(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/flaky" && hits.Add(1) <= 2:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case r.URL.Path == "/flaky" || r.URL.Path == "/ok":
			w.Write([]byte("hello"))
		case r.URL.Path == "/down":
			http.Error(w, "down", http.StatusBadGateway)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := newHTTPFetcher(10 * time.Second)
	f.backoff = time.Millisecond
	ctx := context.Background()

	b, err := f.Fetch(ctx, debresolve.FetchRequest{URL: srv.URL + "/flaky", Size: -1})
	if err != nil || string(b) != "hello" || hits.Load() != 3 {
		t.Fatalf("flaky: %q %v after %d hits", b, err, hits.Load())
	}
	_, err = f.Fetch(ctx, debresolve.FetchRequest{URL: srv.URL + "/down", Size: -1})
	if err == nil || !strings.Contains(err.Error(), "GET "+srv.URL+"/down: HTTP 502 Bad Gateway (after 4 attempts)") {
		t.Fatalf("down: %v", err)
	}
	_, err = f.Fetch(ctx, debresolve.FetchRequest{URL: srv.URL + "/missing", Size: -1})
	if err == nil || err.Error() != "GET "+srv.URL+"/missing: HTTP 404 Not Found" {
		t.Fatalf("missing (no retries): %v", err)
	}
	_, err = f.Fetch(ctx, debresolve.FetchRequest{URL: srv.URL + "/ok", Size: 3})
	if err == nil || !strings.Contains(err.Error(), "more than 3 bytes") {
		t.Fatalf("oversized: %v", err)
	}
	f.client.Timeout = 50 * time.Millisecond
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	f.retries = 0
	if _, err := f.Fetch(ctx, debresolve.FetchRequest{URL: slow.URL + "/x", Size: -1}); err == nil || !strings.Contains(err.Error(), "GET "+slow.URL+"/x") {
		t.Fatalf("timeout: %v", err)
	}
}
