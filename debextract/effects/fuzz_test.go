package effects

import (
	"context"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debextract/imageroot"
)

// FuzzRun runs arbitrary maintainer scripts and trigger files: the engine
// must neither panic nor hang, and whatever it writes stays inside the
// image it describes (paths are absolute and clean).
func FuzzRun(f *testing.F) {
	f.Add([]byte("#!/bin/sh\nupdate-alternatives --install /usr/bin/x x /usr/bin/y 1\n"), []byte("interest x\n"))
	f.Add([]byte("adduser --system --group --home /var/lib/x x\nchown -R x:x /var/lib/x\nln -sf ../../x /etc/x\n"), []byte(""))
	f.Add([]byte("f() ( return 3 )\nf && echo ok > /tmp/a\nfor i in a b; do mkdir -p /tmp/$i; done\n"), []byte("activate x\n"))
	f.Add([]byte("while true; do :; done\n"), []byte(""))
	f.Add([]byte(". /usr/share/debconf/confmodule\ndb_get a/b\necho \"$RET\" > /etc/x\nsed -n p /etc/x | sort -rn\n"), []byte(""))
	img := merged()
	img["usr/bin/y"] = ""
	dir := image(f, img)
	f.Fuzz(func(t *testing.T, script, triggers []byte) {
		root, err := imageroot.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		ca := &debextract.ControlArchive{Package: "p", Version: "1", Architecture: "amd64",
			Files: map[string][]byte{"control": []byte("Package: p\n"), "postinst": script, "triggers": triggers}}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := Run(ctx, root, []*debextract.ControlArchive{ca}, Options{Arch: "amd64"})
		if err != nil {
			return
		}
		for _, f := range res.Files {
			if f.Path == "" || f.Path[0] != '/' || f.Path != cleanPath(f.Path) {
				t.Errorf("effect path %q", f.Path)
			}
		}
	})
}
