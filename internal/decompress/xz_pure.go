//go:build !(cgo && liblzma)

package decompress

import "io"

// XZDecoder names the xz decoder of this build: the pure-Go
// github.com/ulikunitz/xz, unless built with cgo and the liblzma tag.
func XZDecoder() string { return "github.com/ulikunitz/xz" }

func newXZReader(r io.Reader) (io.Reader, func(), error) {
	z, err := newGoXZReader(r)
	if err != nil {
		return nil, nil, err
	}
	return z, func() {}, nil
}
