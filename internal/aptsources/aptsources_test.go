package aptsources

import (
	"strings"
	"testing"
)

func TestMirrorsFromThisMachine(t *testing.T) {
	mirror, security := Mirrors()
	if mirror == "" {
		t.Fatal("no APT mirror configured on this machine")
	}
	if !strings.HasPrefix(mirror, "http://") && !strings.HasPrefix(mirror, "https://") {
		t.Errorf("mirror %q is not an http(s) URL", mirror)
	}
	if strings.HasSuffix(mirror, "/") || strings.HasSuffix(security, "/") {
		t.Errorf("trailing slash in %q / %q", mirror, security)
	}
	if security != "" && security == mirror {
		t.Errorf("the security mirror is the main one: %q", security)
	}
}
