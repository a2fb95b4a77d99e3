package frontend

import (
	"errors"

	"github.com/distrofile/distrofile/distrofile"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
)

// pbRanges converts parser ranges to BuildKit's protobuf ranges.
func pbRanges(rs []parser.Range) []*pb.Range {
	out := make([]*pb.Range, 0, len(rs))
	for _, r := range rs {
		out = append(out, &pb.Range{
			Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Character)},
			End:   &pb.Position{Line: int32(r.End.Line), Character: int32(r.End.Character)},
		})
	}
	return out
}

// withSource turns a LocatedError into an error carrying BuildKit source
// information for sm, so that clients show the Distrofile lines.
func withSource(err error, sm *llb.SourceMap) error {
	var le *distrofile.LocatedError
	if err == nil || sm == nil || !errors.As(err, &le) || len(errdefs.Sources(err)) > 0 {
		return err
	}
	return errdefs.WithSource(err, &errdefs.Source{
		Info: &pb.SourceInfo{
			Data:       sm.Data,
			Filename:   sm.Filename,
			Language:   sm.Language,
			Definition: sm.Definition.ToPB(),
		},
		Ranges: pbRanges(le.Ranges),
	})
}
