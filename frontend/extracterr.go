package frontend

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/debextract/helperargs"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/gateway/client"
	gatewaypb "github.com/moby/buildkit/frontend/gateway/pb"
	solvererrdefs "github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// explainExtract turns a failed extraction step, which BuildKit reports as
// `process "/extract …" did not complete successfully`, into the
// helper's reason with the packages named, located on the INSTALL lines
// that pulled them in: it finds the step in def by the error's vertex,
// and runs it again in the helper's diagnose mode (llbgen.Diagnose). It
// returns nil when err is not a failed extraction of this build.
func (b *builder) explainExtract(ctx context.Context, def *llb.Definition, err error) error {
	var ve *solvererrdefs.VertexError
	var ee *gatewaypb.ExitError
	if !errors.As(err, &ve) || !errors.As(err, &ee) || def == nil {
		return nil
	}
	ops := map[string]*pb.Op{}
	for _, dt := range def.Def {
		var op pb.Op
		if op.UnmarshalVT(dt) == nil {
			ops[digest.FromBytes(dt).String()] = &op
		}
	}
	op := ops[ve.Digest]
	exec := op.GetExec()
	if exec == nil || len(exec.Meta.Args) == 0 || exec.Meta.Args[0] != "/extract" {
		return nil
	}
	parsed, perr := helperargs.Parse(exec.Meta.Args[1:])
	cmd, ok := parsed.(helperargs.Extract)
	if perr != nil || !ok {
		return nil
	}
	// Which package each IN.deb is: its mount's input is the fetch.
	debs := map[string]llbgen.Package{}
	names := map[string]string{}
	var ranges []parser.Range
	for _, m := range exec.Mounts {
		if m.Input < 0 || int(m.Input) >= len(op.Inputs) || !strings.HasPrefix(m.Dest, "/in") {
			continue
		}
		src := ops[op.Inputs[m.Input].Digest].GetSource()
		if src == nil {
			continue
		}
		d, ok := b.pinnedByURL(src.Identifier)
		if !ok {
			return nil
		}
		p := llbgen.Package{Package: d.pkg, FromSnapshot: b.fromSnapshot[d.pkg.SHA256] != ""}
		for _, l := range cmd.Layers {
			for _, deb := range l.Debs {
				if path.Dir(deb) == m.Dest {
					debs[deb] = p
					names[deb] = fmt.Sprintf("package %s %s", d.pkg.Name, d.pkg.Version)
				}
			}
		}
		ranges = append(ranges, d.ranges...)
	}
	if len(debs) == 0 {
		return nil
	}
	st, derr := llbgen.Diagnose(cmd, debs, llbgen.ExtractOptions{Helper: b.helper, BuildPlatform: b.bc.BuildPlatforms[0]})
	if derr != nil {
		return nil
	}
	ref, derr := b.solveRef(ctx, st)
	if derr != nil {
		return nil
	}
	why, derr := ref.ReadFile(ctx, client.ReadRequest{Filename: llbgen.DiagnosePath})
	if derr != nil || len(why) == 0 {
		return nil
	}
	msg := string(why)
	culprits := []parser.Range{}
	paths := make([]string, 0, len(names))
	for p := range names {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int { return len(b) - len(a) }) // /in/10 before /in/1
	for _, p := range paths {
		if strings.Contains(msg, p) {
			msg = strings.ReplaceAll(msg, p, names[p])
			if d, ok := b.pinnedByURL(debs[p].URL); ok {
				culprits = append(culprits, d.ranges...)
			}
		}
	}
	if len(culprits) > 0 {
		ranges = culprits
	}
	return distrofile.ErrAt(ranges, "extraction refused: %s", msg)
}

// pinnedByURL finds the .deb of the build fetched from url.
func (b *builder) pinnedByURL(url string) (pinnedDeb, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.pinned {
		if d.pkg.URL == url {
			return d, true
		}
	}
	return pinnedDeb{}, false
}
