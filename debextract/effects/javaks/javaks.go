package javaks

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/distrofile/distrofile/debextract/cacerts"
	"github.com/distrofile/distrofile/debextract/imageroot"
)

// Path is where ca-certificates-java writes the keystore, absolute inside
// the image (mode 0644 in a directory of mode 0755).
const Path = "/etc/ssl/certs/java/cacerts"

// StorePass is the keystore password: the postinst's default, which
// /etc/default/cacerts (a conffile, not read here) could change.
const StorePass = "changeit"

// AliasPrefix starts every alias UpdateCertificates gives.
const AliasPrefix = "debian:"

// maxCertFile bounds the size of one certificate file read.
const maxCertFile = 16 << 20

// Cert is one certificate to add to the keystore.
type Cert struct {
	// Alias names the entry; TrustStore lowercases it, as JKS does.
	Alias string
	// DER is the certificate's encoding.
	DER []byte
}

// AliasFor returns the alias that ca-certificates-java stores for the
// link /etc/ssl/certs/<name>.pem (given with or without its directory):
// "debian:" and the file name, lowercased as Java's
// String.toLowerCase(Locale.ENGLISH) does, e.g. "debian:isrg_root_x1.pem"
// for "ISRG_Root_X1.pem".
func AliasFor(pemLinkName string) string {
	return javaLower(AliasPrefix + pemLinkName[strings.LastIndex(pemLinkName, "/")+1:])
}

// javaLower is String.toLowerCase(Locale.ENGLISH), except for the Greek
// capital sigma, which Java lowers to a final sigma at the end of a word
// and unicode.ToLower never does.
func javaLower(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\u0130' { // İ: Java's only unconditional multi-char lowering
			b.WriteString("i\u0307")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// TrustStore returns the keystore UpdateCertificates writes when, starting
// from no keystore, it adds certs in the given order (a later certificate
// with the same alias, compared case-insensitively, replaces the earlier
// one), every entry dated created: a JKS keystore with password StorePass
// whose entries are in the order of Java's Hashtable. See the package
// documentation.
func TrustStore(certs []Cert, created time.Time) ([]byte, error) {
	var entries []Entry
	t := newHashtable()
	for _, c := range certs {
		key := javaLower(c.Alias)
		t.remove(key) // KeyStoreHandler.addAlias: deleteEntry, then set
		entries = append(entries, Entry{Alias: key, Created: created, DER: c.DER})
		t.put(key, len(entries)-1)
	}
	var ordered []Entry
	for _, i := range t.values() {
		ordered = append(ordered, entries[i])
	}
	return Marshal(ordered, StorePass)
}

// Build returns the keystore of the image whose root is the union of
// layers, where res is what cacerts.BuildLayers computed for it: the
// certificates of FromResult, every entry dated created, and FromResult's
// warnings.
func Build(layers []string, res *cacerts.Result, created time.Time) ([]byte, []string, error) {
	certs, warnings, err := FromResult(layers, res)
	if err != nil {
		return nil, nil, err
	}
	ks, err := TrustStore(certs, created)
	return ks, warnings, err
}

// FromResult returns the certificates the postinst of ca-certificates-java
// adds on a fresh install, in the order it adds them, given the image
// (the union of layers, bottom first) and what cacerts.BuildLayers
// computed for it: for each symbolic link /etc/ssl/certs/*.pem of res
// that points into /usr/share/ca-certificates or
// /usr/local/share/ca-certificates, sorted by name in byte order, the
// first certificate of the file it points to, under AliasFor's alias.
// Files that UpdateCertificates could not read or parse are skipped with
// a warning, as it does.
func FromResult(layers []string, res *cacerts.Result) ([]Cert, []string, error) {
	links := pemLinks(res)
	ir, err := imageroot.Open(layers...)
	if err != nil {
		return nil, nil, err
	}
	defer ir.Close()
	names := make([]string, 0, len(links))
	for n := range links {
		names = append(names, n)
	}
	sort.Strings(names)
	var certs []Cert
	var warnings []string
	for _, n := range names {
		c, err := readCert(ir, links, n)
		if err != nil {
			warnings = append(warnings, err.Error())
			continue
		}
		certs = append(certs, c)
	}
	return certs, warnings, nil
}

// pemLinks returns the links the postinst's find_pem_files lists, by
// name in /etc/ssl/certs: "find /etc/ssl/certs -type l -name '*.pem'"
// whose target matches "$CERTSDIR*" or "$LOCALCERTSDIR*".
func pemLinks(res *cacerts.Result) map[string]string {
	dir := strings.TrimPrefix(cacerts.EtcCertsDir, "/") + "/"
	links := map[string]string{}
	for _, f := range res.Files {
		name, ok := strings.CutPrefix(f.Path, dir)
		if !ok || f.Link == "" || !strings.HasSuffix(name, ".pem") {
			continue
		}
		if strings.HasPrefix(f.Link, cacerts.CertsDir) || strings.HasPrefix(f.Link, cacerts.LocalCertsDir) {
			links[name] = f.Link
		}
	}
	return links
}

// readCert reads the certificate UpdateCertificates adds for the line
// "+/etc/ssl/certs/<name>". The postinst's "while read symlink" drops
// backslashes from the name, and Java decodes the line as UTF-8: the
// path it opens is then another link of ours, or nothing.
func readCert(ir *imageroot.Root, links map[string]string, name string) (Cert, error) {
	p := cacerts.EtcCertsDir + "/" + name
	opened := strings.ReplaceAll(name, `\`, "")
	target, ok := links[opened]
	if !ok || !utf8.ValidString(name) {
		return Cert{}, fmt.Errorf("%s: the postinst would open %q, which is not a certificate link; skipped", p, opened)
	}
	data, err := ir.ReadFile(target, maxCertFile)
	if err != nil {
		return Cert{}, fmt.Errorf("%s: %v; skipped", p, err)
	}
	der, err := firstCertificate(data)
	if err != nil {
		return Cert{}, fmt.Errorf("%s: %v; skipped", p, err)
	}
	return Cert{Alias: AliasFor(opened), DER: der}, nil
}

// firstCertificate is CertificateFactory.generateCertificate on a file:
// a DER certificate when the file starts with a SEQUENCE tag (bytes after
// it are ignored), otherwise the first PEM block, whatever its label,
// which must hold exactly one certificate.
func firstCertificate(data []byte) ([]byte, error) {
	var der []byte
	if len(data) > 0 && data[0] == 0x30 {
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		der = v.FullBytes
	} else {
		b, _ := pem.Decode(data)
		if b == nil {
			return nil, errors.New("no certificate found")
		}
		der = b.Bytes
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	return der, nil
}
