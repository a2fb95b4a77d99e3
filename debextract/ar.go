package debextract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

const arMagic = "!<arch>\n"

// arReader reads the members of an ar archive from a stream, in order,
// without seeking.
type arReader struct {
	r   *bufio.Reader
	cur *arMember
}

// arMember is the body of the current member; reading it past the end of
// the stream before its declared size reports io.ErrUnexpectedEOF.
type arMember struct {
	r         *bufio.Reader
	remaining int64
	pad       bool
}

func newArReader(r *bufio.Reader) (*arReader, error) {
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(r, magic); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: reading ar magic: %v", ErrFormat, err)
	}
	if string(magic) != arMagic {
		return nil, fmt.Errorf("%w: not an ar archive (magic %q)", ErrFormat, magic)
	}
	return &arReader{r: r}, nil
}

// next skips what is left of the current member and returns the next
// member's name and body. It returns io.EOF at the end of the archive.
func (a *arReader) next() (string, *arMember, error) {
	if a.cur != nil {
		if _, err := a.cur.discard(); err != nil {
			return "", nil, err
		}
		if a.cur.pad {
			if _, err := a.r.Discard(1); err != nil && err != io.EOF {
				return "", nil, err
			}
		}
		a.cur = nil
	}
	var h [60]byte
	n, err := io.ReadFull(a.r, h[:])
	if n == 0 && errors.Is(err, io.EOF) {
		return "", nil, io.EOF
	}
	if err != nil {
		return "", nil, fmt.Errorf("%w: truncated ar member header", ErrFormat)
	}
	if h[58] != '`' || h[59] != '\n' {
		return "", nil, fmt.Errorf("%w: bad ar member header", ErrFormat)
	}
	name := string(bytes.TrimRight(h[:16], " "))
	if len(name) > 1 {
		name = string(bytes.TrimSuffix([]byte(name), []byte("/")))
	}
	sizeField := bytes.TrimRight(h[48:58], " ")
	if len(sizeField) == 0 {
		return "", nil, fmt.Errorf("%w: ar member %q: empty size", ErrFormat, name)
	}
	for _, c := range sizeField {
		if c < '0' || c > '9' {
			return "", nil, fmt.Errorf("%w: ar member %q: bad size %q", ErrFormat, name, sizeField)
		}
	}
	size, err := strconv.ParseInt(string(sizeField), 10, 64)
	if err != nil {
		return "", nil, fmt.Errorf("%w: ar member %q: bad size %q", ErrFormat, name, sizeField)
	}
	a.cur = &arMember{r: a.r, remaining: size, pad: size%2 == 1}
	return name, a.cur, nil
}

// Read implements io.Reader.
func (m *arMember) Read(p []byte) (int, error) {
	if m.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > m.remaining {
		p = p[:m.remaining]
	}
	n, err := m.r.Read(p)
	m.remaining -= int64(n)
	if err == io.EOF {
		if m.remaining > 0 {
			return n, errTruncatedMember
		}
		err = nil
	}
	return n, err
}

// ReadByte implements io.ByteReader, which decompressors use when present.
func (m *arMember) ReadByte() (byte, error) {
	if m.remaining <= 0 {
		return 0, io.EOF
	}
	b, err := m.r.ReadByte()
	if err != nil {
		if err == io.EOF {
			err = errTruncatedMember
		}
		return 0, err
	}
	m.remaining--
	return b, nil
}

// discard skips the rest of the member.
func (m *arMember) discard() (int64, error) {
	n, err := m.r.Discard(int(min(m.remaining, 1<<30)))
	m.remaining -= int64(n)
	for err == nil && m.remaining > 0 {
		var k int
		k, err = m.r.Discard(int(min(m.remaining, 1<<30)))
		m.remaining -= int64(k)
		n += k
	}
	if err == io.EOF && m.remaining > 0 {
		err = errTruncatedMember
	}
	return int64(n), err
}

var errTruncatedMember = fmt.Errorf("archive truncated: %w", io.ErrUnexpectedEOF)
