package llbgen

import (
	"fmt"
	"path"
	"slices"
	"strconv"

	"github.com/distrofile/distrofile/debextract/helperargs"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

// EffectsWarningsFile is where the effects layer records, as a JSON array
// of strings, what the step could not reproduce, when there is anything:
// the frontend reads it to report each warning in the build, and it stays
// in the image for whoever wonders why a script's effect is missing. It
// is in the layer, not in an output of its own, so that a rebuild from
// --cache-from reads it without running the step (and fetching every
// .deb) again: a remote cache holds the image's graph only.
const EffectsWarningsFile = "/var/lib/distrofile/effects-warnings.json"

// EffectsLayer returns the step that stands in for the packages'
// maintainer scripts, triggers and declarative files (package
// debextract/effects): it reads the control archive of every fetched
// .deb, in plan order, and the image made of the package layers and the
// generated-files layer on top, and writes what dpkg and apt would have
// left: alternatives, accounts, configuration files, links, run-time
// directories, ld.so.cache, the Java trust store. It runs after the last
// extraction; its layer goes on top of the others.
//
// First it checks, with package owners' rules, the paths that packages
// in different layers share (each layer's extraction checked its own), and
// puts the entry of a package that Replaces another in a higher layer on
// top: the outcome is the same whatever the layering.
func EffectsLayer(plan Plan, pkgLayers []Extracted, files llb.State, opt ExtractOptions) (llb.State, error) {
	cmd := helperargs.Effects{Arch: plan.Arch, MaxMTime: plan.Epoch, Warnings: EffectsWarningsFile, DpkgStatusFile: plan.DpkgStatusFile,
		KeepDirs: implicitDirs(plan.Files), Out: "/out"}
	runOpts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(opt.BuildPlatform),
		llb.WithCustomName(fmt.Sprintf("[distrofile] maintainer scripts and triggers of %d packages", len(plan.Packages))),
	}
	if opt.IgnoreCache {
		runOpts = append(runOpts, llb.IgnoreCache)
	}
	for i, l := range append(slices.Clone(pkgLayers), Extracted{Root: files}) {
		dir := "/root/" + strconv.Itoa(i)
		cmd.Roots = append(cmd.Roots, dir)
		runOpts = append(runOpts, llb.AddMount(dir, l.Root, opt.inputMount()...))
		if l.lists != nil {
			cmd.Lists = listsMount
			runOpts = append(runOpts, llb.AddMount(path.Join(listsMount, strconv.Itoa(i)), *l.lists, append(opt.inputMount(), llb.SourcePath(l.listsDir))...))
		}
	}
	for i, p := range plan.Packages {
		mount, deb, err := opt.debInput(p, path.Join("/deb", strconv.Itoa(i)))
		if err != nil {
			return llb.State{}, err
		}
		runOpts = append(runOpts, mount)
		cmd.Debs = append(cmd.Debs, deb)
	}
	es := opt.Helper.Run(append(runOpts, helperArgs(cmd))...)
	return es.AddMount("/out", llb.Scratch()), nil
}

// implicitDirs are the directories the generated files make only where
// nothing else does (imagespec.File.Implicit), sorted: the effects step
// gives those a package has the package's owner and mode again.
func implicitDirs(files []File) []string {
	var out []string
	for _, f := range files {
		if f.Kind == imagespec.KindDir && f.Implicit {
			out = append(out, path.Clean(f.Path))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
