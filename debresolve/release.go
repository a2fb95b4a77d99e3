package debresolve

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/distrofile/distrofile/internal/deb822"
)

// debianKeyring is Debian's archive keyring (debian-archive-keyring.gpg):
// the bullseye, bookworm and trixie archive, security and stable keys.
//
//go:embed keyrings/debian-archive-keyring.gpg
var debianKeyring []byte

var (
	debianKeyringOnce sync.Once
	debianKeyringList openpgp.EntityList
	debianKeyringErr  error
)

// DebianKeyring returns the embedded Debian archive keyring (parsed once).
func DebianKeyring() (openpgp.EntityList, error) {
	debianKeyringOnce.Do(func() {
		debianKeyringList, debianKeyringErr = ReadKeyring(debianKeyring)
	})
	return debianKeyringList, debianKeyringErr
}

//go:embed keyrings/ubuntu-archive-keyring.gpg
var ubuntuKeyring []byte

var ubuntuKeyringOnce = sync.OnceValues(func() (openpgp.EntityList, error) { return ReadKeyring(ubuntuKeyring) })

// UbuntuKeyring returns the embedded Ubuntu archive keyring
// (ubuntu-archive-keyring.gpg of Debian's ubuntu-keyring package,
// 2023.11.28.1-0.2), parsed once. DefaultSources gives it to Ubuntu sources.
func UbuntuKeyring() (openpgp.EntityList, error) { return ubuntuKeyringOnce() }

// ReadKeyring parses an OpenPGP keyring given either as binary packets
// (*.gpg, *.pgp) or ASCII-armored (*.asc), possibly several armored blocks
// concatenated.
func ReadKeyring(data []byte) (openpgp.EntityList, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN PGP")) {
		el, err := openpgp.ReadKeyRing(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("reading keyring: %w", err)
		}
		if len(el) == 0 {
			return nil, errors.New("reading keyring: no keys found")
		}
		return el, nil
	}
	var all openpgp.EntityList
	rest := trimmed
	for len(bytes.TrimSpace(rest)) > 0 {
		i := bytes.Index(rest, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----"))
		if i < 0 {
			break
		}
		rest = rest[i:]
		j := bytes.Index(rest, []byte("-----END PGP PUBLIC KEY BLOCK-----"))
		if j < 0 {
			return nil, errors.New("reading keyring: unterminated armored key block")
		}
		j += len("-----END PGP PUBLIC KEY BLOCK-----")
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(rest[:j]))
		if err != nil {
			return nil, fmt.Errorf("reading armored keyring: %w", err)
		}
		all = append(all, el...)
		rest = rest[j:]
	}
	if len(all) == 0 {
		return nil, errors.New("reading keyring: no keys found")
	}
	return all, nil
}

// FileHash is one line of a Release file's SHA256 section.
type FileHash struct {
	// Path is relative to dists/<suite>/, e.g. "main/binary-amd64/Packages.xz".
	Path string
	// SHA256 is the lowercase hex digest, Size the size in bytes.
	SHA256 string
	Size   int64
}

// Release is a parsed (and, when it came from Client, verified) InRelease.
type Release struct {
	// URL is where the InRelease was fetched from ("" for ParseRelease).
	URL string
	// InReleaseSHA256 is the hex SHA-256 of the InRelease file as fetched.
	InReleaseSHA256 string
	// Signer describes the key that made the accepted signature
	// ("<fingerprint> <user id>"), "" when not verified.
	Signer string

	Origin, Label, Suite, Codename, Version string
	// Date is the Date field; ValidUntil the Valid-Until field (zero if absent).
	Date, ValidUntil time.Time
	Architectures    []string
	Components       []string
	// AcquireByHash reports "Acquire-By-Hash: yes": indexes can be fetched
	// from .../by-hash/SHA256/<hex>.
	AcquireByHash bool
	// NoSupportForArchitectureAll is the No-Support-for-Architecture-all
	// field: "Packages" means arch:all packages are listed in every
	// binary-<arch> index (Debian), so binary-all need not be read.
	NoSupportForArchitectureAll string
	// SHA256 lists the SHA256 section in file order.
	SHA256 []FileHash

	files map[string]FileHash
}

// File returns the SHA256 entry for path (relative to dists/<suite>/).
func (r *Release) File(path string) (FileHash, bool) {
	f, ok := r.files[path]
	return f, ok
}

// HasArchitecture reports whether arch is listed in Architectures (an empty
// list, as in some third-party repositories, allows everything).
func (r *Release) HasArchitecture(arch string) bool {
	if len(r.Architectures) == 0 {
		return true
	}
	for _, a := range r.Architectures {
		if a == arch {
			return true
		}
	}
	return false
}

// Release date layouts: RFC 1123 with "UTC" (what dak writes), plus the
// numeric-offset and Z forms the repository format allows.
var releaseDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 Z07:00",
	"Mon, 2 Jan 2006 15:04:05",
}

func parseReleaseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range releaseDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse date %q", s)
}

// ParseRelease parses the (already verified) body of a Release/InRelease
// file: one deb822 paragraph.
func ParseRelease(body []byte) (*Release, error) {
	fields, err := releaseFields(string(body))
	if err != nil {
		return nil, err
	}
	r := &Release{
		Origin:        fields["origin"],
		Label:         fields["label"],
		Suite:         fields["suite"],
		Codename:      fields["codename"],
		Version:       fields["version"],
		Architectures: strings.Fields(fields["architectures"]),
		Components:    strings.Fields(fields["components"]),
		AcquireByHash: strings.EqualFold(strings.TrimSpace(fields["acquire-by-hash"]), "yes"),

		NoSupportForArchitectureAll: fields["no-support-for-architecture-all"],
		files:                       map[string]FileHash{},
	}
	if r.Suite == "" && r.Codename == "" {
		return nil, errors.New("Release has neither Suite nor Codename")
	}
	if d := fields["date"]; d != "" {
		if r.Date, err = parseReleaseDate(d); err != nil {
			return nil, fmt.Errorf("Release Date: %v", err)
		}
	}
	if d := fields["valid-until"]; d != "" {
		if r.ValidUntil, err = parseReleaseDate(d); err != nil {
			return nil, fmt.Errorf("Release Valid-Until: %v", err)
		}
	}
	sums, ok := fields["sha256"]
	if !ok {
		return nil, errors.New("Release has no SHA256 section")
	}
	for _, line := range strings.Split(sums, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("Release SHA256: malformed line %q", line)
		}
		size, ok := parseInt(f[1])
		if !ok || len(f[0]) != 64 || !isHex(f[0]) {
			return nil, fmt.Errorf("Release SHA256: malformed line %q", line)
		}
		fh := FileHash{Path: f[2], SHA256: strings.ToLower(f[0]), Size: size}
		r.SHA256 = append(r.SHA256, fh)
		r.files[fh.Path] = fh
	}
	return r, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// releaseFields returns the fields of a Release body by their lower-cased
// names; a field of a later paragraph, which a Release does not have,
// replaces one of an earlier.
func releaseFields(body string) (map[string]string, error) {
	paras, err := deb822.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("Release %w", err)
	}
	fields := map[string]string{}
	for _, p := range paras {
		for _, f := range p.Fields {
			fields[strings.ToLower(f.Name)] = f.Value
		}
	}
	return fields, nil
}

// VerifyInRelease checks the clear-signed InRelease data against keyring as
// of now and returns the signed body and a description of the signer. It
// accepts the file when any one of its signatures is good (as apt does): an
// InRelease is signed by several keys, some of which may be unknown or
// expired. Text outside the signed block is rejected.
func VerifyInRelease(data []byte, keyring openpgp.EntityList, now time.Time) (body []byte, signer string, err error) {
	block, rest := clearsign.Decode(data)
	if block == nil {
		return nil, "", errors.New("not a clear-signed file (no valid PGP SIGNED MESSAGE block)")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, "", errors.New("unexpected data after the signature block")
	}
	if i := bytes.Index(data, []byte("-----BEGIN PGP SIGNED MESSAGE-----")); i < 0 || len(bytes.TrimSpace(data[:i])) != 0 {
		return nil, "", errors.New("unexpected data before the signed message")
	}
	sigs, err := splitSignaturePackets(block.ArmoredSignature)
	if err != nil {
		return nil, "", err
	}
	if len(sigs) == 0 {
		return nil, "", errors.New("no signatures")
	}
	config := &packet.Config{Time: func() time.Time { return now }}
	var firstErr, unknownErr error
	for _, sig := range sigs {
		_, ent, verr := openpgp.VerifyDetachedSignature(keyring, bytes.NewReader(block.Bytes), bytes.NewReader(sig), config)
		if verr == nil {
			return block.Plaintext, describeEntity(ent), nil
		}
		if errors.Is(verr, pgperrors.ErrUnknownIssuer) {
			unknownErr = verr
		} else if firstErr == nil {
			firstErr = verr
		}
	}
	if firstErr == nil {
		firstErr = unknownErr
		if firstErr != nil {
			firstErr = fmt.Errorf("no signature by a key in the keyring (%d signatures): %w", len(sigs), firstErr)
		}
	}
	return nil, "", firstErr
}

func describeEntity(e *openpgp.Entity) string {
	if e == nil || e.PrimaryKey == nil {
		return ""
	}
	s := strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
	if id := e.PrimaryIdentity(); id != nil {
		s += " " + id.Name
	}
	return s
}

// splitSignaturePackets returns the raw bytes of each OpenPGP packet of an
// armored signature block, so that every signature can be checked on its own.
func splitSignaturePackets(b *armor.Block) ([][]byte, error) {
	if b == nil || b.Type != "PGP SIGNATURE" {
		return nil, errors.New("missing PGP SIGNATURE block")
	}
	raw, err := io.ReadAll(b.Body)
	if err != nil {
		return nil, fmt.Errorf("reading signature block: %v", err)
	}
	var out [][]byte
	for len(raw) > 0 {
		tag := raw[0]
		if tag&0x80 == 0 {
			return nil, errors.New("malformed signature packet")
		}
		var hdr, length int
		if tag&0x40 != 0 { // new format
			if len(raw) < 2 {
				return nil, errors.New("truncated signature packet")
			}
			l0 := int(raw[1])
			switch {
			case l0 < 192:
				hdr, length = 2, l0
			case l0 < 224:
				if len(raw) < 3 {
					return nil, errors.New("truncated signature packet")
				}
				hdr, length = 3, (l0-192)<<8+int(raw[2])+192
			case l0 == 255:
				if len(raw) < 6 {
					return nil, errors.New("truncated signature packet")
				}
				hdr, length = 6, int(raw[2])<<24|int(raw[3])<<16|int(raw[4])<<8|int(raw[5])
			default:
				return nil, errors.New("unsupported partial-length signature packet")
			}
		} else { // old format
			switch tag & 3 {
			case 0:
				if len(raw) < 2 {
					return nil, errors.New("truncated signature packet")
				}
				hdr, length = 2, int(raw[1])
			case 1:
				if len(raw) < 3 {
					return nil, errors.New("truncated signature packet")
				}
				hdr, length = 3, int(raw[1])<<8|int(raw[2])
			case 2:
				if len(raw) < 5 {
					return nil, errors.New("truncated signature packet")
				}
				hdr, length = 5, int(raw[1])<<24|int(raw[2])<<16|int(raw[3])<<8|int(raw[4])
			default:
				hdr, length = 1, len(raw)-1
			}
		}
		if length < 0 || hdr+length > len(raw) {
			return nil, errors.New("truncated signature packet")
		}
		out = append(out, raw[:hdr+length])
		raw = raw[hdr+length:]
	}
	return out, nil
}
