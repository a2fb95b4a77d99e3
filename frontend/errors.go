package frontend

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
)

// LocatedError is an error that belongs to one or more ranges of the
// Distrofile. The build wraps it into BuildKit's source-info error so that
// buildx prints the offending lines.
type LocatedError struct {
	Err    error
	Ranges []parser.Range
}

func (e *LocatedError) Error() string {
	if len(e.Ranges) == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Ranges[0].Start.Line, e.Err)
}

func (e *LocatedError) Unwrap() error { return e.Err }

// errAt returns err located at the given ranges.
func errAt(ranges []parser.Range, format string, args ...any) error {
	return &LocatedError{Err: fmt.Errorf(format, args...), Ranges: ranges}
}

// locate attaches ranges to err unless it already carries a location.
func locate(err error, ranges []parser.Range) error {
	if err == nil {
		return nil
	}
	var le *LocatedError
	if errors.As(err, &le) {
		return err
	}
	return &LocatedError{Err: err, Ranges: ranges}
}

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
	var le *LocatedError
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
