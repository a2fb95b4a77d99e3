package debextract

import (
	"compress/bzip2"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow bounds the memory a zstd frame may ask for. dpkg-deb does
// not use long-distance mode; 128 MiB is what zstd --long=27 (and level 22)
// needs.
const zstdMaxWindow = 1 << 27

// NewXZReader opens the .xz decoder that Extract uses for data.tar.xz and
// control.tar.xz (see XZDecoder): liblzma, linked through cgo, when built
// with cgo and the build tag liblzma, as the helper is released; the
// pure-Go github.com/ulikunitz/xz otherwise. Both accept concatenated
// streams and verify every integrity check; truncated input is an error.
// Close releases the decoder's memory (liblzma's is C memory).
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

// decompressor opens the decoder for an ar member named prefix+ext, where
// prefix is "control.tar" or "data.tar". The returned close function
// releases the decoder's resources (zstd's goroutines and buffers).
func decompressor(member, prefix string, allowed []string, r io.Reader) (io.Reader, func(), error) {
	ext := strings.TrimPrefix(member, prefix)
	ok := false
	for _, a := range allowed {
		if ext == a {
			ok = true
		}
	}
	if !ok {
		return nil, nil, fmt.Errorf("%w: unsupported compression %q", ErrFormat, ext)
	}
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
	panic("unreachable")
}

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
