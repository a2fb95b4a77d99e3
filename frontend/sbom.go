package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/containerd/platforms"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	intoto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/result"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// sbomPath is where the SPDX document sits in its attestation ref.
const sbomPath = "/distrofile.spdx.json"

// spdxDoc is the subset of SPDX 2.3 JSON that Distrofile writes.
type spdxDoc struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreation       `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreation struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string       `json:"name"`
	SPDXID           string       `json:"SPDXID"`
	VersionInfo      string       `json:"versionInfo"`
	Supplier         string       `json:"supplier"`
	DownloadLocation string       `json:"downloadLocation"`
	FilesAnalyzed    bool         `json:"filesAnalyzed"`
	LicenseConcluded string       `json:"licenseConcluded"`
	LicenseDeclared  string       `json:"licenseDeclared"`
	CopyrightText    string       `json:"copyrightText"`
	Checksums        []spdxSum    `json:"checksums,omitempty"`
	ExternalRefs     []spdxExtRef `json:"externalRefs"`
	SourceInfo       string       `json:"sourceInfo,omitempty"`
}

type spdxSum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxExtRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// Purl returns the package URL of a Debian package:
// pkg:deb/<distro>/<name>@<version>?arch=<arch>.
func Purl(distro, name, version, arch string) string {
	return fmt.Sprintf("pkg:deb/%s/%s@%s?arch=%s", distro, name, purlEscape(version), url.QueryEscape(arch))
}

// purlEscape percent-encodes what a purl version may not hold literally.
func purlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(".-_~:", r):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "%%%02X", r)
		}
	}
	return b.String()
}

// spdxID makes an SPDX identifier from free text.
func spdxID(parts ...string) string {
	var b strings.Builder
	b.WriteString("SPDXRef-Package")
	for _, p := range parts {
		b.WriteByte('-')
		for _, r := range p {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
				b.WriteRune(r)
			} else {
				b.WriteByte('-')
			}
		}
	}
	return b.String()
}

// SPDX returns the SPDX 2.3 JSON document listing an image's packages. It
// is deterministic: the namespace is derived from the package list.
func SPDX(name, distro string, pkgs []llbgen.Package, created time.Time) ([]byte, error) {
	h := sha256.New()
	doc := spdxDoc{
		SPDXVersion: "SPDX-2.3",
		DataLicense: "CC0-1.0",
		SPDXID:      "SPDXRef-DOCUMENT",
		Name:        name,
		CreationInfo: spdxCreation{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: distrofile"},
		},
		Packages:      []spdxPackage{},
		Relationships: []spdxRelationship{},
	}
	for _, p := range pkgs {
		id := spdxID("deb", p.Name, p.Architecture)
		fmt.Fprintf(h, "%s %s %s %s\n", p.Name, p.Version, p.Architecture, p.SHA256)
		sp := spdxPackage{
			Name:             p.Name,
			SPDXID:           id,
			VersionInfo:      p.Version,
			Supplier:         "NOASSERTION",
			DownloadLocation: "NOASSERTION",
			LicenseConcluded: "NOASSERTION",
			LicenseDeclared:  "NOASSERTION",
			CopyrightText:    "NOASSERTION",
			ExternalRefs: []spdxExtRef{{
				ReferenceCategory: "PACKAGE-MANAGER",
				ReferenceType:     "purl",
				ReferenceLocator:  Purl(distro, p.Name, p.Version, p.Architecture),
			}},
		}
		if p.SHA256 != "" {
			sp.Checksums = []spdxSum{{Algorithm: "SHA256", ChecksumValue: p.SHA256}}
		}
		if p.Source != "" {
			sp.SourceInfo = "built from source package " + p.Source
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, spdxRelationship{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: id})
	}
	doc.DocumentNamespace = "urn:distrofile:spdx:" + hex.EncodeToString(h.Sum(nil))
	return json.MarshalIndent(doc, "", "  ")
}

// sbomAttestation solves the SPDX document into a ref and returns the
// attestation for one platform. BuildKit then skips its scanner image.
func sbomAttestation(ctx context.Context, c client.Client, doc []byte, epoch time.Time) (*client.Attestation, error) {
	st := llbgen.FileResult(sbomPath, doc, epoch, "[distrofile] SBOM")
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.Solve(ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := r.SingleRef()
	if err != nil {
		return nil, err
	}
	return &client.Attestation{
		Kind:   gatewaypb.AttestationKind_InToto,
		Ref:    ref,
		Path:   sbomPath,
		InToto: result.InTotoAttestation{PredicateType: intoto.PredicateSPDX},
		Metadata: map[string][]byte{
			result.AttestationReasonKey: []byte(result.AttestationReasonSBOM),
		},
	}, nil
}

// recordPackages remembers the packages of a built (stage, platform), for
// the SBOM.
func (b *builder) recordPackages(st *distrofile.Stage, p ocispecs.Platform, pkgs []llbgen.Package) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.packages == nil {
		b.packages = map[string][]llbgen.Package{}
	}
	b.packages[fmt.Sprintf("%d/%s", st.Index, platforms.FormatAll(platforms.Normalize(p)))] = pkgs
}

// attachSBOMs adds an SPDX attestation of the target's packages to every
// platform of the result, when the build asks for --sbom.
func (b *builder) attachSBOMs(ctx context.Context, rb *dockerui.ResultBuilder, target *distrofile.Stage) error {
	return rb.EachPlatform(ctx, func(ctx context.Context, id string, p ocispecs.Platform) error {
		b.mu.Lock()
		pkgs, ok := b.packages[fmt.Sprintf("%d/%s", target.Index, id)]
		b.mu.Unlock()
		if !ok {
			return fmt.Errorf("internal error: no package list for platform %s", id)
		}
		distro := b.states[target].Distro
		if distro == "" {
			distro = "debian"
		}
		doc, err := SPDX(b.src.Filename+" "+target.Ref()+" "+id, distro, pkgs, b.epoch)
		if err != nil {
			return err
		}
		att, err := sbomAttestation(ctx, b.c, doc, b.epoch)
		if err != nil {
			return err
		}
		rb.AddAttestation(id, *att)
		return nil
	})
}
