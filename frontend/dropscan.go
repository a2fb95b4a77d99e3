package frontend

import (
	"context"
	"fmt"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// scanInExec is the DropScanner of the lock target: one helper step scans
// every package, from the same fetches as the extractions (so a scan
// after a build downloads nothing, and the answer is cached like them).
func (b *builder) scanInExec(ctx context.Context, specs []string, usrMerge bool, pkgs []*debresolve.Package) (map[string][]string, error) {
	lp := make([]llbgen.Package, len(pkgs))
	for i, p := range pkgs {
		lp[i] = llbgen.Package{Package: p}
	}
	opt := llbgen.ExtractOptions{Helper: b.helper, BuildPlatform: b.bc.BuildPlatforms[0], UsrMerge: usrMerge, Drop: specs, NoContentHash: b.noHash}
	st, err := llbgen.ScanDrops(lp, opt)
	if err != nil {
		return nil, err
	}
	ref, err := b.solveRef(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("scanning packages for DROP: %w", err)
	}
	data, err := ref.ReadFile(ctx, client.ReadRequest{Filename: llbgen.DropScanFile})
	if err != nil {
		return nil, fmt.Errorf("scanning packages for DROP: %w", err)
	}
	s, err := llbgen.ReadDropScan(data, lp, specs)
	if err != nil {
		return nil, err
	}
	return s.Drops, nil
}
