package examples

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestE2ESBOM asks for --sbom: the frontend attaches its own SPDX document
// (BuildKit's scanner image is never pulled), with a purl per package.
func TestE2ESBOM(t *testing.T) {
	e := e2eEnv(t)
	dir := withSyntax(t, e, "FROM debian:trixie\nINSTALL netbase tzdata\n")
	image := e.registry + "/examples/sbom:e2e"
	out, err := buildx(t, dir, "-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR="+e.mirror,
		"--sbom=true", "--provenance=false", "--push", "-t", image, ".")
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if strings.Contains(out, "buildkit-syft-scanner") {
		t.Errorf("BuildKit ran its scanner image:\n%s", out)
	}
	var index struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(registryGet(t, fmt.Sprintf("http://%s/v2/examples/sbom/manifests/e2e", e.registry), "application/vnd.oci.image.index.v1+json"), &index); err != nil {
		t.Fatal(err)
	}
	var att manifest
	found := false
	for _, m := range index.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			dt := registryGet(t, fmt.Sprintf("http://%s/v2/examples/sbom/manifests/%s", e.registry, m.Digest), "application/vnd.oci.image.manifest.v1+json")
			if err := json.Unmarshal(dt, &att); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found || len(att.Layers) != 1 {
		t.Fatalf("no attestation manifest with one layer: %+v", index)
	}
	var stmt struct {
		PredicateType string `json:"predicateType"`
		Predicate     struct {
			SPDXVersion string `json:"spdxVersion"`
			Packages    []struct {
				Name         string `json:"name"`
				VersionInfo  string `json:"versionInfo"`
				ExternalRefs []struct {
					ReferenceLocator string `json:"referenceLocator"`
				} `json:"externalRefs"`
			} `json:"packages"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(registryGet(t, fmt.Sprintf("http://%s/v2/examples/sbom/blobs/%s", e.registry, att.Layers[0].Digest), "*/*"), &stmt); err != nil {
		t.Fatal(err)
	}
	if stmt.PredicateType != "https://spdx.dev/Document" || stmt.Predicate.SPDXVersion != "SPDX-2.3" {
		t.Errorf("predicate %q, SPDX %q", stmt.PredicateType, stmt.Predicate.SPDXVersion)
	}
	purls := map[string]string{}
	for _, p := range stmt.Predicate.Packages {
		if len(p.ExternalRefs) > 0 {
			purls[p.Name] = p.ExternalRefs[0].ReferenceLocator
		}
	}
	for _, name := range []string{"netbase", "tzdata"} {
		if !strings.HasPrefix(purls[name], "pkg:deb/debian/"+name+"@") || !strings.HasSuffix(purls[name], "?arch=all") {
			t.Errorf("purl of %s: %q", name, purls[name])
		}
	}
}
