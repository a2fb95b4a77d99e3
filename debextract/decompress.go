package debextract

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/internal/decompress"
)

// NewXZReader opens the .xz decoder that Extract uses for data.tar.xz and
// control.tar.xz (see XZDecoder): liblzma, linked through cgo, when built
// with cgo and the build tag liblzma, as the helper is released; the
// pure-Go github.com/ulikunitz/xz otherwise. Both accept concatenated
// streams and verify every integrity check; truncated input is an error.
// Close releases the decoder's memory (liblzma's is C memory).
func NewXZReader(r io.Reader) (io.ReadCloser, error) {
	z, err := decompress.NewXZReader(r)
	if err != nil {
		return nil, withKind(err)
	}
	return xzReadCloser{kindReader{z}, z}, nil
}

type xzReadCloser struct {
	kindReader
	io.Closer
}

// XZDecoder names the xz decoder of this build: "liblzma <version>", or
// the pure-Go github.com/ulikunitz/xz.
func XZDecoder() string { return decompress.XZDecoder() }

// decompressor opens the decoder for an ar member named prefix+ext, where
// prefix is "control.tar" or "data.tar". The returned close function
// releases the decoder's resources (zstd's goroutines and buffers).
func decompressor(member, prefix string, allowed []string, r io.Reader) (io.Reader, func(), error) {
	ext := strings.TrimPrefix(member, prefix)
	if !slices.Contains(allowed, ext) {
		return nil, nil, fmt.Errorf("%w: unsupported compression %q", ErrFormat, ext)
	}
	z, closeZ, err := decompress.NewReader(ext, r)
	if err != nil {
		return nil, nil, withKind(err)
	}
	return kindReader{z}, closeZ, nil
}

// kindReader gives a decoder's errors debextract's kind as well.
type kindReader struct{ io.Reader }

func (k kindReader) Read(p []byte) (int, error) {
	n, err := k.Reader.Read(p)
	return n, withKind(err)
}

// withKind returns err wrapping ErrFormat or ErrLimit as well where it
// wraps decompress's, with its text unchanged.
func withKind(err error) error {
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return err
	case errors.Is(err, decompress.ErrFormat):
		return kindError{err, ErrFormat}
	case errors.Is(err, decompress.ErrLimit):
		return kindError{err, ErrLimit}
	}
	return err
}

// kindError is err, that also is kind.
type kindError struct{ err, kind error }

func (e kindError) Error() string   { return e.err.Error() }
func (e kindError) Unwrap() []error { return []error{e.err, e.kind} }

// limitedReader returns errLimit once more than n bytes were read.
type limitedReader struct {
	r     io.Reader
	n     int64 // bytes still allowed
	limit int64
	what  string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, fmt.Errorf("%w: %s decompresses to more than %d bytes", ErrLimit, l.what, l.limit)
	}
	return n, err
}

func newLimitedReader(r io.Reader, limit int64, what string) *limitedReader {
	return &limitedReader{r: r, n: limit, limit: limit, what: what}
}
