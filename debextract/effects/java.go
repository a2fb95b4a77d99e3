package effects

import (
	"bufio"
	"encoding/pem"
	"path"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/debextract/effects/javaks"
)

// caCertificatesJavaJar is the program ca-certificates-java's postinst
// runs to write the Java trust store.
const caCertificatesJavaJar = "/usr/share/ca-certificates-java/ca-certificates-java.jar"

// javaCmd stands in for java where ca-certificates-java's postinst runs
// it: "java -version" succeeds when the image has a Java runtime (the
// command was found), and "java -jar ca-certificates-java.jar" reads
// "+/etc/ssl/certs/NAME.pem" lines on its standard input and writes
// /etc/ssl/certs/java/cacerts as that program does on a fresh install
// (package javaks). Any other java command is not run.
func javaCmd(c *call) int {
	if slices.Contains(c.args, "-version") {
		return 0
	}
	i := slices.Index(c.args, "-jar")
	if i < 0 || arg(c.args, i+1) != caCertificatesJavaJar {
		c.e.skipped(c)
		return 0
	}
	var certs []javaks.Cert
	sc := bufio.NewScanner(c.stdin)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "+") {
			continue // "-alias": nothing to remove from a new store
		}
		p := line[1:]
		der, err := firstCertificate(c, p)
		if err != nil {
			c.e.warnf(c.sc.pkg, "Java trust store: %s: %v: left out", p, err)
			continue
		}
		certs = append(certs, javaks.Cert{Alias: javaks.AliasFor(p), DER: der})
	}
	ks, err := javaks.TrustStore(certs, c.e.opt.Epoch)
	if err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.mkdir(path.Dir(javaks.Path), 0o755, true); err != nil {
		return c.failf("%v", err)
	}
	if err := c.e.fs.writeFile(javaks.Path, ks, 0o644); err != nil {
		return c.failf("%v", err)
	}
	return 0
}

// firstCertificate is the first PEM certificate of the file p, as the
// trust store's program reads it.
func firstCertificate(c *call, p string) ([]byte, error) {
	data, err := c.e.fs.readFile(p)
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errNoCertificate
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes, nil
		}
	}
}

// errNoCertificate reports a file without a PEM certificate.
var errNoCertificate = errorString("no certificate")

type errorString string

func (e errorString) Error() string { return string(e) }
