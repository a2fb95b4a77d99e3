package ldcache

import (
	"bytes"
	"io"
	"strings"
)

// blockSize is the unit in which a file is read and cached: a library's
// headers, dynamic section and string table are a few reads of it.
const blockSize = 64 << 10

// blob is random access to the bytes of one file, read on demand through
// an io.ReaderAt. Bytes past the end read as zero, as they do in the
// last page of ldconfig's mapping of the file.
type blob struct {
	ra      io.ReaderAt
	size    uint64
	blk     []byte
	blkOff  uint64
	blkSet  bool
	readErr error
}

func newBlob(ra io.ReaderAt, size int64) *blob {
	return &blob{ra: ra, size: uint64(size)}
}

// at returns n bytes at off, zero past the end of the file (or after a
// read error, which is remembered).
func (b *blob) at(off uint64, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < n; {
		p := off + uint64(i)
		if p < off || p >= b.size {
			break
		}
		blk := b.block(p / blockSize * blockSize)
		if blk == nil {
			break
		}
		i += copy(out[i:], blk[p%blockSize:])
	}
	return out
}

// block returns the cached block at off, reading it if needed.
func (b *blob) block(off uint64) []byte {
	if b.blkSet && b.blkOff == off {
		return b.blk
	}
	n := min(uint64(blockSize), b.size-off)
	buf := make([]byte, n)
	if m, err := b.ra.ReadAt(buf, int64(off)); uint64(m) < n {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		b.readErr = err
		return nil
	}
	b.blk, b.blkOff, b.blkSet = buf, off, true
	return buf
}

// cstring returns the NUL-terminated string at off (ending at the end of
// the file at the latest), or false when it is longer than max.
func (b *blob) cstring(off uint64, max int) (string, bool) {
	var sb strings.Builder
	for p := off; p < b.size; {
		chunk := b.at(p, int(min(uint64(blockSize)-p%blockSize, b.size-p)))
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			chunk = chunk[:i]
			p = b.size // done
		} else {
			p += uint64(len(chunk))
		}
		if sb.Len()+len(chunk) > max {
			return "", false
		}
		sb.Write(chunk)
	}
	return sb.String(), true
}
