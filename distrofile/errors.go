package distrofile

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
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

// ErrAt returns err located at the given ranges.
func ErrAt(ranges []parser.Range, format string, args ...any) error {
	return &LocatedError{Err: fmt.Errorf(format, args...), Ranges: ranges}
}

// Locate attaches ranges to err unless it already carries a location.
func Locate(err error, ranges []parser.Range) error {
	if err == nil {
		return nil
	}
	var le *LocatedError
	if errors.As(err, &le) {
		return err
	}
	return &LocatedError{Err: err, Ranges: ranges}
}
