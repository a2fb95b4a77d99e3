package javaks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// goldenNames are the .pem link names of testdata/java.jks, a keystore
// written by ca-certificates-java's own UpdateCertificates (20240118, on
// OpenJDK 21, in a trixie root) from the certificates testCert makes for
// them. They are many enough for Java's Hashtable to grow three times,
// include two that differ only in case (the later replaces the earlier)
// and non-ASCII ones (Java lowercases İ to "i̇", modified UTF-8 writes a
// supplementary character as two surrogates of three bytes each).
func goldenNames() []string {
	names := []string{
		"Dup.pem", "dup.pem", "ISRG_Root_X1.pem", "Größe_CA.pem",
		"İstanbul_Root.pem", "\U0001D518nicode_Root.pem", "Mixed=Case=_Root_.pem",
	}
	for i := range 40 {
		names = append(names, fmt.Sprintf("Test_CA_%d%s.pem", i, string(rune('A'+i%26))))
	}
	sort.Strings(names)
	return names
}

// TestWriteGoldenInputs writes the certificates of goldenNames to the
// directory JAVAKS_GOLDEN_DIR, and there a file "input" with the lines the
// postinst pipes to UpdateCertificates, for remaking testdata/java.jks
// in a reference root (see the package documentation):
//
//	JAVAKS_GOLDEN_DIR=$ROOT/tmp/golden go test -run WriteGolden .
//	cp $ROOT/etc/ssl/certs/java/cacerts /tmp/cacerts.keep
//	rm $ROOT/etc/ssl/certs/java/cacerts
//	chroot $ROOT env LC_ALL=C.UTF-8 java -jar /usr/share/ca-certificates-java/ca-certificates-java.jar -storepass changeit < $ROOT/tmp/golden/input
//	mv $ROOT/etc/ssl/certs/java/cacerts testdata/java.jks
//	cp /tmp/cacerts.keep $ROOT/etc/ssl/certs/java/cacerts
func TestWriteGoldenInputs(t *testing.T) {
	dir := os.Getenv("JAVAKS_GOLDEN_DIR")
	if dir == "" {
		t.Skip("JAVAKS_GOLDEN_DIR is not set")
	}
	var input bytes.Buffer
	for _, n := range goldenNames() {
		writeFiles(t, dir, map[string]string{n: string(testPEM(t, n))})
		fmt.Fprintf(&input, "+/tmp/%s/%s\n", filepath.Base(dir), n)
	}
	writeFiles(t, dir, map[string]string{"input": input.String()})
}

// TestGolden builds the keystore of goldenNames and compares it with the
// one Java wrote: the same entries in the same order, and the same bytes
// once given Java's dates.
func TestGolden(t *testing.T) {
	java, err := os.ReadFile("testdata/java.jks")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse(java, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	var certs []Cert
	for _, n := range goldenNames() {
		certs = append(certs, Cert{Alias: AliasFor(n), DER: testCert(t, n)})
	}
	ks, err := TrustStore(certs, testTime)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(ks, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, Java wrote %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Alias != want[i].Alias || !bytes.Equal(got[i].DER, want[i].DER) {
			t.Errorf("entry %d: %q, Java wrote %q (or another certificate)", i, got[i].Alias, want[i].Alias)
		}
		got[i].Created = want[i].Created
	}
	redated, err := Marshal(got, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(redated, java) {
		t.Error("with Java's dates, our keystore differs from Java's")
	}
}
