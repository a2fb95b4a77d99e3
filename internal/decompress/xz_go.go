package decompress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ulikunitz/xz"
)

// newGoXZReader opens the pure-Go decoder, github.com/ulikunitz/xz, with
// a check that the input ends with a stream footer. ulikunitz/xz v0.5.17
// takes the end of the input at a block header (right after the stream
// header, or in place of the index) for the end of the stream, so a
// truncated .xz would decode to a silently short output
// (https://github.com/ulikunitz/xz/pull/83, open). The footer's CRC32 makes
// a cut that happens to end like one unlikely (2^-32).
func newGoXZReader(r io.Reader) (io.Reader, error) {
	t := &xzTail{r: r}
	z, err := xz.NewReader(t)
	if err != nil {
		return nil, err
	}
	return &goXZReader{z: z, tail: t}, nil
}

type goXZReader struct {
	z    *xz.Reader
	tail *xzTail
}

func (g *goXZReader) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	if errors.Is(err, io.EOF) && !g.tail.endsWithFooter() {
		err = fmt.Errorf("xz: truncated input: no stream footer at the end: %w", io.ErrUnexpectedEOF)
	}
	return n, err
}

// xzTail remembers the last 12 bytes read before any trailing zero bytes
// (stream padding).
type xzTail struct {
	r     io.Reader
	last  [12]byte
	n     int   // bytes in last that were read (at most 12)
	zeros int64 // zero bytes read after last
}

func (t *xzTail) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	i := lastNonZero(p[:n])
	if i < 0 {
		t.zeros += int64(n)
		return n, err
	}
	// The zeros read before were not padding after all.
	for range min(t.zeros, int64(len(t.last))) {
		t.push([]byte{0})
	}
	t.push(p[:i+1])
	t.zeros = int64(n - i - 1)
	return n, err
}

func (t *xzTail) push(b []byte) {
	if len(b) >= len(t.last) {
		copy(t.last[:], b[len(b)-len(t.last):])
		t.n = len(t.last)
		return
	}
	k := copy(t.last[:], t.last[len(b):])
	copy(t.last[k:], b)
	t.n = min(t.n+len(b), len(t.last))
}

func lastNonZero(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}

// endsWithFooter reports whether the last non-zero bytes read make a stream
// footer: CRC32 of the backward size and flags, the backward size, the
// flags, "YZ".
func (t *xzTail) endsWithFooter() bool {
	f := t.last
	return t.n == len(f) && f[10] == 'Y' && f[11] == 'Z' &&
		binary.LittleEndian.Uint32(f[0:4]) == crc32.ChecksumIEEE(f[4:10])
}
