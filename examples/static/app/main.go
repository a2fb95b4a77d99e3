// Command app is the static program of examples/static: it shows what a
// program that links no libc finds in a distroless root — its user, the
// protocol and service databases netbase ships, the time zone database and
// the CA bundle.
package main

import (
	"bufio"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	for _, db := range []struct{ file, name string }{{"/etc/protocols", "tcp"}, {"/etc/services", "https"}} {
		fmt.Printf("%s: %s\n", db.file, lookup(db.file, db.name))
	}
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		fail(err)
	}
	fmt.Printf("zoneinfo: %s\n", time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("15:04 MST"))
	pool, err := x509.SystemCertPool()
	if err != nil {
		fail(err)
	}
	subjects := pool.Subjects() //nolint:staticcheck // only names are read
	isrg := false
	for _, der := range subjects {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(der, &rdn); err == nil {
			var name pkix.Name
			name.FillFromRDNSequence(&rdn)
			isrg = isrg || name.CommonName == "ISRG Root X1"
		}
	}
	fmt.Printf("ca bundle: %d certificates, ISRG Root X1: %v\n", len(subjects), isrg)
}

// lookup returns the line of a netbase database that defines name.
func lookup(file, name string) string {
	f, err := os.Open(file)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fs := strings.Fields(s.Text()); len(fs) > 1 && fs[0] == name {
			return strings.Join(fs, " ")
		}
	}
	fail(fmt.Errorf("%s: no entry for %s", file, name))
	return ""
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "app:", err)
	os.Exit(1)
}
