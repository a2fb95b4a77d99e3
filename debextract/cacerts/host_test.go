package cacerts

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debextract/imageroot"
)

// TestHost runs Build on this machine's /usr/share/ca-certificates and
// /usr/local/share/ca-certificates with its /etc/ca-certificates.conf, and
// compares the result with what update-ca-certificates and openssl rehash
// left in /etc/ssl/certs.
func TestHost(t *testing.T) {
	conf, err := os.ReadFile(ConfPath)
	if err != nil {
		t.Skipf("no ca-certificates on this machine (apt-get install ca-certificates): %v", err)
	}
	hostBundle, err := os.ReadFile(BundlePath)
	if err != nil {
		t.Skip(err)
	}
	// The configuration a fresh install would write: the host's, unless
	// certificates were deselected or added since.
	ir, err := imageroot.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	found, err := ir.Find(CertsDir, false, isCRT)
	ir.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := range found {
		found[i] = strings.TrimPrefix(found[i], CertsDir+"/")
	}
	if fresh := FreshConfig(found); bytes.Equal(fresh, conf) {
		t.Logf("%s: identical to a fresh install's, %d certificates", ConfPath, len(found))
	} else if !bytes.Contains(conf, []byte("\n!")) {
		t.Errorf("%s differs from FreshConfig:\n%s", ConfPath, fresh)
	}

	res, err := Build("/", Options{Config: conf})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	for _, w := range res.Warnings {
		t.Log("warning: ", w)
	}
	files := map[string]File{}
	for _, f := range res.Files {
		files["/"+f.Path] = f
	}
	if _, ok := files[ConfPath]; ok {
		t.Errorf("%s written although given", ConfPath)
	}
	bundle := files[BundlePath].Data
	switch {
	case bytes.Equal(bundle, hostBundle):
		t.Logf("%s: identical, %d bytes", BundlePath, len(bundle))
	case bytes.HasPrefix(hostBundle, bundle):
		// Something appended to the host's bundle after update-ca-certificates.
		t.Logf("%s: ours (%d bytes) is a prefix of the host's (%d bytes)", BundlePath, len(bundle), len(hostBundle))
	default:
		t.Errorf("%s differs from the host's", BundlePath)
	}

	// Every link we make is on the host, with the same target.
	same := 0
	for p, f := range files {
		if f.Link == "" {
			continue
		}
		target, err := os.Readlink(p)
		if err != nil {
			// The host may hold a regular file instead of the link, with
			// the content the link points at.
			a, aerr := os.ReadFile(p)
			b, berr := os.ReadFile(f.Link)
			if aerr == nil && berr == nil && bytes.Equal(a, b) {
				t.Logf("%s: a regular file on the host, same content as our link -> %s", p, f.Link)
				same++
				continue
			}
			t.Errorf("%s -> %s: not on the host: %v", p, f.Link, err)
			continue
		}
		if target != f.Link {
			t.Errorf("%s -> %s, host has -> %s", p, f.Link, target)
			continue
		}
		same++
	}
	// Every host link that update-ca-certificates or rehash made is ours.
	ents, err := os.ReadDir(EtcCertsDir)
	if err != nil {
		t.Fatal(err)
	}
	hostLinks := 0
	for _, e := range ents {
		p := filepath.Join(EtcCertsDir, e.Name())
		target, err := os.Readlink(p)
		if err != nil {
			continue
		}
		if !hashName.MatchString(e.Name()) && !strings.HasPrefix(target, CertsDir+"/") && !strings.HasPrefix(target, LocalCertsDir+"/") {
			t.Logf("%s -> %s: not made by update-ca-certificates", p, target)
			continue
		}
		hostLinks++
		if f, ok := files[p]; !ok || f.Link != target {
			t.Errorf("host %s -> %s: ours %+v", p, target, f.Link)
		}
	}
	t.Logf("%d of our %d links match the host; the host has %d such links", same, res.PEMLinks+res.HashLinks, hostLinks)
	if res.Certificates < 100 || res.HashLinks < 100 {
		t.Errorf("only %d certificates and %d hash links", res.Certificates, res.HashLinks)
	}
}
