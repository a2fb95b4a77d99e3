package javaks

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// JKS format constants, as in OpenJDK's sun.security.provider.JavaKeyStore.
const (
	jksMagic        = 0xfeedfeed
	jksVersion      = 2
	tagPrivateKey   = 1
	tagTrustedCert  = 2
	certTypeX509    = "X.509"
	integrityString = "Mighty Aphrodite"
	maxUTF          = 65535 // DataOutputStream.writeUTF's limit, in bytes
)

// Entry is one trusted-certificate entry of a JKS keystore, in file order.
type Entry struct {
	// Alias is the entry's name as stored (JKS stores it lowercased).
	Alias string
	// Created is the entry's creation date, stored in milliseconds since
	// the Unix epoch.
	Created time.Time
	// DER is the certificate's encoding.
	DER []byte
}

// Marshal encodes entries, in the given order and with their aliases as
// given, as JavaKeyStore.engineStore writes a keystore that holds only
// trusted certificates: the magic 0xFEEDFEED, version 2, the entry count,
// for each entry the tag 2, the alias (DataOutputStream.writeUTF), the
// date (milliseconds, big-endian int64), the certificate type "X.509", the
// encoding's length and the encoding; then the SHA-1 digest of the
// password (UTF-16BE), "Mighty Aphrodite" and everything before it.
func Marshal(entries []Entry, password string) ([]byte, error) {
	var b bytes.Buffer
	putInt(&b, jksMagic)
	putInt(&b, jksVersion)
	putInt(&b, uint32(len(entries)))
	for _, e := range entries {
		if err := writeEntry(&b, e); err != nil {
			return nil, err
		}
	}
	sum := keyedDigest(password, b.Bytes())
	b.Write(sum[:])
	return b.Bytes(), nil
}

// writeEntry appends one trusted-certificate entry.
func writeEntry(b *bytes.Buffer, e Entry) error {
	if int64(len(e.DER)) > 1<<31-1 {
		return fmt.Errorf("%s: certificate too large", e.Alias)
	}
	putInt(b, tagTrustedCert)
	if err := writeUTF(b, e.Alias); err != nil {
		return err
	}
	_ = binary.Write(b, binary.BigEndian, e.Created.UnixMilli())
	if err := writeUTF(b, certTypeX509); err != nil {
		return err
	}
	putInt(b, uint32(len(e.DER)))
	b.Write(e.DER)
	return nil
}

// keyedDigest is JavaKeyStore's integrity check: SHA-1 over the password's
// UTF-16 code units (big-endian), "Mighty Aphrodite" and data.
func keyedDigest(password string, data []byte) [sha1.Size]byte {
	h := sha1.New()
	for _, c := range utf16.Encode([]rune(password)) {
		h.Write([]byte{byte(c >> 8), byte(c)})
	}
	h.Write([]byte(integrityString))
	h.Write(data)
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	return sum
}

func putInt(b *bytes.Buffer, v uint32) {
	b.Write(binary.BigEndian.AppendUint32(nil, v))
}

// writeUTF appends s as DataOutputStream.writeUTF does: a big-endian
// uint16 byte count, then Java's modified UTF-8 of the UTF-16 code units
// (U+0000 as C0 80, each surrogate as its own three bytes).
func writeUTF(b *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%q: not valid UTF-8", s)
	}
	var enc []byte
	for _, c := range utf16.Encode([]rune(s)) {
		switch {
		case c >= 0x01 && c <= 0x7f:
			enc = append(enc, byte(c))
		case c <= 0x7ff:
			enc = append(enc, 0xc0|byte(c>>6), 0x80|byte(c&0x3f))
		default:
			enc = append(enc, 0xe0|byte(c>>12), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
		}
	}
	if len(enc) > maxUTF {
		return fmt.Errorf("%.40q…: longer than %d bytes in modified UTF-8", s, maxUTF)
	}
	b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(enc))))
	b.Write(enc)
	return nil
}

// ErrDigest reports a keystore whose integrity check fails: a wrong
// password or a damaged file.
var ErrDigest = errors.New("jks: keystore was tampered with, or password was incorrect")

// Parse decodes a JKS keystore that holds only trusted certificates, as
// JavaKeyStore.engineLoad reads it, and verifies its integrity check with
// password. Entries are returned in file order.
func Parse(data []byte, password string) ([]Entry, error) {
	if len(data) < 12+sha1.Size {
		return nil, errors.New("jks: too short")
	}
	body, sum := data[:len(data)-sha1.Size], data[len(data)-sha1.Size:]
	r := &reader{b: body}
	if m := r.uint32(); m != jksMagic {
		return nil, fmt.Errorf("jks: bad magic %#x", m)
	}
	if v := r.uint32(); v != jksVersion {
		return nil, fmt.Errorf("jks: unsupported version %d", v)
	}
	n := r.uint32()
	var entries []Entry
	for i := uint32(0); i < n && r.err == nil; i++ {
		e, err := r.entry()
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("jks: %d bytes after the last entry", len(r.b))
	}
	if want := keyedDigest(password, body); !bytes.Equal(sum, want[:]) {
		return nil, ErrDigest
	}
	return entries, nil
}

// reader reads big-endian fields, remembering the first error.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("jks: truncated")

func (r *reader) next(n int) []byte {
	if r.err != nil || n > len(r.b) {
		if r.err == nil {
			r.err = errShort
		}
		return make([]byte, n)
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) uint32() uint32 { return binary.BigEndian.Uint32(r.next(4)) }

// utf reads a DataInputStream.readUTF string.
func (r *reader) utf() string {
	n := int(binary.BigEndian.Uint16(r.next(2)))
	s, err := decodeModifiedUTF8(r.next(n))
	if err != nil && r.err == nil {
		r.err = err
	}
	return s
}

// decodeModifiedUTF8 decodes Java's modified UTF-8: one to three bytes
// per UTF-16 code unit.
func decodeModifiedUTF8(b []byte) (string, error) {
	var units []uint16
	for len(b) > 0 {
		c := b[0]
		switch {
		case c < 0x80:
			units, b = append(units, uint16(c)), b[1:]
		case c&0xe0 == 0xc0 && len(b) >= 2 && b[1]&0xc0 == 0x80:
			units, b = append(units, uint16(c&0x1f)<<6|uint16(b[1]&0x3f)), b[2:]
		case c&0xf0 == 0xe0 && len(b) >= 3 && b[1]&0xc0 == 0x80 && b[2]&0xc0 == 0x80:
			units, b = append(units, uint16(c&0x0f)<<12|uint16(b[1]&0x3f)<<6|uint16(b[2]&0x3f)), b[3:]
		default:
			return "", errors.New("jks: malformed modified UTF-8")
		}
	}
	return string(utf16.Decode(units)), nil
}

func (r *reader) entry() (Entry, error) {
	tag := r.uint32()
	if r.err == nil && tag != tagTrustedCert {
		if tag == tagPrivateKey {
			return Entry{}, errors.New("jks: private key entries are not supported")
		}
		return Entry{}, fmt.Errorf("jks: unknown entry tag %d", tag)
	}
	var e Entry
	e.Alias = r.utf()
	e.Created = time.UnixMilli(int64(binary.BigEndian.Uint64(r.next(8)))).UTC()
	if typ := r.utf(); r.err == nil && typ != certTypeX509 {
		return Entry{}, fmt.Errorf("jks: %s: certificate type %q", e.Alias, typ)
	}
	n := r.uint32()
	if r.err == nil && int(n) > len(r.b) {
		return Entry{}, errShort
	}
	e.DER = append([]byte(nil), r.next(int(n))...)
	return e, r.err
}
