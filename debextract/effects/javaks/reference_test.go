package javaks

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract/cacerts"
)

// referenceRoot returns the root named by JAVAKS_REFERENCE, or skips.
func referenceRoot(t *testing.T) string {
	root := os.Getenv("JAVAKS_REFERENCE")
	if root == "" {
		t.Skip("JAVAKS_REFERENCE names no reference root (see the package documentation)")
	}
	return root
}

// referenceStores returns the reference root's keystore, parsed, and ours
// built from the same root's certificates.
func referenceStores(t *testing.T, root string) (real []byte, realEntries []Entry, ours []byte) {
	t.Helper()
	real, err := os.ReadFile(filepath.Join(root, Path))
	if err != nil {
		t.Fatal(err)
	}
	if realEntries, err = Parse(real, StorePass); err != nil {
		t.Fatal(err)
	}
	res, err := cacerts.Build(root, cacerts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ks, warnings, err := Build([]string{root}, res, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Log("warning:", w)
	}
	return real, realEntries, ks
}

// TestReference compares our keystore with the one ca-certificates-java's
// postinst wrote in the reference root: the same entries in the same
// order, and the same bytes once our dates are replaced by its.
func TestReference(t *testing.T) {
	root := referenceRoot(t)
	real, want, ours := referenceStores(t, root)
	got, err := Parse(ours, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, the reference has %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Alias != want[i].Alias || !bytes.Equal(got[i].DER, want[i].DER) {
			t.Fatalf("entry %d: %s, the reference has %s", i, got[i].Alias, want[i].Alias)
		}
		got[i].Created = want[i].Created
	}
	redated, err := Marshal(got, StorePass)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(redated, real) {
		t.Error("with the reference's dates, our keystore differs from it")
	}
	t.Logf("%d entries, identical to the reference but for the dates", len(got))
}

// dateField matches the creation date in a keytool -list line.
var dateField = regexp.MustCompile(`(?m)^([^,\n]+), [^,\n]+, [^,\n]+, trustedCertEntry,`)

// TestReferenceKeytool lists our keystore with the reference root's
// keytool (chroot, so as root, with /proc mounted in the root) and
// compares the listing, dates aside, with that of the root's own.
func TestReferenceKeytool(t *testing.T) {
	root := referenceRoot(t)
	_, _, ours := referenceStores(t, root)
	tmp, err := os.MkdirTemp(filepath.Join(root, "tmp"), "javaks")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "cacerts"), ours, 0o644); err != nil {
		t.Fatal(err)
	}
	list := func(store ...string) string {
		args := append([]string{root, "keytool", "-list", "-storepass", StorePass}, store...)
		out, err := exec.Command("chroot", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("keytool -list %s: %v\n%s", store, err, out)
		}
		return dateField.ReplaceAllString(string(out), "$1, DATE, trustedCertEntry,")
	}
	want := list("-cacerts")
	got := list("-keystore", "/tmp/"+filepath.Base(tmp)+"/cacerts")
	if got != want {
		t.Errorf("keytool lists our keystore as\n%s\nand the reference as\n%s", got, want)
	}
	t.Logf("keytool's listings agree:\n%.400s…", got)
}
