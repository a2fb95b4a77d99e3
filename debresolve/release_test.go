package debresolve_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
)

var (
	keyTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	relDate = time.Date(2026, 9, 12, 7, 55, 41, 0, time.UTC)
	// now is the verification time used by the tests.
	now = relDate.Add(24 * time.Hour)
)

func newKey(t testing.TB, name string) *openpgp.Entity {
	t.Helper()
	k, err := archivetest.NewKey(name, keyTime)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyring(t testing.TB, keys ...*openpgp.Entity) openpgp.EntityList {
	t.Helper()
	kr, err := archivetest.Keyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

const releaseBody = `Origin: Debian
Label: Debian
Suite: stable
Version: 13.7
Codename: trixie
Date: Sat, 12 Sep 2026 07:55:41 UTC
Acquire-By-Hash: yes
Architectures: all amd64 arm64
Components: main contrib
Description: Debian 13.7 Released 12 September 2026
MD5Sum:
 e08be5a2aa84e0f84bd976c3ce580092 56620099 main/binary-amd64/Packages
SHA256:
 4f2c68d67001d595fbd343f6dbad44468953a51c4d9dec3a4803249f6e295940 56620099 main/binary-amd64/Packages
 42c23aaca08e8225ed0449360724b92531952cbe4ce3bbf189298a7108f40a85 13332733 main/binary-amd64/Packages.gz
 7778d3e3f303b7ddb8ce0fe7c8d57473a076c6bf2e8f241f75421d2396352498  9678380 main/binary-amd64/Packages.xz
`

func TestParseRelease(t *testing.T) {
	r, err := debresolve.ParseRelease([]byte(releaseBody))
	if err != nil {
		t.Fatal(err)
	}
	if r.Codename != "trixie" || r.Suite != "stable" || r.Version != "13.7" || !r.AcquireByHash {
		t.Errorf("fields: %+v", r)
	}
	if !r.Date.Equal(relDate) || !r.ValidUntil.IsZero() {
		t.Errorf("Date %v ValidUntil %v", r.Date, r.ValidUntil)
	}
	if strings.Join(r.Architectures, " ") != "all amd64 arm64" || strings.Join(r.Components, " ") != "main contrib" {
		t.Errorf("Architectures %v Components %v", r.Architectures, r.Components)
	}
	if len(r.SHA256) != 3 {
		t.Fatalf("SHA256 entries: %d", len(r.SHA256))
	}
	f, ok := r.File("main/binary-amd64/Packages.xz")
	if !ok || f.Size != 9678380 || f.SHA256 != "7778d3e3f303b7ddb8ce0fe7c8d57473a076c6bf2e8f241f75421d2396352498" {
		t.Errorf("Packages.xz entry %+v %v", f, ok)
	}
	if !r.HasArchitecture("arm64") || r.HasArchitecture("riscv64") {
		t.Error("HasArchitecture")
	}
	for _, d := range []string{"Sat, 12 Sep 2026 07:55:41 +0000", "Sat, 12 Sep 2026 07:55:41 GMT", "Sat, 12 Sep 2026 07:55:41 Z"} {
		r, err := debresolve.ParseRelease([]byte(strings.Replace(releaseBody, "Sat, 12 Sep 2026 07:55:41 UTC", d, 1)))
		if err != nil || !r.Date.Equal(relDate) {
			t.Errorf("date %q: %v %v", d, r, err)
		}
	}
	if _, err := debresolve.ParseRelease([]byte("Codename: x\nSHA256:\n nothex 12 main/binary-amd64/Packages\n")); err == nil {
		t.Error("malformed SHA256 line accepted")
	}
}

func TestVerifyInRelease(t *testing.T) {
	good := newKey(t, "good")
	other := newKey(t, "other")
	signed, err := archivetest.ClearSign(good, []byte(releaseBody), relDate.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("good signature", func(t *testing.T) {
		body, signer, err := debresolve.VerifyInRelease(signed, keyring(t, good), now)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(body)) != strings.TrimSpace(releaseBody) {
			t.Errorf("body differs:\n%s", body)
		}
		if !strings.Contains(signer, "good") {
			t.Errorf("signer %q", signer)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		bad := bytes.Replace(signed, []byte("13332733 main/binary-amd64/Packages.gz"), []byte("13332734 main/binary-amd64/Packages.gz"), 1)
		if bytes.Equal(bad, signed) {
			t.Fatal("tampering did not change anything")
		}
		if _, _, err := debresolve.VerifyInRelease(bad, keyring(t, good), now); err == nil {
			t.Fatal("tampered InRelease verified")
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		_, _, err := debresolve.VerifyInRelease(signed, keyring(t, other), now)
		if err == nil || !strings.Contains(err.Error(), "no signature by a key in the keyring") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		_, _, err := debresolve.VerifyInRelease([]byte(releaseBody), keyring(t, good), now)
		if err == nil || !strings.Contains(err.Error(), "not a clear-signed file") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("text around the signed block", func(t *testing.T) {
		for _, bad := range [][]byte{append([]byte("Codename: evil\n"), signed...), append(append([]byte{}, signed...), []byte("Codename: evil\n")...)} {
			if _, _, err := debresolve.VerifyInRelease(bad, keyring(t, good), now); err == nil {
				t.Error("extra unsigned text accepted")
			}
		}
	})
	t.Run("signature from the future", func(t *testing.T) {
		if _, _, err := debresolve.VerifyInRelease(signed, keyring(t, good), relDate.Add(-time.Hour)); err == nil {
			t.Fatal("signature made after the check time accepted")
		}
	})
	t.Run("any good signature is enough", func(t *testing.T) {
		// Signed by an unknown key first and the trusted key second, like
		// Debian's InRelease files signed by several archive keys.
		var buf bytes.Buffer
		cfg := &packet.Config{Time: func() time.Time { return relDate.Add(time.Minute) }}
		w, err := clearsign.EncodeMulti(&buf, []*packet.PrivateKey{other.PrivateKey, good.PrivateKey}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(releaseBody))
		w.Close()
		if _, signer, err := debresolve.VerifyInRelease(buf.Bytes(), keyring(t, good), now); err != nil || !strings.Contains(signer, "good") {
			t.Fatalf("multi-signed: signer %q, err %v", signer, err)
		}
	})
	t.Run("an expired key's signature does not hide a good one", func(t *testing.T) {
		// ProtonMail checks only the first signature by a known key; when
		// that key has expired (a retired archive key), another one must
		// still be tried.
		expired, err := openpgp.NewEntity("expired", "", "expired@example.invalid", &packet.Config{
			Algorithm:       packet.PubKeyAlgoEdDSA,
			Time:            func() time.Time { return keyTime },
			KeyLifetimeSecs: 86400,
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		cfg := &packet.Config{Time: func() time.Time { return relDate.Add(time.Minute) }}
		w, err := clearsign.EncodeMulti(&buf, []*packet.PrivateKey{expired.PrivateKey, good.PrivateKey}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(releaseBody))
		w.Close()
		if _, _, err := debresolve.VerifyInRelease(buf.Bytes(), keyring(t, expired), now); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired key alone: err = %v, want key expired", err)
		}
		if _, signer, err := debresolve.VerifyInRelease(buf.Bytes(), keyring(t, expired, good), now); err != nil || !strings.Contains(signer, "good") {
			t.Fatalf("signer %q, err %v", signer, err)
		}
	})
}

func TestEmbeddedDebianKeyring(t *testing.T) {
	kr, err := debresolve.DebianKeyring()
	if err != nil {
		t.Fatal(err)
	}
	// bullseye, bookworm and trixie: automatic, security and stable keys.
	if len(kr) < 9 {
		t.Fatalf("embedded keyring has %d keys, want at least 9", len(kr))
	}
	var ids []string
	for _, e := range kr {
		for n := range e.Identities {
			ids = append(ids, n)
		}
	}
	all := strings.Join(ids, "\n")
	for _, want := range []string{"13/trixie", "12/bookworm"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s key in the embedded keyring:\n%s", want, all)
		}
	}
}

func TestReadKeyringArmored(t *testing.T) {
	a, b := newKey(t, "a"), newKey(t, "b")
	pa, err := archivetest.ArmoredPublicKey(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := archivetest.ArmoredPublicKey(b)
	kr, err := debresolve.ReadKeyring(append(pa, pb...))
	if err != nil || len(kr) != 2 {
		t.Fatalf("ReadKeyring: %d keys, %v", len(kr), err)
	}
	if _, err := debresolve.ReadKeyring([]byte("not a key")); err == nil {
		t.Error("garbage accepted as a keyring")
	}
}

func TestDefaultSources(t *testing.T) {
	for _, c := range []struct {
		distro, suite, mirror, sec string
		want                       []string
		err                        string
	}{
		{"debian", "trixie", "http://m.invalid/debian/", "", []string{
			"http://m.invalid/debian trixie main", "http://m.invalid/debian trixie-updates main", "http://m.invalid/debian-security trixie-security main"}, ""},
		{"debian", "bookworm", "http://m.invalid/debian", "https://s.invalid/sec", []string{
			"http://m.invalid/debian bookworm main", "http://m.invalid/debian bookworm-updates main", "https://s.invalid/sec bookworm-security main"}, ""},
		{"debian", "trixie", "http://snap.invalid/archive/debian/20260818T205150Z", "", []string{
			"http://snap.invalid/archive/debian/20260818T205150Z trixie main",
			"http://snap.invalid/archive/debian/20260818T205150Z trixie-updates main",
			"http://snap.invalid/archive/debian-security/20260818T205150Z trixie-security main"}, ""},
		{"debian", "sid", "http://m.invalid/debian", "", []string{"http://m.invalid/debian sid main"}, ""},
		{"debian", "stable", "http://m.invalid/debian", "", []string{
			"http://m.invalid/debian stable main", "http://m.invalid/debian stable-updates main", "http://m.invalid/debian-security stable-security main"}, ""},
		{"debian", "buster", "http://m.invalid/debian", "", []string{
			"http://m.invalid/debian buster main", "http://m.invalid/debian buster-updates main", "http://m.invalid/debian-security buster/updates main"}, ""},
		{"debian", "rc-buggy", "http://m.invalid/debian", "", []string{"http://m.invalid/debian rc-buggy main"}, ""},
		{"debian", "unstable", "http://m.invalid/mirror", "", []string{"http://m.invalid/mirror unstable main"}, ""},
		{"debian", "experimental", "http://m.invalid/debian", "", []string{"http://m.invalid/debian experimental main"}, ""},
		{"ubuntu", "noble", "http://m.invalid/ubuntu", "", []string{
			"http://m.invalid/ubuntu noble main", "http://m.invalid/ubuntu noble-updates main", "http://m.invalid/ubuntu noble-security main"}, ""},
		{"debian", "trixie", "http://m.invalid/mirror", "", nil, "set the security mirror explicitly"},
		{"debian", "trixie", "", "", nil, "DISTROFILE_MIRROR"},
		{"debian", "trixie", "m.invalid/debian", "", nil, "invalid archive URL"},
		{"fedora", "41", "http://m.invalid/fedora", "", nil, "unknown distribution"},
	} {
		srcs, err := debresolve.DefaultSources(c.distro, c.suite, c.mirror, c.sec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: err = %v, want %q", c, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c, err)
			continue
		}
		var got []string
		for _, s := range srcs {
			got = append(got, s.String())
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:%s %s:\n got %q\nwant %q", c.distro, c.suite, c.mirror, got, c.want)
		}
	}
}
