package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestE2ESyftSeesEveryPackage scans examples/perl with Syft (built from its
// Go module by hack/test): the status.d files each package layer carries
// must make every installed package visible, with its version, and the
// distribution must be recognised.
func TestE2ESyftSeesEveryPackage(t *testing.T) {
	e := e2eEnv(t)
	syft := os.Getenv("DISTROFILE_SYFT")
	if syft == "" {
		t.Fatal("DISTROFILE_E2E=1 needs DISTROFILE_SYFT (hack/test builds bin/syft from hack/tools/syft)")
	}
	src, err := os.ReadFile("perl/Distrofile")
	if err != nil {
		t.Fatal(err)
	}
	dir := withSyntax(t, e, string(src))
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"--provenance=false", "-o", "type=oci,dest=image.tar", ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	want := map[string]string{}
	for _, x := range extractions(out) {
		want[x.name] = x.version
	}
	if len(want) < 20 {
		t.Fatalf("only %d extractions in the build output", len(want))
	}
	got, distro := syftDebs(t, syft, filepath.Join(dir, "image.tar"))
	var missing []string
	for name, version := range want {
		if got[name] != version {
			missing = append(missing, name+" "+version+" (syft: "+got[name]+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("syft does not see %d of %d packages: %s", len(missing), len(want), strings.Join(missing, ", "))
	}
	if distro != "debian 13" {
		t.Errorf("syft's distro: %s", distro)
	}
	t.Logf("syft lists %d deb packages, the build extracted %d", len(got), len(want))
}

// syftDebs scans the OCI archive tar with Syft and returns the Debian
// packages it lists (name → version) and the distribution ("debian 13").
func syftDebs(t *testing.T, syft, tar string) (map[string]string, string) {
	t.Helper()
	cmd := exec.Command(syft, "scan", "oci-archive:"+tar, "-o", "json", "-q")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
	js, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft: %v", err)
	}
	var doc struct {
		Artifacts []struct {
			Name, Version, Type, PURL string
		} `json:"artifacts"`
		Distro struct {
			ID        string `json:"id"`
			VersionID string `json:"versionID"`
		} `json:"distro"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range doc.Artifacts {
		if a.Type == "deb" {
			got[a.Name] = a.Version
		}
	}
	return got, doc.Distro.ID + " " + doc.Distro.VersionID
}
