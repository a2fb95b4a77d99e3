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
	"hash/fnv"
	"path"
	"strconv"
	"strings"
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
	// Drop are the DROP globs and presets, applied inside extraction.
	Drop []string
	// MaxLayers is the package-layer budget (DefaultMaxLayers when 0).
	MaxLayers int
	// NoMerge stacks layers with copies instead of llb.Merge, for builders
	// that lack MergeOp.
	NoMerge bool
	// IgnoreCache re-runs every extraction and the generated files
	// (--no-cache). Fetches pinned by sha256 stay cached: their content
	// cannot differ.
	IgnoreCache bool
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
		// The URL is in the name because BuildKit's "digest mismatch"
		// error names only the digests; the name is not in the cache key.
		llb.WithCustomName("fetch " + p.Label() + " from " + p.URL),
	}
	for _, c := range p.Constraints {
		opts = append(opts, c)
	}
	return llb.HTTP(p.URL, opts...), nil
}

// Extract returns the package's extracted tree: one layer.
func Extract(p Package, opt ExtractOptions) (llb.State, error) {
	return ExtractGroup([]Package{p}, opt)
}

// ExtractGroup returns one layer holding the extracted trees of pkgs, in
// order (a later package's file replaces an earlier one's, as with dpkg).
func ExtractGroup(pkgs []Package, opt ExtractOptions) (llb.State, error) {
	args := []string{helperInRoot, "--dpkg-status"}
	if opt.UsrMerge {
		args = append(args, "--usrmerge")
	}
	if !opt.MaxMTime.IsZero() {
		args = append(args, "--max-mtime="+strconv.FormatInt(opt.MaxMTime.Unix(), 10))
	}
	for _, d := range opt.Drop {
		args = append(args, "--drop="+d)
	}
	runOpts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(opt.BuildPlatform),
		llb.ReadonlyRootFS(),
	}
	if opt.IgnoreCache {
		runOpts = append(runOpts, llb.IgnoreCache)
	}
	var labels []string
	for i, p := range pkgs {
		deb, err := Fetch(p)
		if err != nil {
			return llb.State{}, err
		}
		dir := "/in"
		if len(pkgs) > 1 {
			dir = "/in/" + strconv.Itoa(i)
		}
		runOpts = append(runOpts, llb.AddMount(dir, deb, llb.Readonly))
		args = append(args, path.Join(dir, debFilename))
		labels = append(labels, p.Label())
		for _, c := range p.Constraints {
			runOpts = append(runOpts, c)
		}
	}
	args = append(args, "/out")
	name := "extract " + labels[0]
	if len(pkgs) > 1 {
		name = fmt.Sprintf("extract %d packages: %s", len(pkgs), strings.Join(labels, ", "))
	}
	runOpts = append(runOpts, llb.Args(args), llb.WithCustomName(name))
	es := opt.Helper.Run(runOpts...)
	return es.AddMount("/out", llb.Scratch()), nil
}

// DefaultMaxLayers is how many package layers an image gets before packages
// are grouped: Docker's classic store refuses more than 125 layers, and
// overlayfs mounts get slow and hit option-size limits long before 500.
const DefaultMaxLayers = 64

// GroupPackages splits pkgs into at most max layers. Up to max packages, each is
// its own layer. Beyond, a package goes to bucket fnv32a(name) mod max: the
// same set always gives the same groups, and adding or updating one package
// changes exactly one layer. Within a group packages keep their order.
func GroupPackages(pkgs []Package, max int) [][]Package {
	if max <= 0 {
		max = DefaultMaxLayers
	}
	if len(pkgs) <= max {
		out := make([][]Package, len(pkgs))
		for i, p := range pkgs {
			out[i] = []Package{p}
		}
		return out
	}
	buckets := make([][]Package, max)
	for _, p := range pkgs {
		h := fnv.New32a()
		h.Write([]byte(p.Name))
		b := h.Sum32() % uint32(max)
		buckets[b] = append(buckets[b], p)
	}
	out := buckets[:0]
	for _, b := range buckets {
		if len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}
