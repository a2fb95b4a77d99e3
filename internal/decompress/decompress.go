// Package decompress is the one table of the compressions this module
// reads, by file extension: gzip, xz, zstd and bzip2, for the members of a
// .deb (debextract) and the archive's indexes (debresolve).
//
// xz is decoded by liblzma through cgo when built with cgo and the build
// tag liblzma (as the extraction helper is released), by the pure-Go
// github.com/ulikunitz/xz otherwise; see XZDecoder. zstd frames may ask
// for a window of 128 MiB at most, and are decoded in low-memory mode on
// one goroutine.
//
// It imports nothing of this module.
package decompress

import (
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

var (
	// ErrFormat is wrapped by the errors of input that is not valid in its
	// format, or of an unknown extension.
	ErrFormat = errors.New("malformed compressed data")
	// ErrLimit is wrapped by the errors of input whose decoding needs more
	// memory than the decoder allows.
	ErrLimit = errors.New("decoder memory limit exceeded")
)

// zstdMaxWindow bounds the memory a zstd frame may ask for. dpkg-deb does
// not use long-distance mode; 128 MiB is what zstd --long=27 (and level 22)
// needs.
const zstdMaxWindow = 1 << 27

// NewReader opens the decoder of the compression that ext, a file name's
// extension, names: "" (none), ".gz", ".xz", ".zst" or ".bz2"; another
// extension is an error that wraps ErrFormat. The returned close function
// releases the decoder's resources (zstd's goroutines and buffers,
// liblzma's C memory) and must be called.
func NewReader(ext string, r io.Reader) (io.Reader, func(), error) {
	nop := func() {}
	switch ext {
	case "":
		return r, nop, nil
	case ".gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { z.Close() }, nil
	case ".xz":
		return newXZReader(r)
	case ".zst":
		z, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, err
		}
		return z, z.Close, nil
	case ".bz2":
		return bzip2.NewReader(r), nop, nil
	}
	return nil, nil, fmt.Errorf("%w: unsupported compression %q", ErrFormat, ext)
}

// NewXZReader opens the .xz decoder (see XZDecoder). Both decoders accept
// concatenated streams and verify every integrity check; truncated input
// is an error. Close releases the decoder's memory (liblzma's is C
// memory).
func NewXZReader(r io.Reader) (io.ReadCloser, error) {
	z, closeZ, err := newXZReader(r)
	if err != nil {
		return nil, err
	}
	return readCloser{z, closeZ}, nil
}

type readCloser struct {
	io.Reader
	close func()
}

func (r readCloser) Close() error { r.close(); return nil }
