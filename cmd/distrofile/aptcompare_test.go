package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/plan"
)

// aptRootSets are the INSTALL root sets compared with apt on every suite;
// aptSuiteRootSets adds sets whose names exist in one suite only.
var aptRootSets = [][]string{
	{"perl"},
	{"perl", "libhtml-parser-perl"},
	{"python3"},
	{"python3-requests"},
	{"git"},
	{"curl"},
	{"ca-certificates", "tzdata", "netbase"},
	{"openssh-client"},
	{"postgresql-client"},
	{"nginx"},
	{"busybox"},
	{"bash", "coreutils"},
	{"libc6"},
	{"libssl-dev"},
	{"imagemagick"},
	{"ruby"},
	{"nodejs"},
	{"sqlite3"},
	{"wget", "gnupg"},
	{"make", "gcc"},
	{"systemd"},
	{"iproute2", "iputils-ping"},
	{"rsync", "openssh-server"},
	{"redis-server"},
	{"php-cli"},
	{"golang-go"},
	{"apache2"},
	{"vim"},
}

var aptSuiteRootSets = map[string][][]string{
	"bookworm": {{"openjdk-17-jre-headless"}, {"libssl3", "zlib1g"}},
	"trixie":   {{"openjdk-21-jre-headless"}, {"libssl3t64", "zlib1g"}},
}

// TestAptCompare resolves the same root sets with `apt-get -s install` (on an
// empty dpkg status, no Recommends) and with debresolve, for bookworm and
// trixie on the mirror this machine's APT uses, and requires identical
// package sets (names and versions). apt gets a private configuration, state
// and cache under the test's temporary directory.
func TestAptCompare(t *testing.T) {
	mirror, security := liveMirrors(t, "apt-get, the network")
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatal("apt-get not found (run with -short to skip live tests)")
	}
	const arch = "amd64"
	var total, matched int
	var mu sync.Mutex
	for _, suite := range []string{"bookworm", "trixie"} {
		t.Run(suite, func(t *testing.T) {
			t.Parallel()
			sources, err := debresolve.DefaultSources("debian", suite, mirror, security)
			if err != nil {
				t.Fatal(err)
			}
			apt := newPrivateApt(t, sources, arch)
			client := &debresolve.Client{Fetcher: newHTTPFetcher(5 * time.Minute)}
			indexes, err := client.LoadIndexes(context.Background(), sources, arch)
			if err != nil {
				t.Fatal(err)
			}
			sets := append(slices.Clone(aptRootSets), aptSuiteRootSets[suite]...)
			for _, roots := range sets {
				want, err := apt.simulate(roots)
				if err != nil {
					t.Errorf("%s %v: apt: %v", suite, roots, err)
					continue
				}
				cl, err := debresolve.Resolve(indexes, arch, debresolve.Request{Roots: roots})
				if err != nil {
					t.Errorf("%s %v: debresolve: %v", suite, roots, err)
					continue
				}
				var got []string
				for _, p := range cl.Packages {
					got = append(got, p.Name+" "+p.Version)
				}
				sort.Strings(got)
				mu.Lock()
				total++
				mu.Unlock()
				if d := diffSets(want, got); d != "" {
					t.Errorf("%s %v: closures differ (- apt, + debresolve):\n%s", suite, roots, d)
					continue
				}
				mu.Lock()
				matched++
				mu.Unlock()
				t.Logf("%s %v: %d packages, identical", suite, roots, len(got))
			}
		})
	}
	t.Cleanup(func() { t.Logf("apt comparison: %d of %d root sets identical", matched, total) })
}

// securityFor passes the configured security mirror only when it cannot be
// derived from the main one.
func securityFor(mirror, security string) string {
	if strings.HasSuffix(mirror, "/debian") {
		return ""
	}
	return security
}

// privateApt runs apt-get with its own configuration, lists, cache and an
// empty dpkg status, so it sees exactly the given sources.
type privateApt struct {
	dir, conf string
}

func newPrivateApt(t *testing.T, sources []debresolve.Source, arch string) *privateApt {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/trusted.gpg.d", "etc/apt/sources.list.d", "state/lists/partial", "cache/archives/partial", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	keyring, err := os.ReadFile("../../debresolve/keyrings/debian-archive-keyring.gpg")
	if err != nil {
		t.Fatal(err)
	}
	kr := filepath.Join(dir, "keyring.gpg")
	must(t, os.WriteFile(kr, keyring, 0o644))
	var sl strings.Builder
	for _, s := range sources {
		fmt.Fprintf(&sl, "deb [arch=%s signed-by=%s] %s %s %s\n", arch, kr, s.URL, s.Suite, strings.Join(s.Components, " "))
	}
	must(t, os.WriteFile(filepath.Join(dir, "etc/apt/sources.list"), []byte(sl.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "status"), nil, 0o644))
	conf := filepath.Join(dir, "apt.conf")
	must(t, os.WriteFile(conf, []byte(fmt.Sprintf(`Dir "/";
Dir::Etc "%[1]s/etc/apt";
Dir::Etc::main "apt.conf";
Dir::Etc::parts "apt.conf.d";
Dir::Etc::sourcelist "sources.list";
Dir::Etc::sourceparts "sources.list.d";
Dir::Etc::preferences "preferences";
Dir::Etc::preferencesparts "preferences.d";
Dir::Etc::trustedparts "trusted.gpg.d";
Dir::State "%[1]s/state";
Dir::State::status "%[1]s/status";
Dir::Cache "%[1]s/cache";
Dir::Log "%[1]s/log";
APT::Architecture "%[2]s";
APT::Architectures { "%[2]s"; };
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::Retries "3";
Debug::NoLocking "true";
`, dir, arch)), 0o644))
	a := &privateApt{dir: dir, conf: conf}
	out, err := a.cmd("update").CombinedOutput()
	if err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "W: ") || strings.Contains(string(out), "E: ") {
		t.Fatalf("apt-get update reported problems:\n%s", out)
	}
	return a
}

func (a *privateApt) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command("apt-get", append([]string{"-q", "-o", "Dir::State::status=" + filepath.Join(a.dir, "status")}, args...)...)
	cmd.Env = append(os.Environ(), "APT_CONFIG="+a.conf, "LC_ALL=C")
	return cmd
}

var instLine = regexp.MustCompile(`^Inst (\S+) \((\S+) `)

// simulate returns the "name version" lines apt-get -s install would unpack.
func (a *privateApt) simulate(roots []string) ([]string, error) {
	out, err := a.cmd(append([]string{"-s", "-o", "APT::Install-Recommends=false", "install"}, roots...)...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		if m := instLine.FindStringSubmatch(line); m != nil {
			name, _, _ := strings.Cut(m[1], ":")
			pkgs = append(pkgs, name+" "+m[2])
		}
	}
	sort.Strings(pkgs)
	return pkgs, nil
}

// diffSets lists the lines only in a ("-") or only in b ("+"); "" if equal.
func diffSets(a, b []string) string {
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range s {
			m[x] = true
		}
		return m
	}
	ia, ib := in(a), in(b)
	var d strings.Builder
	for _, x := range a {
		if !ib[x] {
			fmt.Fprintf(&d, "-%s\n", x)
		}
	}
	for _, x := range b {
		if !ia[x] {
			fmt.Fprintf(&d, "+%s\n", x)
		}
	}
	return d.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutdatedLikeApt: a lock made when trixie had its release pocket
// alone (the closures resolved from trixie main) is compared with the
// archive now (main, -updates, -security); the packages plan.OutdatedIn
// lists, with their candidates, are the ones apt, given those versions
// as installed, has a newer candidate for (apt-cache policy).
func TestOutdatedLikeApt(t *testing.T) {
	mirror, security := liveMirrors(t, "apt-get, the network")
	const arch = "amd64"
	sources, err := debresolve.DefaultSources("debian", "trixie", mirror, security)
	if err != nil {
		t.Fatal(err)
	}
	client := &debresolve.Client{Fetcher: newHTTPFetcher(5 * time.Minute)}
	now, err := client.LoadIndexes(context.Background(), sources, arch)
	if err != nil {
		t.Fatal(err)
	}
	release, err := client.LoadIndexes(context.Background(), sources[:1], arch)
	if err != nil {
		t.Fatal(err)
	}
	roots := []string{"perl", "python3", "curl", "openssl", "tzdata", "ca-certificates", "libc6", "git", "openssh-client"}
	old, err := debresolve.Resolve(release, arch, debresolve.Request{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	ls := debresolve.NewLockStage("0", debresolve.LockInputs{Distro: "debian", Suite: "trixie", Roots: roots}, sources, now)
	if err := ls.AddClosure(old, release); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range plan.OutdatedIn("0", ls.Arch(arch), now) {
		got = append(got, o.Package+" "+o.Locked+" "+o.Candidate)
	}
	sort.Strings(got)

	// apt: the old closure as the installed packages.
	apt := newPrivateApt(t, sources, arch)
	var status strings.Builder
	var names []string
	for _, p := range old.Packages {
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: %s\nVersion: %s\nDescription: x\n\n", p.Name, p.Architecture, p.Version)
		names = append(names, p.Name)
	}
	must(t, os.WriteFile(filepath.Join(apt.dir, "status"), []byte(status.String()), 0o644))
	cmd := exec.Command("apt-cache", append([]string{"-o", "Dir::State::status=" + filepath.Join(apt.dir, "status"), "policy"}, names...)...)
	cmd.Env = append(os.Environ(), "APT_CONFIG="+apt.conf, "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apt-cache policy: %v\n%s", err, out)
	}
	var want []string
	var name, installed string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":"):
			name, _, _ = strings.Cut(strings.TrimSuffix(line, ":"), ":")
		case strings.HasPrefix(line, "  Installed: "):
			installed = strings.TrimPrefix(line, "  Installed: ")
		case strings.HasPrefix(line, "  Candidate: "):
			if cand := strings.TrimPrefix(line, "  Candidate: "); cand != installed {
				want = append(want, name+" "+installed+" "+cand)
			}
		}
	}
	sort.Strings(want)
	if len(want) == 0 {
		t.Fatal("apt lists nothing newer than the release pocket: the comparison proves nothing")
	}
	if d := diffSets(want, got); d != "" {
		t.Errorf("outdated packages differ (- apt, + distrofile):\n%s", d)
	}
	t.Logf("%d of %d packages of the release-pocket closure have newer candidates, as apt says", len(got), len(old.Packages))
}
