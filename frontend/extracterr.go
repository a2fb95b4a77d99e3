package frontend

import (
	"context"
	"errors"
	"fmt"
	"maps"
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

// explainExtract turns a failed helper step, which BuildKit reports as
// `process "/extract …" did not complete successfully`, into the helper's
// reason with the packages named, located on the INSTALL lines that
// pulled them in: it finds the step in def by the error's vertex, and
// runs it again in the helper's diagnose mode (llbgen.DiagnoseOp). The
// steps are the extractions (a refused entry, or a conflict between
// packages of one layer) and the effects step (a conflict between
// packages of different layers). It returns nil when err is not such a
// failure of this build.
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
	if exec == nil || len(exec.Meta.Args) == 0 {
		return nil
	}
	parsed, perr := helperargs.Parse(exec.Meta.Args[1:])
	if perr != nil {
		return nil
	}
	var debPaths []string
	what := "extraction refused"
	switch c := parsed.(type) {
	case helperargs.Extract:
		for _, l := range c.Layers {
			debPaths = append(debPaths, l.Debs...)
		}
	case helperargs.Effects:
		debPaths, what = c.Debs, "" // "packages conflict: …", "effects: …"
	default:
		return nil
	}
	// Which package each IN.deb is: its mount's input is the fetch.
	debs := map[string]pinnedDeb{}
	for _, m := range exec.Mounts {
		if m.Input < 0 || int(m.Input) >= len(op.Inputs) {
			continue
		}
		src := ops[op.Inputs[m.Input].Digest].GetSource()
		if src == nil {
			continue
		}
		for _, deb := range debPaths {
			if path.Dir(deb) == m.Dest {
				if d, ok := b.pinnedByURL(src.Identifier); ok {
					debs[deb] = d
				}
			}
		}
	}
	if len(debs) == 0 {
		return nil
	}
	ddef, derr := llbgen.DiagnoseOp(def, digest.Digest(ve.Digest))
	if derr != nil {
		return nil
	}
	ref, derr := b.solveDef(ctx, ddef)
	if derr != nil {
		return nil
	}
	why, derr := ref.ReadFile(ctx, client.ReadRequest{Filename: llbgen.DiagnosePath})
	if derr != nil || len(why) == 0 {
		return nil
	}
	msg := string(why)
	var ranges, culprits []parser.Range
	paths := slices.SortedFunc(maps.Keys(debs), func(a, b string) int { return len(b) - len(a) }) // /in/10 before /in/1
	for _, p := range paths {
		d := debs[p]
		ranges = append(ranges, d.ranges...)
		named := fmt.Sprintf("package %s %s", d.pkg.Name, d.pkg.Version)
		if strings.Contains(msg, p) || strings.Contains(msg, named) {
			msg = strings.ReplaceAll(msg, p, named)
			culprits = append(culprits, d.ranges...)
		}
	}
	if len(culprits) > 0 {
		ranges = culprits
	}
	if what != "" {
		msg = what + ": " + msg
	}
	return distrofile.ErrAt(ranges, "%s", msg)
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
