package effects

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/cacerts"
	"github.com/distrofile/distrofile/debextract/imageroot"
)

// baseLayer writes what the frontend's generated-files layer holds that
// scripts look at: the accounts and the merged-/usr links.
func baseLayer(t testing.TB, dir string) {
	t.Helper()
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
	}
	for p, c := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tmp", "root", "home", "usr"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
		if err := os.Symlink("usr/"+l, filepath.Join(dir, l)); err != nil {
			t.Fatal(err)
		}
	}
}

// extractSet extracts every .deb of dir into a layer of its own (merged
// /usr), on top of baseLayer, and returns the layers and the packages'
// control archives.
func extractSet(t testing.TB, dir, arch string) ([]string, []*debextract.ControlArchive) {
	t.Helper()
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	sort.Strings(debs)
	if len(debs) == 0 {
		t.Fatalf("no .deb in %s", dir)
	}
	root := t.TempDir()
	base := filepath.Join(root, "base")
	baseLayer(t, base)
	layers := []string{base}
	var ctls []*debextract.ControlArchive
	for i, deb := range debs {
		out := filepath.Join(root, fmt.Sprint(i))
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		l, err := debextract.NewLayer(out, debextract.Options{UsrMerge: true, DpkgStatus: true})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(deb)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Extract(f); err != nil {
			t.Fatalf("%s: %v", deb, err)
		}
		f.Close()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		f, _ = os.Open(deb)
		ca, err := debextract.ReadControlArchive(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", deb, err)
		}
		layers = append(layers, out)
		ctls = append(ctls, ca)
	}
	// The base is the generated-files layer: on top, as in an image,
	// with the CA bundle when ca-certificates is installed.
	layers = append(layers[1:], base)
	if _, err := os.Stat(filepath.Join(dir, "ca-certificates.deb")); err == nil {
		res, err := cacerts.BuildLayers(layers, cacerts.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(res.Tar(pw, time.Unix(0, 0))) }()
		if _, err := debextract.ExtractTar(pr, base, debextract.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return layers, ctls
}

// TestRealSet runs the engine on the packages of a directory of .debs
// (EFFECTS_SET_DIR, a closure as `distrofile resolve` gives it;
// EFFECTS_ARCH, amd64 by default) and logs what it writes: the way to
// look at a set while writing stand-ins. With EFFECTS_COMPARE_ROOT (an
// apt root of the same packages) and EFFECTS_COMPARE_PREFIX (a directory,
// /usr/share/mime) it compares what the engine wrote there with the
// root's, byte for byte. The fidelity oracle (internal/fidelity)
// compares whole images with a real apt root.
func TestRealSet(t *testing.T) {
	dir := os.Getenv("EFFECTS_SET_DIR")
	if dir == "" {
		t.Skip("EFFECTS_SET_DIR names a directory of .debs")
	}
	arch := os.Getenv("EFFECTS_ARCH")
	if arch == "" {
		arch = "amd64"
	}
	layers, ctls := extractSet(t, dir, arch)
	img, err := imageroot.Open(layers...)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := Run(context.Background(), img, ctls, Options{Arch: arch})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	for _, f := range res.Files {
		switch {
		case f.Dir:
			t.Logf("d %s %o %d:%d", f.Path, unixPerm(f.Mode), f.UID, f.GID)
		case f.Target != "":
			t.Logf("l %s -> %s", f.Path, f.Target)
		default:
			t.Logf("f %s %o %d:%d %d bytes %q", f.Path, unixPerm(f.Mode), f.UID, f.GID, len(f.Data), strings.SplitN(string(f.Data), "\n", 2)[0])
		}
	}
	for _, w := range res.Warnings {
		t.Log("warning:", w)
	}
	if root := os.Getenv("EFFECTS_COMPARE_ROOT"); root != "" {
		compareRoot(t, img, res, root, os.Getenv("EFFECTS_COMPARE_PREFIX"))
	}
}

// compareRoot compares what the engine wrote under prefix (an absolute
// directory) with the same directory of an apt root (EFFECTS_COMPARE_ROOT,
// made by mmdebstrap from the same packages): every file and directory
// the root has there that the image's packages do not ship, with its
// bytes and mode, or its link target.
func compareRoot(t *testing.T, img *imageroot.Root, res *Result, root, prefix string) {
	t.Helper()
	if prefix == "" || !filepath.IsAbs(prefix) {
		t.Fatalf("EFFECTS_COMPARE_PREFIX %q: an absolute directory", prefix)
	}
	ours := map[string]File{}
	for _, f := range res.Files {
		if f.Path == prefix || strings.HasPrefix(f.Path, prefix+"/") {
			ours[f.Path] = f
		}
	}
	same, theirs := 0, 0
	err := filepath.Walk(filepath.Join(root, prefix), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(p, filepath.Clean(root)+"/"))
		f, ok := ours[rel]
		if !ok {
			if _, err := img.Lstat(rel); err != nil {
				t.Errorf("%s: in the root, neither written nor shipped", rel)
			}
			return nil
		}
		theirs++
		delete(ours, rel)
		switch {
		case fi.IsDir() != f.Dir || fi.Mode()&os.ModeSymlink != 0 != (f.Target != ""):
			t.Errorf("%s: not of the same kind", rel)
		case f.Target != "":
			if target, _ := os.Readlink(p); target != f.Target {
				t.Errorf("%s -> %s, the root's -> %s", rel, f.Target, target)
			}
		case fi.Mode().Perm() != f.Mode.Perm():
			t.Errorf("%s: mode %o, the root's %o", rel, f.Mode.Perm(), fi.Mode().Perm())
		case !f.Dir:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if string(data) != string(f.Data) {
				t.Errorf("%s: %d bytes differ from the root's %d", rel, len(f.Data), len(data))
				return nil
			}
		}
		same++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range ours {
		t.Errorf("%s: written, not in the root", p)
	}
	t.Logf("%s: %d of the root's entries written by the engine, %d the same", prefix, theirs, same)
}
