package examples

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/fidelity"
)

// fidelitySet is a package set the fidelity oracle measures, with the most
// effects its image may lack: a build that lacks more fails (a
// regression), and so does one that lacks a user or a group. A count of
// missing effects, rather than of present ones, keeps holding when a new
// package version adds effects the build reproduces. The counts are what
// main gave (bench/results/fidelity-*.md) and go down as the build learns
// to write more of what maintainer scripts leave.
type fidelitySet struct {
	pkgs []string
	// missing is the most effects the image may lack.
	missing int
}

func (s fidelitySet) name() string { return fidelity.Slug(s.pkgs) }

// fastFidelitySets run in `make test`: small closures whose scripts add a
// user, a directory, alternatives and a trigger's cache.
var fastFidelitySets = []fidelitySet{
	{pkgs: []string{"redis-server"}, missing: 0},
	{pkgs: []string{"nodejs"}, missing: 0},
	{pkgs: []string{"fontconfig", "fonts-dejavu-core"}, missing: 0},
}

// fullFidelitySets run in `make fidelity` (hack/fidelity), with the fast
// ones: the runtimes and servers people put in images.
var fullFidelitySets = []fidelitySet{
	{pkgs: []string{"openjdk-21-jre-headless"}, missing: 0},
	{pkgs: []string{"openjdk-25-jre-headless"}, missing: 0},
	{pkgs: []string{"ca-certificates-java"}, missing: 0},
	{pkgs: []string{"php8.4-cli"}, missing: 0},
	{pkgs: []string{"php8.4-fpm"}, missing: 0},
	{pkgs: []string{"ruby"}, missing: 0},
	{pkgs: []string{"python3", "python3-venv", "python3-pip"}, missing: 0},
	{pkgs: []string{"perl"}, missing: 0},
	{pkgs: []string{"nginx"}, missing: 0},
	{pkgs: []string{"apache2"}, missing: 0},
	{pkgs: []string{"postgresql"}, missing: 12},
	{pkgs: []string{"postgresql-client"}, missing: 0},
	{pkgs: []string{"mariadb-client"}, missing: 0},
	{pkgs: []string{"imagemagick"}, missing: 0},
	{pkgs: []string{"libgdk-pixbuf-2.0-0"}, missing: 0},
	{pkgs: []string{"git"}, missing: 0},
	{pkgs: []string{"curl"}, missing: 0},
	{pkgs: []string{"openssh-client"}, missing: 0},
	{pkgs: []string{"tini"}, missing: 0},
	{pkgs: []string{"busybox"}, missing: 0},
	{pkgs: []string{"locales"}, missing: 0},
	{pkgs: []string{"tzdata"}, missing: 0},
	{pkgs: []string{"ca-certificates"}, missing: 0},
	{pkgs: []string{"libnss-wrapper"}, missing: 0},
	{pkgs: []string{"libnss-myhostname"}, missing: 0},
}

// fidelitySets returns the sets FIDELITY_SETS names: "fast" (the default),
// "full" (fast and full), or a comma-separated list of sets whose packages
// are joined by "+" ("python3+python3-venv,nginx"), with the floors of the
// tables for the sets they hold.
func fidelitySets() []fidelitySet {
	all := append(append([]fidelitySet{}, fastFidelitySets...), fullFidelitySets...)
	switch v := os.Getenv("FIDELITY_SETS"); v {
	case "", "fast":
		return fastFidelitySets
	case "full":
		return all
	default:
		var out []fidelitySet
		for _, name := range strings.Split(v, ",") {
			s := fidelitySet{pkgs: strings.Split(name, "+")}
			for _, known := range all {
				if known.name() == name {
					s = known
				}
			}
			out = append(out, s)
		}
		return out
	}
}

// fidelityArches returns FIDELITY_ARCHES (default amd64). The apt roots
// are always amd64: mmdebstrap makes a foreign root only under qemu, so the
// arm64 image is compared with the amd64 root's effects, its paths renamed
// (fidelity.ArchRenamer: triplet, loader, "-amd64").
func fidelityArches() []string {
	v := os.Getenv("FIDELITY_ARCHES")
	if v == "" {
		return []string{"amd64"}
	}
	return strings.Split(v, ",")
}

// TestE2EFidelity measures, for each set, how much of what apt's maintainer
// scripts and triggers leave (fidelity.ComputeEffects on mmdebstrap roots)
// the image of `FROM debian:trixie` + `INSTALL <set>` has. It logs every
// missing effect with its origin and fails only when a set falls below its
// floor. FIDELITY_REPORT=<file.md> writes the results, and their JSON to
// FIDELITY_JSON (default <file>.json);
// FIDELITY_ALL=1 lists every effect there, present or not; FIDELITY_COMMIT
// names the commit the frontend image was built from (default: HEAD).
func TestE2EFidelity(t *testing.T) {
	e := e2eEnv(t)
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		t.Fatalf("the fidelity oracle needs mmdebstrap (apt-get install mmdebstrap): %v", err)
	}
	roots := fidelity.AptRoots{Mirror: e.mirror, Log: testLog{t}}
	ctx := context.Background()
	baseDir, err := roots.Root(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := fidelity.ReadDir(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	var reports []*fidelity.Report
	for _, set := range fidelitySets() {
		t.Run(set.name(), func(t *testing.T) {
			for _, r := range fidelityOfSet(t, e, roots, base, set) {
				reports = append(reports, r)
				checkFloor(t, set, r)
			}
		})
	}
	if out := os.Getenv("FIDELITY_REPORT"); out != "" {
		writeFidelityReport(t, out, e.mirror, reports)
	}
}

// fidelityOfSet makes the set's apt root, builds its image for each
// architecture and compares.
func fidelityOfSet(t *testing.T, e env, roots fidelity.AptRoots, base *fidelity.Tree, set fidelitySet) []*fidelity.Report {
	dir, err := roots.Root(context.Background(), set.pkgs)
	if err != nil {
		t.Fatal(err)
	}
	root, err := fidelity.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	effs, err := fidelity.ComputeEffects(base, root)
	if err != nil {
		t.Fatal(err)
	}
	var reports []*fidelity.Report
	for _, arch := range fidelityArches() {
		image, err := fidelity.ReadTarFile(buildSetImage(t, e, set, arch))
		if err != nil {
			t.Fatal(err)
		}
		r := fidelity.Compare(set.name(), arch, effs, image, fidelity.ArchRenamer(arch))
		var b bytes.Buffer
		_ = fidelity.WriteDetails(&b, r, false)
		t.Logf("\n%s", b.String())
		reports = append(reports, r)
	}
	return reports
}

// buildSetImage builds `FROM debian:trixie` + `INSTALL <set>` for arch
// and returns the exported tar.
func buildSetImage(t *testing.T, e env, set fidelitySet, arch string) string {
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL "+strings.Join(set.pkgs, " ")+"\n")
	out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/"+arch,
		"--build-arg", "DISTROFILE_MIRROR="+e.mirror, "-o", "type=tar,dest=image.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, lastLines(out, 30))
	}
	return filepath.Join(dir, "image.tar")
}

// checkFloor fails when the image lacks more effects than the set allows,
// or any user or group.
func checkFloor(t *testing.T, set fidelitySet, r *fidelity.Report) {
	s := r.Summary
	t.Logf("%s %s: effects %d/%d, users %d/%d, groups %d/%d (at most %d missing)", r.Set, r.Arch,
		s.Present, s.Effects, s.UsersPresent, s.Users, s.GroupsPresent, s.Groups, set.missing)
	if s.Effects-s.Present > set.missing || s.UsersPresent < s.Users || s.GroupsPresent < s.Groups {
		t.Errorf("%s %s: fidelity fell: %d effects missing (at most %d), users %d/%d, groups %d/%d",
			r.Set, r.Arch, s.Effects-s.Present, set.missing, s.UsersPresent, s.Users, s.GroupsPresent, s.Groups)
	}
}

// writeFidelityReport writes the Markdown results and their JSON beside
// them. The mirror's host never reaches the file: it is replaced by
// <mirror>.
func writeFidelityReport(t *testing.T, name, mirror string, reports []*fidelity.Report) {
	commit := os.Getenv("FIDELITY_COMMIT") // the commit the frontend image was built from
	if commit == "" {
		out, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
		commit = strings.TrimSpace(string(out))
	}
	header := fmt.Sprintf("# Fidelity: Distrofile images against apt roots\n\n"+
		"Run on %s, frontend image %s built from commit %s. For each set, an apt root made by `mmdebstrap --mode=root --variant=apt "+
		"--include=<set> trixie` (trixie, trixie-updates, trixie-security, main; no Recommends) is compared with a base root "+
		"(no --include); its effects — paths no package owns and that the base root lacks or has otherwise, owned files a "+
		"script edited or chowned, dpkg-statoverrides, and added users and groups, minus internal/fidelity's exclusions — "+
		"are looked up in the image of `FROM debian:trixie` + `INSTALL <set>` exported with `--output type=tar`. "+
		"arm64 images are compared with the amd64 root's effects, renamed (triplet, loader, -amd64).",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), os.Getenv("DISTROFILE_FRONTEND_IMAGE"), commit)
	var md, js bytes.Buffer
	if err := fidelity.WriteMarkdown(&md, header, reports, os.Getenv("FIDELITY_ALL") == "1"); err != nil {
		t.Fatal(err)
	}
	if err := fidelity.WriteJSON(&js, reports); err != nil {
		t.Fatal(err)
	}
	host := mirror
	if u, err := url.Parse(mirror); err == nil && u.Host != "" {
		host = u.Host
	}
	jsonName := os.Getenv("FIDELITY_JSON")
	if jsonName == "" {
		jsonName = strings.TrimSuffix(name, filepath.Ext(name)) + ".json"
	}
	for file, b := range map[string][]byte{name: md.Bytes(), jsonName: js.Bytes()} {
		if err := os.WriteFile(file, bytes.ReplaceAll(b, []byte(host), []byte("<mirror>")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s and %s", name, jsonName)
}

// testLog writes a fidelity.AptRoots log through t.Log.
type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
