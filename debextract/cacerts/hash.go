package cacerts

import (
	"bytes"
	"crypto/sha1"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"
)

// ASN.1 universal tags of the string types OpenSSL canonicalises.
const (
	tagUTF8String      = 12
	tagPrintableString = 19
	tagT61String       = 20
	tagIA5String       = 22
	tagVisibleString   = 26
	tagUniversalString = 28
	tagBMPString       = 30
)

var errName = errors.New("malformed X.509 name")

// NameHash returns OpenSSL's X509_NAME_hash (the "new" hash used by
// openssl rehash and c_rehash since OpenSSL 1.0.0) of a DER-encoded X.509
// Name such as x509.Certificate.RawSubject: the first four bytes, read
// little-endian, of the SHA-1 digest of the name's canonical encoding.
//
// The canonical encoding is the concatenation of the DER encodings of the
// name's relative distinguished names (SETs), without the outer SEQUENCE,
// where every value of type UTF8String, PrintableString, T61String,
// IA5String, VisibleString, UniversalString or BMPString is converted to a
// UTF8String (T61String read as Latin-1, as OpenSSL does), stripped of
// leading and trailing white space, with each inner run of white space
// replaced by one space and ASCII letters lowercased. Values of other
// types are kept as they are. Empty SETs are ignored, and the attributes
// of a multi-valued RDN are sorted as DER requires.
func NameHash(rawName []byte) (uint32, error) {
	canon, err := canonicalName(rawName)
	if err != nil {
		return 0, err
	}
	sum := sha1.Sum(canon)
	return binary.LittleEndian.Uint32(sum[:4]), nil
}

// element parses one DER element of b and checks its class and tag.
func element(b []byte, tag int) (asn1.RawValue, []byte, error) {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(b, &v)
	if err != nil {
		return v, nil, fmt.Errorf("%w: %v", errName, err)
	}
	if tag >= 0 && (v.Class != asn1.ClassUniversal || v.Tag != tag) {
		return v, nil, fmt.Errorf("%w: tag %d, want %d", errName, v.Tag, tag)
	}
	return v, rest, nil
}

func canonicalName(rawName []byte) ([]byte, error) {
	seq, rest, err := element(rawName, asn1.TagSequence)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: trailing data", errName)
	}
	var canon []byte
	for body := seq.Bytes; len(body) > 0; {
		var set asn1.RawValue
		if set, body, err = element(body, asn1.TagSet); err != nil {
			return nil, err
		}
		var entries [][]byte
		for sb := set.Bytes; len(sb) > 0; {
			var atv, oid, val asn1.RawValue
			if atv, sb, err = element(sb, asn1.TagSequence); err != nil {
				return nil, err
			}
			ab := atv.Bytes
			if oid, ab, err = element(ab, asn1.TagOID); err != nil {
				return nil, err
			}
			if val, ab, err = element(ab, -1); err != nil {
				return nil, err
			}
			if len(ab) != 0 {
				return nil, fmt.Errorf("%w: attribute with more than a type and a value", errName)
			}
			cv, err := canonicalValue(val)
			if err != nil {
				return nil, err
			}
			entries = append(entries, tlv(asn1.TagSequence|0x20, append(append([]byte(nil), oid.FullBytes...), cv...)))
		}
		if len(entries) == 0 {
			continue
		}
		sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i], entries[j]) < 0 })
		canon = append(canon, tlv(asn1.TagSet|0x20, bytes.Join(entries, nil))...)
	}
	return canon, nil
}

// canonicalValue returns the canonical DER encoding of an attribute value.
func canonicalValue(v asn1.RawValue) ([]byte, error) {
	if v.Class != asn1.ClassUniversal || v.IsCompound {
		return v.FullBytes, nil
	}
	var u []byte
	switch v.Tag {
	case tagUTF8String:
		if !utf8.Valid(v.Bytes) {
			return nil, fmt.Errorf("%w: invalid UTF-8 in UTF8String", errName)
		}
		u = v.Bytes
	case tagPrintableString, tagT61String, tagIA5String, tagVisibleString:
		for _, c := range v.Bytes {
			u = putUTF8(u, rune(c))
		}
	case tagBMPString:
		if len(v.Bytes)%2 != 0 {
			return nil, fmt.Errorf("%w: odd BMPString length", errName)
		}
		for i := 0; i < len(v.Bytes); i += 2 {
			u = putUTF8(u, rune(binary.BigEndian.Uint16(v.Bytes[i:])))
		}
	case tagUniversalString:
		if len(v.Bytes)%4 != 0 {
			return nil, fmt.Errorf("%w: UniversalString length not a multiple of 4", errName)
		}
		for i := 0; i < len(v.Bytes); i += 4 {
			r := binary.BigEndian.Uint32(v.Bytes[i:])
			if r > 0x10ffff {
				return nil, fmt.Errorf("%w: character %#x out of range", errName, r)
			}
			u = putUTF8(u, rune(r))
		}
	default:
		return v.FullBytes, nil
	}
	return tlv(tagUTF8String, canonicalString(u)), nil
}

// putUTF8 appends r in UTF-8 as OpenSSL's UTF8_putc does: surrogates are
// encoded like any other code point below 0x10000.
func putUTF8(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xc0|byte(r>>6), 0x80|byte(r&0x3f))
	case r < 0x10000:
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6&0x3f), 0x80|byte(r&0x3f))
	default:
		return append(b, 0xf0|byte(r>>18), 0x80|byte(r>>12&0x3f), 0x80|byte(r>>6&0x3f), 0x80|byte(r&0x3f))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// canonicalString trims white space, collapses inner runs of it to one
// space and lowercases ASCII letters; bytes of 0x80 and above are copied.
func canonicalString(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x80:
			out = append(out, c)
			i++
		case isSpace(c):
			out = append(out, ' ')
			for i < len(s) && isSpace(s[i]) {
				i++
			}
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
		}
	}
	return out
}

// tlv returns a DER element with the given identifier octet.
func tlv(tag byte, content []byte) []byte {
	n := len(content)
	out := []byte{tag}
	if n < 0x80 {
		out = append(out, byte(n))
	} else {
		var l []byte
		for ; n > 0; n >>= 8 {
			l = append([]byte{byte(n)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	}
	return append(out, content...)
}

// signedTBS opens a signed structure (certificate or CRL): the outer
// SEQUENCE and the contents of its to-be-signed SEQUENCE.
func signedTBS(der []byte) (outer asn1.RawValue, tbs []byte, err error) {
	outer, _, err = element(der, asn1.TagSequence)
	if err != nil {
		return outer, nil, err
	}
	t, _, err := element(outer.Bytes, asn1.TagSequence)
	if err != nil {
		return outer, nil, err
	}
	return outer, t.Bytes, nil
}

// certSubject returns the DER subject of a DER certificate (the first
// element of der; anything after it, such as the auxiliary trust data of
// a TRUSTED CERTIFICATE, is ignored) and the certificate's own encoding.
func certSubject(der []byte) (subject, cert []byte, err error) {
	c, b, err := signedTBS(der)
	if err != nil {
		return nil, nil, err
	}
	var v asn1.RawValue
	if v, _, err = element(b, -1); err != nil {
		return nil, nil, err
	}
	if v.Class == asn1.ClassContextSpecific && v.Tag == 0 { // version
		_, b, _ = element(b, -1)
	}
	// serialNumber, signature, issuer, validity, subject
	for i := 0; i < 4; i++ {
		if _, b, err = element(b, -1); err != nil {
			return nil, nil, err
		}
	}
	s, _, err := element(b, asn1.TagSequence)
	if err != nil {
		return nil, nil, err
	}
	return s.FullBytes, c.FullBytes, nil
}

// crlIssuer returns the DER issuer of a DER certificate revocation list
// and the list's own encoding.
func crlIssuer(der []byte) (issuer, crl []byte, err error) {
	c, b, err := signedTBS(der)
	if err != nil {
		return nil, nil, err
	}
	v, rest, err := element(b, -1)
	if err != nil {
		return nil, nil, err
	}
	if v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger { // version
		b = rest
	}
	if _, b, err = element(b, asn1.TagSequence); err != nil { // signature
		return nil, nil, err
	}
	s, _, err := element(b, asn1.TagSequence)
	if err != nil {
		return nil, nil, err
	}
	return s.FullBytes, c.FullBytes, nil
}
