package imageroot

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/internal/layertest"
)

// layer writes files (see layertest.Write) into a new directory.
func layer(t *testing.T, files map[string]string) string {
	t.Helper()
	return layertest.Write(t, files)
}

func TestUnion(t *testing.T) {
	bottom := layer(t, map[string]string{
		"usr/lib/x86_64-linux-gnu/libfoo.so.1": "foo",
		"lib":                                  "@usr/lib",
		"etc/shadowed":                         "bottom",
		"etc/ld.so.conf.d/a.conf":              "/usr/local/lib\n",
	})
	top := layer(t, map[string]string{
		"usr/lib/x86_64-linux-gnu/libbar.so.2": "bar",
		"etc/shadowed":                         "top",
		"etc/abs":                              "@/lib/x86_64-linux-gnu/libbar.so.2",
		"etc/escape":                           "@../../../../../../etc/shadowed",
		"etc/loop":                             "@loop",
	})
	r, err := Open(bottom, top)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	ents, err := r.ReadDir("/lib/x86_64-linux-gnu")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"libbar.so.2", "libfoo.so.1"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir = %v, want %v", names, want)
	}
	for _, c := range []struct{ path, want string }{
		{"/etc/shadowed", "top"},
		{"/etc/abs", "bar"},
		{"/etc/escape", "top"},
		{"/lib/x86_64-linux-gnu/libfoo.so.1", "foo"},
	} {
		b, err := r.ReadFile(c.path, 1<<20)
		if err != nil || string(b) != c.want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", c.path, b, err, c.want)
		}
	}
	if _, err := r.ReadFile("/etc/loop", 1<<20); err == nil {
		t.Error("ReadFile of a link loop: no error")
	}
	if target, err := r.Readlink("/etc/abs"); err != nil || target != "/lib/x86_64-linux-gnu/libbar.so.2" {
		t.Errorf("Readlink = %q, %v", target, err)
	}
	if fi, err := r.Lstat("/lib"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("Lstat(/lib) = %v, %v; want a link", fi, err)
	}
	found, err := r.Find("/etc", false, func(n string) bool { return strings.HasSuffix(n, ".conf") })
	if err != nil || !slices.Equal(found, []string{"/etc/ld.so.conf.d/a.conf"}) {
		t.Errorf("Find = %v, %v", found, err)
	}
}
