// Package layertest writes small image layers for tests.
package layertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write writes files into a new directory and returns it. A key is a path
// relative to the layer's root; a key ending in "/" is a directory, a
// value starting with "@" a symbolic link to the rest, any other value a
// regular file's content (mode 0755 when it starts with "#!" or lies in
// usr/bin or usr/sbin, else 0644). Parents are made as needed.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(p, "/"):
			err = os.MkdirAll(full, 0o755)
		case strings.HasPrefix(c, "@"):
			err = os.Symlink(c[1:], full)
		default:
			mode := os.FileMode(0o644)
			if strings.HasPrefix(c, "#!") || strings.HasPrefix(p, "usr/bin/") || strings.HasPrefix(p, "usr/sbin/") {
				mode = 0o755
			}
			err = os.WriteFile(full, []byte(c), mode)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
