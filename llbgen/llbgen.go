// Package llbgen turns a resolved Distrofile plan into BuildKit LLB: one
// content-addressed llb.HTTP fetch and one extracted layer per package
// (extraction ExecOps shared by the packages of one source, and by small
// packages: see PlanUnits), a
// FileOp layer with the files the frontend generates (accounts, usrmerge
// links, FILE/MKDIR/SYMLINK/COPY), one flat llb.Merge of all of them, and the
// OCI image config.
//
// Cache design (see the BuildKit pitfalls in the research notes):
//   - each fetch is pinned by the package's sha256 with a constant
//     llb.Filename, so its cache key is independent of the mirror URL;
//   - each extraction runs the helper bind-mounted alone out of the frontend
//     image (Tool), a mount BuildKit keys on the helper's content, so a
//     frontend release that does not change the helper keeps every
//     package's cache;
//   - each layer is written into an empty scratch mount of its own, so each
//     package is exactly one layer that is reused by digest across images;
//   - one flat Merge, never a chain, so one changed package changes one layer.
package llbgen

import (
	"fmt"
	"hash/fnv"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distrofile/distrofile/debextract/helperargs"
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

// helperArgs is the run option that runs the helper with the command c.
func helperArgs(c helperargs.Command) llb.RunOption {
	return llb.Args(append([]string{helperInRoot}, c.Args()...))
}

// debFilename is the constant file name of every fetched package: the HTTP
// cache key then depends on the checksum only, not on the URL.
const debFilename = "pkg.deb"

// snapshotFilename is the file name of a package fetched from the snapshot
// archive (Package.FromSnapshot): BuildKit keys a pinned fetch on its
// checksum and file name, so the name must differ from the mirror's
// failed fetch of the same checksum, which the solver would otherwise
// answer with that failure.
const snapshotFilename = "snapshot.deb"

// Tool is a static binary of the frontend image that build steps run: the
// ExecOp's root holds nothing but an empty file where the binary is
// bind-mounted, read-only, straight out of the frontend image.
//
// The mount selects the binary's path, so BuildKit keys the step on the
// binary's content, not on the image: steps stay cached across frontend
// releases for as long as the binary's bytes do not change (a build of the
// frontend alone changes nothing). Unlike a copy of the binary into a
// scratch state, nothing is written before the step can start: a cold
// build's extractions start as soon as their own packages are fetched.
type Tool struct {
	image    llb.State
	src, dst string
}

// NewTool returns the binary at src in the frontend image image, run as dst.
func NewTool(image llb.State, src, dst string) Tool {
	return Tool{image: image, src: src, dst: dst}
}

// HelperTool returns the extraction helper of the frontend image.
func HelperTool(frontendImage llb.State) Tool {
	return NewTool(frontendImage, HelperPath, helperInRoot)
}

// Run returns the ExecOp of the tool with opts (its Args start with the
// tool's path in the root). The root is read-only and constant: an empty
// file at the mount point, so no stub is created.
func (t Tool) Run(opts ...llb.RunOption) llb.ExecState {
	root := llb.Scratch().File(llb.Mkfile(t.dst, 0o555, nil, llb.WithCreatedTime(time.Unix(0, 0))),
		llb.WithCustomName("[internal] root for "+path.Base(t.dst)))
	return root.Run(append([]llb.RunOption{
		llb.ReadonlyRootFS(),
		llb.AddMount(t.dst, t.image, llb.SourcePath(t.src), llb.Readonly),
	}, opts...)...)
}

// ExtractOptions control how packages are unpacked.
type ExtractOptions struct {
	// Helper is the extraction helper (see HelperTool).
	Helper Tool
	// BuildPlatform is the worker's platform: the helper always runs
	// natively there, whatever the target platform is.
	BuildPlatform ocispecs.Platform
	// UsrMerge rewrites /bin, /sbin and /lib* paths into /usr.
	UsrMerge bool
	// NoDpkgStatus writes no status.d files: the packages are installed on
	// an image that keeps its dpkg database in /var/lib/dpkg/status, which
	// the effects step extends (Plan.DpkgStatusFile).
	NoDpkgStatus bool
	// MaxMTime, when non-zero, clamps every extracted mtime (SOURCE_DATE_EPOCH).
	MaxMTime time.Time
	// Drop are the DROP globs and presets, applied inside extraction.
	Drop []string
	// DropScan, when set, says which of Drop remove something from which
	// package: each extraction gets only the specifications that change
	// one of its packages, so a DROP change re-runs only those. A
	// specification it did not scan, or a package it has no entry for,
	// goes to the extraction as it would without it.
	DropScan *DropScan
	// MaxLayers is the package-layer budget (DefaultMaxLayers when 0).
	MaxLayers int
	// NoMerge stacks layers with copies instead of llb.Merge, for builders
	// that lack MergeOp.
	NoMerge bool
	// NoContentHash stops BuildKit from hashing the content of the
	// extractions' read-only inputs for their cache keys (the builder must
	// support pb.CapExecMountContentCache). The .debs are pinned by sha256
	// already, and the merged root that update-ca-certificates reads is
	// made of pinned layers: hashing them again costs a walk and a read of
	// every file, and makes BuildKit materialise the merge early.
	NoContentHash bool
	// IgnoreCache re-runs every extraction and the generated files
	// (--no-cache). Fetches pinned by sha256 stay cached: their content
	// cannot differ.
	IgnoreCache bool
	// CAFromAllLayers makes the step that writes the CA bundle read every
	// package layer, as update-ca-certificates reads the whole root. By
	// default (see Build) it reads the layers of Plan.CAOwners alone, and
	// every extraction refuses another package that ships what
	// update-ca-certificates reads (debextract.Options.CAOwners, exit
	// status debextract.ExitCAFiles): the frontend then builds again with
	// this set.
	CAFromAllLayers bool

	// caOwners, when not nil, are the packages that may ship what
	// update-ca-certificates reads: each extraction gets --ca-owners with
	// those among its packages (set by Build).
	caOwners []string
}

// Package is a resolved package with the LLB constraints (source location)
// of the instruction that asked for it.
type Package struct {
	*debresolve.Package
	Constraints []llb.ConstraintsOpt
	// FromSnapshot: the URL is the snapshot archive's, the mirror no
	// longer having the file.
	FromSnapshot bool
}

// filename is the name the package's .deb is fetched as.
func (p Package) filename() string {
	if p.FromSnapshot {
		return snapshotFilename
	}
	return debFilename
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
		llb.Filename(p.filename()),
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
	st, err := ExtractUnit([][]Package{{p}}, opt)
	if err != nil {
		return llb.State{}, err
	}
	return st[0].Root, nil
}

// Extracted is one layer of packages that an extraction wrote.
type Extracted struct {
	// Root is the layer.
	Root llb.State
	// lists, in listsDir, are what each package has in the layer
	// (owners.List files), in an output of the step that is no layer of
	// the image: EffectsLayer checks them across layers.
	lists    *llb.State
	listsDir string
}

// listsMount is where an extraction writes its layers' lists.
const listsMount = "/lists"

// ExtractUnit returns the layers that one extraction ExecOp writes: layer i
// holds the extracted trees of layers[i], in order (within a layer the
// rules of package owners apply: a package's file replaces another's only
// when it Replaces it), in an output mount of its own, so each stays one
// image layer. The helper extracts the layers in parallel. The ExecOp's
// cache key covers every package of the unit: see PlanUnits for which
// layers share one.
func ExtractUnit(layers [][]Package, opt ExtractOptions) ([]Extracted, error) {
	cmd := helperargs.Extract{DpkgStatus: !opt.NoDpkgStatus, UsrMerge: opt.UsrMerge, MaxMTime: opt.MaxMTime, Drop: opt.unitDrops(layers), Lists: listsMount}
	if opt.caOwners != nil {
		own := []string{}
		for _, l := range layers {
			for _, p := range l {
				if slices.Contains(opt.caOwners, p.Name) {
					own = append(own, p.Name)
				}
			}
		}
		cmd.CAOwners = own
	}
	return opt.runExtract(cmd, layers, "")
}

// LocaleLayer returns the layer of the C.utf8 locale (debresolve.Closure's
// Locale): debresolve.LocalePaths out of p's .deb, extracted with opt, so
// that DROP applies, and without a dpkg status, since p is not installed.
func LocaleLayer(p Package, opt ExtractOptions) (llb.State, error) {
	cmd := helperargs.Extract{UsrMerge: opt.UsrMerge, MaxMTime: opt.MaxMTime, Only: debresolve.LocalePaths, Drop: opt.Drop}
	st, err := opt.runExtract(cmd, [][]Package{{p}}, "[distrofile] the C.utf8 locale, from "+p.Label())
	if err != nil {
		return llb.State{}, err
	}
	return st[0].Root, nil
}

// runExtract runs the helper's Extract cmd, with its layers filled in
// from layers, as one ExecOp named name (by default "extract" and the
// packages).
func (opt ExtractOptions) runExtract(cmd helperargs.Extract, layers [][]Package, name string) ([]Extracted, error) {
	runOpts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(opt.BuildPlatform),
	}
	if opt.IgnoreCache {
		runOpts = append(runOpts, llb.IgnoreCache)
	}
	n := 0
	for _, l := range layers {
		n += len(l)
	}
	var labels, outs []string
	k := 0
	for j, l := range layers {
		var layer helperargs.Layer
		for _, p := range l {
			dir := "/in"
			if n > 1 {
				dir = "/in/" + strconv.Itoa(k)
			}
			k++
			mount, deb, err := opt.debInput(p, dir)
			if err != nil {
				return nil, err
			}
			runOpts = append(runOpts, mount)
			layer.Debs = append(layer.Debs, deb)
			labels = append(labels, p.Label())
			for _, c := range p.Constraints {
				runOpts = append(runOpts, c)
			}
		}
		out := "/out"
		if len(layers) > 1 {
			out = "/out/" + strconv.Itoa(j)
		}
		layer.Out = out
		cmd.Layers = append(cmd.Layers, layer)
		outs = append(outs, out)
	}
	if n == 0 {
		return nil, fmt.Errorf("llbgen: an extraction without packages")
	}
	if name == "" {
		name = "extract " + strings.Join(labels, ", ")
	}
	runOpts = append(runOpts, helperArgs(cmd), llb.WithCustomName(name))
	es := opt.Helper.Run(runOpts...)
	states := make([]Extracted, len(outs))
	for j, out := range outs {
		states[j].Root = es.AddMount(out, llb.Scratch())
	}
	if cmd.Lists != "" {
		lists := es.AddMount(cmd.Lists, llb.Scratch())
		for j := range states {
			states[j].lists, states[j].listsDir = &lists, "/"+strconv.Itoa(j)
		}
	}
	return states, nil
}

// debInput returns the mount of p's fetched .deb at dir, read-only, and
// the .deb's path in the step.
func (opt ExtractOptions) debInput(p Package, dir string) (llb.RunOption, string, error) {
	deb, err := Fetch(p)
	if err != nil {
		return nil, "", err
	}
	return llb.AddMount(dir, deb, opt.inputMount()...), path.Join(dir, p.filename()), nil
}

// inputMount returns the options of a read-only input mount.
func (opt ExtractOptions) inputMount() []llb.MountOption {
	if opt.NoContentHash {
		return []llb.MountOption{llb.Readonly, llb.ContentCache(llb.MountContentCacheOff)}
	}
	return []llb.MountOption{llb.Readonly}
}

// TinyUnit is the size (of the .debs, compressed) under which a unit
// shares its extraction ExecOp with other small ones: starting a container
// costs BuildKit and runc about 0.06–0.1 CPU s, what the helper needs to
// extract about 1 MiB of .deb (liblzma: ~80 MB/s of output per core).
const TinyUnit = 1 << 20

// TinyBucket is about how much .deb the small units of one architecture
// class share an ExecOp for: per class, ceil(total / TinyBucket) buckets.
const TinyBucket = 2 << 20

// PlanUnits groups layers (see GroupPackages) into extraction units, one
// ExecOp each, and returns them as indexes into layers, in the order of
// their first layer. Starting a container per package costs more than
// extracting most packages, so:
//   - the single-package layers of one source package (read off the pool
//     path: pool/<component>/<prefix>/<source>/…) share a unit, because the
//     archive updates them together: perl, perl-base and libperl5.40 change
//     in the same upload, so sharing costs no extra re-extraction;
//     Architecture: all packages are kept apart from the others, so that one
//     extraction serves every platform of a multi-platform build;
//   - units smaller than TinyUnit share buckets, per architecture class,
//     of about TinyBucket of .debs each: ceil(total / TinyBucket) buckets,
//     a unit's bucket chosen by jump consistent hashing of its key, so that
//     the count can grow with the set while few units move. Adding or
//     updating one small package re-runs its bucket, about 2 MiB of .debs
//     (buckets are as even as the hash makes them). Fewer, bigger buckets
//     cost less in a cold build (examples/perl, 7 cold builds each on a
//     tmpfs: 8 units 1.91 s and 3.03 CPU s, 6 units 1.84 s and 2.83 CPU s;
//     4 units, with 4 MiB and 8 MiB limits, 0.13 s less again), but one
//     bucket for all of examples/big's small packages (70) was its cold
//     build's longest step (4.3 s) and re-ran for any of them, and with 8
//     MiB buckets pinning ca-certificates re-extracts perl-modules too
//     (0.66–0.73 s against 0.49–0.54 s).
//
// Layers and units stay independent of whether the plan came from the
// lockfile or the index, so locked and unlocked builds share the cache.
func PlanUnits(layers [][]Package) [][]int {
	var keys []string
	byKey := map[string][]int{}
	size := map[string]int64{}
	for i, l := range layers {
		k := unitKey(l)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], i)
		for _, p := range l {
			size[k] += p.Size
		}
	}
	// Architecture: all packages never share a bucket with the others,
	// so that every platform of a build shares theirs.
	classTotal := map[string]int64{}
	for _, k := range keys {
		if size[k] < TinyUnit {
			class, _, _ := strings.Cut(k, ":")
			classTotal[class] += size[k]
		}
	}
	var units [][]int
	tiny := map[string]int{} // bucket → index in units
	for _, k := range keys {
		if size[k] >= TinyUnit {
			units = append(units, byKey[k])
			continue
		}
		class, _, _ := strings.Cut(k, ":")
		n := int((classTotal[class] + TinyBucket - 1) / TinyBucket)
		h := fnv.New64a()
		h.Write([]byte(k))
		b := class + strconv.Itoa(jumpHash(h.Sum64(), max(n, 1)))
		if u, ok := tiny[b]; ok {
			units[u] = append(units[u], byKey[k]...)
			continue
		}
		tiny[b] = len(units)
		units = append(units, byKey[k])
	}
	for _, u := range units {
		slices.Sort(u)
	}
	return units
}

// jumpHash is Lamping and Veach's jump consistent hash: key's bucket among
// n, such that going from n to n+1 buckets moves only a 1/(n+1) share of
// the keys, all into the new bucket.
func jumpHash(key uint64, n int) int {
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// unitKey names the unit a layer belongs to by itself: its source package
// (with the architecture class) for a single package, else its packages.
func unitKey(l []Package) string {
	if len(l) != 1 {
		names := make([]string, len(l))
		for i, p := range l {
			names[i] = p.Name
		}
		return "layer:" + strings.Join(names, " ")
	}
	p := l[0]
	class := "arch"
	if p.Architecture == "all" {
		class = "all"
	}
	return class + ":" + SourceName(p.Package)
}

// SourceName is the source package of p as its pool path names it
// (pool/<component>/<prefix>/<source>/<file>.deb), or p's own name when the
// archive does not use Debian's pool layout
// (pool/…/<prefix>/<source>/, the prefix being the source's first letter
// or "lib" and the next one).
func SourceName(p *debresolve.Package) string {
	parts := strings.Split(p.Filename, "/")
	n := len(parts)
	if n < 4 || !slices.Contains(parts[:n-3], "pool") {
		return p.Name
	}
	// The prefix directory is the source's first letter, or "lib" and
	// the next one: "p/perl", "libs/libssh2".
	if src, prefix := parts[n-2], parts[n-3]; prefix != "" && len(src) > len(prefix) && strings.HasPrefix(src, prefix) {
		return src
	}
	return p.Name
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

// DiagnosePath is where DiagnoseOp's state holds the error of the
// helper's second run of a failed step.
const DiagnosePath = "/error"

// diagMount is where that second run writes it.
const diagMount = "/diag"

// DiagnoseOp returns a definition that runs the helper step dgst of def
// again, in its diagnose mode: with the same inputs and mounts, never from
// the cache, writing its error to DiagnosePath of the returned
// definition's result instead of failing (none when it passes this time).
// The step must be one of the helper's forms that take --diagnose: an
// extraction of packages or the effects step.
func DiagnoseOp(def *llb.Definition, dgst digest.Digest) (*llb.Definition, error) {
	var op *pb.Op
	for _, dt := range def.Def {
		if digest.FromBytes(dt) == dgst {
			op = &pb.Op{}
			if err := op.UnmarshalVT(dt); err != nil {
				return nil, err
			}
		}
	}
	exec := op.GetExec()
	if exec == nil || len(exec.Meta.Args) == 0 || exec.Meta.Args[0] != helperInRoot {
		return nil, fmt.Errorf("llbgen: step %s is not the helper's", dgst)
	}
	switch c, err := helperargs.Parse(exec.Meta.Args[1:]); c.(type) {
	case helperargs.Extract, helperargs.Effects:
	default:
		return nil, fmt.Errorf("llbgen: step %s cannot be diagnosed (%T, %v)", dgst, c, err)
	}
	args := slices.Clone(exec.Meta.Args)
	// The flag goes before the operands ("--" may end the flags).
	flag := "--diagnose=" + diagMount + DiagnosePath
	at := len(args)
	for i, a := range args[1:] {
		if a == "--" || !strings.HasPrefix(a, "-") {
			at = i + 1
			break
		}
	}
	exec.Meta.Args = slices.Insert(args, at, flag)
	out := int64(0)
	for _, m := range exec.Mounts {
		out = max(out, int64(m.Output)+1)
	}
	exec.Mounts = append(exec.Mounts, &pb.Mount{Input: int64(pb.Empty), Dest: diagMount, Output: out})
	dt, err := op.MarshalVT()
	if err != nil {
		return nil, err
	}
	d := digest.FromBytes(dt)
	term, err := (&pb.Op{Inputs: []*pb.Input{{Digest: string(d), Index: out}}}).MarshalVT()
	if err != nil {
		return nil, err
	}
	nd := &llb.Definition{Def: append(slices.Clone(def.Def), dt, term), Metadata: maps.Clone(def.Metadata), Source: def.Source}
	md := def.Metadata[dgst]
	md.IgnoreCache = true
	md.Description = map[string]string{"llb.customname": "[distrofile] why the step failed"}
	nd.Metadata[d] = md
	return nd, nil
}
