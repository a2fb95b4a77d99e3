// Package llbgen turns a resolved Distrofile plan into BuildKit LLB: one
// content-addressed llb.HTTP fetch and one extraction ExecOp per package, a
// FileOp layer with the files the frontend generates (accounts, usrmerge
// links, FILE/MKDIR/SYMLINK/COPY), one flat llb.Merge of all of them, and the
// OCI image config.
//
// Cache design (see the BuildKit pitfalls in the research notes):
//   - each fetch is pinned by the package's sha256 with a constant
//     llb.Filename, so its cache key is independent of the mirror URL;
//   - each extraction runs the helper from a scratch rootfs that holds only
//     the helper binary copied out of the frontend image, so a frontend
//     release that does not change the helper keeps every package's cache;
//   - each extraction writes into an empty scratch mount, so each package is
//     exactly one layer that is reused by digest across images;
//   - one flat Merge, never a chain, so one changed package changes one layer.
package llbgen

import (
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// HelperPath is where the frontend image carries the extraction helper.
const HelperPath = "/usr/libexec/distrofile-extract"

// helperInRoot is where the helper sits in the extraction rootfs.
const helperInRoot = "/extract"

// debFilename is the constant file name of every fetched package: the HTTP
// cache key then depends on the checksum only, not on the URL.
const debFilename = "pkg.deb"

// HelperState returns a scratch state that holds only the extraction helper,
// copied out of the frontend image. FileOp copies are content-hashed, so the
// execs that use it stay cached for as long as the helper's bytes do not change.
func HelperState(frontendImage llb.State) llb.State {
	return llb.Scratch().File(
		llb.Copy(frontendImage, HelperPath, helperInRoot),
		llb.WithCustomName("[internal] extraction helper"),
	)
}

// ExtractOptions control how packages are unpacked.
type ExtractOptions struct {
	// Helper is the rootfs holding the helper (see HelperState).
	Helper llb.State
	// BuildPlatform is the worker's platform: the helper always runs
	// natively there, whatever the target platform is.
	BuildPlatform ocispecs.Platform
	// UsrMerge rewrites /bin, /sbin and /lib* paths into /usr.
	UsrMerge bool
	// MaxMTime, when non-zero, clamps every extracted mtime (SOURCE_DATE_EPOCH).
	MaxMTime time.Time
}

// Package is a resolved package with the LLB constraints (source location)
// of the instruction that asked for it.
type Package struct {
	*debresolve.Package
	Constraints []llb.ConstraintsOpt
}

// Label is how vertices name the package: "perl 5.40.1-6".
func (p Package) Label() string {
	return p.Name + " " + p.Version
}

// Fetch returns the state holding the package's .deb as /pkg.deb, pinned
// by its sha256.
func Fetch(p Package) (llb.State, error) {
	if len(p.SHA256) != 64 {
		return llb.State{}, fmt.Errorf("package %s: no sha256 in the index", p.Label())
	}
	dgst := digest.NewDigestFromEncoded(digest.SHA256, p.SHA256)
	if err := dgst.Validate(); err != nil {
		return llb.State{}, fmt.Errorf("package %s: bad sha256 %q: %w", p.Label(), p.SHA256, err)
	}
	opts := []llb.HTTPOption{
		llb.Checksum(dgst),
		llb.Filename(debFilename),
		llb.WithCustomName("fetch " + p.Label()),
	}
	for _, c := range p.Constraints {
		opts = append(opts, c)
	}
	return llb.HTTP(p.URL, opts...), nil
}

// Extract returns the package's extracted tree: one layer.
func Extract(p Package, opt ExtractOptions) (llb.State, error) {
	deb, err := Fetch(p)
	if err != nil {
		return llb.State{}, err
	}
	args := []string{helperInRoot, "--dpkg-status"}
	if opt.UsrMerge {
		args = append(args, "--usrmerge")
	}
	if !opt.MaxMTime.IsZero() {
		args = append(args, "--max-mtime="+strconv.FormatInt(opt.MaxMTime.Unix(), 10))
	}
	args = append(args, path.Join("/in", debFilename), "/out")
	runOpts := []llb.RunOption{
		llb.Args(args),
		llb.Network(pb.NetMode_NONE),
		llb.Platform(opt.BuildPlatform),
		llb.ReadonlyRootFS(),
		llb.AddMount("/in", deb, llb.Readonly),
		llb.WithCustomName("extract " + p.Label()),
	}
	for _, c := range p.Constraints {
		runOpts = append(runOpts, c)
	}
	es := opt.Helper.Run(runOpts...)
	return es.AddMount("/out", llb.Scratch()), nil
}
