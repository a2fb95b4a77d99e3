package examples

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/debtest"
)

// TestE2ELintInBuild: a build prints what the lint rules find, as a
// Dockerfile build prints its checks, and `# check=error=true` makes the
// findings fail it; skip silences a rule.
func TestE2ELintInBuild(t *testing.T) {
	e := e2eEnv(t)
	now, key, stamp := testArchiveKey(t)
	tool := stampedPackage("tool", "amd64", stamp, nil, debtest.File("./usr/bin/tool", 0o755, "\x7fELF"))
	a := signedRepo(t, now, key, tool)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		name, directive string
		fails, warns    bool
	}{
		{"warns", "", false, true},
		{"error", "# check=error=true\n", true, true},
		{"skip", "# check=skip=DuplicateExpose;error=true\n", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := withSyntax(t, e, tc.directive+repoStage(srv.URL)+"INSTALL tool\nEXPOSE 80 80\n")
			withKeyring(t, dir, key)
			out, err := buildx(t, dir, "-f", "Distrofile", "--platform", "linux/amd64", "--output", "type=tar,dest="+t.TempDir()+"/image.tar", ".")
			if (err != nil) != tc.fails {
				t.Fatalf("build error %v, want failure %v:\n%s", err, tc.fails, out)
			}
			if got := strings.Contains(out, "DuplicateExpose: EXPOSE 80: port 80/tcp is already exposed"); got != tc.warns {
				t.Errorf("warning printed %v, want %v:\n%s", got, tc.warns, out)
			}
			if tc.fails && !strings.Contains(out, "lint: DuplicateExpose") {
				t.Errorf("the error does not name the rule:\n%s", out)
			}
		})
	}
}
