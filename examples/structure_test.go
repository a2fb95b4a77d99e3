package examples

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing"
)

// imageFS is a pushed image's file system: every layer read in order,
// whiteouts applied.
type imageFS struct {
	hdrs   map[string]*tar.Header
	bodies map[string]string
}

// readImage reads repo:tag from the registry.
func readImage(t *testing.T, registry, repo, tag string) (*imageFS, imageConfig) {
	t.Helper()
	m, cfg := pushed(t, registry, repo, tag)
	fs := &imageFS{hdrs: map[string]*tar.Header{}, bodies: map[string]string{}}
	for _, l := range m.Layers {
		resp, err := http.Get("http://" + registry + "/v2/" + repo + "/blobs/" + l.Digest)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("layer %s: %v", l.Digest, err)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("layer %s: %v", l.Digest, err)
			}
			name := path.Clean("/" + h.Name)
			if base := path.Base(name); strings.HasPrefix(base, ".wh.") {
				gone := path.Join(path.Dir(name), strings.TrimPrefix(base, ".wh."))
				for p := range fs.hdrs {
					if p == gone || strings.HasPrefix(p, gone+"/") {
						delete(fs.hdrs, p)
						delete(fs.bodies, p)
					}
				}
				continue
			}
			fs.hdrs[name] = h
			if h.Typeflag == tar.TypeReg && (strings.HasPrefix(name, "/etc/") || strings.HasPrefix(name, "/usr/lib/os-release") || name == "/var/lib/dpkg/status") {
				dt, _ := io.ReadAll(tr)
				fs.bodies[name] = string(dt)
			}
		}
		resp.Body.Close()
	}
	return fs, cfg
}

// resolve follows the links of p (absolute ones inside the image).
func (fs *imageFS) resolve(p string) (string, *tar.Header) {
	for range 40 {
		dir, base := path.Split(path.Clean(p))
		if dir != "/" {
			rd, _ := fs.resolve(dir)
			p = path.Join(rd, base)
		}
		h := fs.hdrs[p]
		if h == nil || h.Typeflag != tar.TypeSymlink {
			return p, h
		}
		if path.IsAbs(h.Linkname) {
			p = h.Linkname
		} else {
			p = path.Join(path.Dir(p), h.Linkname)
		}
	}
	return p, nil
}

// checkStructure checks what every Distrofile image must have, as
// distroless's structure tests do: the accounts (root, nobody, nonroot and
// the image's user), the user's home as the user's and writable, /tmp
// 1777, an os-release, the C.utf8 locale where libc6 is (which it
// returns), and no shell and no apt.
func checkStructure(t *testing.T, registry, repo, tag string) (locale bool) {
	t.Helper()
	fs, cfg := readImage(t, registry, repo, tag)
	passwd, group := fs.bodies["/etc/passwd"], fs.bodies["/etc/group"]
	for _, want := range []string{"root:x:0:0:", "nobody:x:65534:65534:"} {
		if !strings.Contains(passwd, want) {
			t.Errorf("%s: /etc/passwd lacks %q:\n%s", repo, want, passwd)
		}
	}
	if !strings.Contains(group, "root:x:0:") {
		t.Errorf("%s: /etc/group lacks root:\n%s", repo, group)
	}
	if h := fs.hdrs["/tmp"]; h == nil || h.Mode&0o7777 != 0o1777 {
		t.Errorf("%s: /tmp is %+v, want 1777", repo, h)
	}
	if p, h := fs.resolve("/etc/os-release"); h == nil || !strings.Contains(fs.bodies[p], "ID=debian") {
		t.Errorf("%s: /etc/os-release (%s) does not name Debian", repo, p)
	}
	// No shell. (dpkg may be there: python3-minimal depends on it, as apt
	// would install it; the perl example checks it has none.)
	for _, p := range []string{"/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/apt-get"} {
		if _, h := fs.resolve(p); h != nil {
			t.Errorf("%s: %s is in a distroless image", repo, p)
		}
	}
	// The C.utf8 locale (LANG=C.UTF-8) in every image that has libc6, and
	// only there; libc-bin is not installed for it.
	_, libc := fs.hdrs["/var/lib/dpkg/status.d/libc6"]
	if h := fs.hdrs["/usr/lib/locale/C.utf8/LC_CTYPE"]; libc != (h != nil) {
		t.Errorf("%s: libc6 installed %v, /usr/lib/locale/C.utf8/LC_CTYPE %s", repo, libc, describe(h))
	}
	// The user the image runs as is in /etc/passwd, and its home is its own.
	user, _, _ := strings.Cut(cfg.Config.User, ":")
	if user == "" || user == "root" || user == "0" {
		return libc
	}
	var entry []string
	for _, l := range strings.Split(passwd, "\n") {
		f := strings.Split(l, ":")
		if len(f) == 7 && (f[0] == user || f[2] == user) {
			entry = f
		}
	}
	if entry == nil {
		if _, err := strconv.Atoi(user); err != nil {
			t.Errorf("%s: USER %s is not in /etc/passwd:\n%s", repo, user, passwd)
		}
		return libc
	}
	uid, _ := strconv.Atoi(entry[2])
	if home := entry[5]; strings.HasPrefix(home, "/home/") {
		if h := fs.hdrs[home]; h == nil || h.Uid != uid || h.Mode&0o200 == 0 {
			t.Errorf("%s: %s's home %s is %s, want it the user's and writable", repo, entry[0], home, describe(h))
		}
	}
	return libc
}

func describe(h *tar.Header) string {
	if h == nil {
		return "missing"
	}
	return fmt.Sprintf("%d:%d %04o", h.Uid, h.Gid, h.Mode&0o7777)
}
