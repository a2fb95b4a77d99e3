package llbgen

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/helperargs"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

// DropScan records which DROP specifications remove something from which
// package (debextract.ScanDrops), as Distrofile.lock keeps it.
type DropScan struct {
	// Specs are the specifications scanned for.
	Specs []string
	// Drops maps a package's sha256 to those of Specs that remove
	// something from it; a package scanned that loses nothing has an
	// empty entry.
	Drops map[string][]string
}

// unitDrops returns the Drop specifications an extraction of layers gets:
// all of them without a DropScan, else those that the scan did not cover
// or that remove something from one of the packages. Leaving out a
// specification that removes nothing changes no byte of the output, and
// keeps the step's cache key when such a specification is added.
func (opt ExtractOptions) unitDrops(layers [][]Package) []string {
	if opt.DropScan == nil {
		return opt.Drop
	}
	var out []string
	for _, d := range opt.Drop {
		if opt.DropScan.affects(d, layers) {
			out = append(out, d)
		}
	}
	return out
}

// affects reports whether spec may change the extraction of layers.
func (s *DropScan) affects(spec string, layers [][]Package) bool {
	if !slices.Contains(s.Specs, spec) {
		return true
	}
	for _, l := range layers {
		for _, p := range l {
			drops, ok := s.Drops[p.SHA256]
			if !ok || slices.Contains(drops, spec) {
				return true
			}
		}
	}
	return false
}

// DropScanFile is where ScanDrops' state holds the helper's answer
// (distrofile-extract --scan-drops writes debextract.DropScanFile in its
// output).
const DropScanFile = "/" + debextract.DropScanFile

// ScanDrops returns the ExecOp that scans pkgs for opt.Drop
// (distrofile-extract --scan-drops, with opt.UsrMerge): its state holds
// the answer, which ReadDropScan reads. The .debs are the same fetches as
// the extractions', so a scan after a build downloads nothing.
func ScanDrops(pkgs []Package, opt ExtractOptions) (llb.State, error) {
	if len(pkgs) == 0 {
		return llb.State{}, fmt.Errorf("llbgen: a scan without packages")
	}
	cmd := helperargs.ScanDrops{UsrMerge: opt.UsrMerge, Drop: opt.Drop, Out: "/out"}
	runOpts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(opt.BuildPlatform),
		llb.WithCustomName(fmt.Sprintf("scan %d packages for DROP", len(pkgs))),
	}
	for i, p := range pkgs {
		mount, deb, err := opt.debInput(p, "/in/"+strconv.Itoa(i))
		if err != nil {
			return llb.State{}, err
		}
		runOpts = append(runOpts, mount)
		cmd.Debs = append(cmd.Debs, deb)
	}
	runOpts = append(runOpts, helperArgs(cmd))
	return opt.Helper.Run(runOpts...).AddMount("/out", llb.Scratch()), nil
}

// ReadDropScan parses what the ScanDrops step of pkgs and specs wrote.
func ReadDropScan(data []byte, pkgs []Package, specs []string) (*DropScan, error) {
	var per [][]string
	if err := json.Unmarshal(data, &per); err != nil {
		return nil, fmt.Errorf("DROP scan: %w", err)
	}
	if len(per) != len(pkgs) {
		return nil, fmt.Errorf("DROP scan: %d answers for %d packages", len(per), len(pkgs))
	}
	s := &DropScan{Specs: slices.Clone(specs), Drops: map[string][]string{}}
	for i, p := range pkgs {
		for _, d := range per[i] {
			if !slices.Contains(specs, d) {
				return nil, fmt.Errorf("DROP scan: package %s: unknown specification %q", p.Label(), d)
			}
		}
		s.Drops[p.SHA256] = per[i]
	}
	return s, nil
}
