package usrmerge

import (
	"slices"
	"testing"
)

func TestPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/bin/sh", "/usr/bin/sh"},
		{"/sbin/ldconfig", "/usr/sbin/ldconfig"},
		{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{"/lib32/x", "/usr/lib32/x"},
		{"/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"},
		{"/libx32/x", "/usr/libx32/x"},
		{"bin/sh", "usr/bin/sh"},
		{"lib64/x/y", "usr/lib64/x/y"},
		// The links themselves, and what is not below them.
		{"/bin", "/bin"},
		{"bin", "bin"},
		{"/lib64", "/lib64"},
		{"/libo32/x", "/libo32/x"},
		{"/library/x", "/library/x"},
		{"/binary", "/binary"},
		{"/usr/bin/sh", "/usr/bin/sh"},
		{"/etc/passwd", "/etc/passwd"},
		{"/", "/"},
		{"", ""},
	} {
		if got := Path(tc.in); got != tc.want {
			t.Errorf("Path(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnmerged(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/usr/bin/sh", "/bin/sh", true},
		{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", true},
		{"/usr/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2", true},
		{"/usr/bin", "", false},
		{"/usr/share/doc/x", "", false},
		{"/bin/sh", "", false},
		{"/usr/libexec/x", "", false},
	} {
		got, ok := Unmerged(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Unmerged(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDirs(t *testing.T) {
	want := []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"}
	if got := Dirs(); !slices.Equal(got, want) {
		t.Errorf("Dirs() = %q, want %q", got, want)
	}
	for _, d := range want {
		if !IsDir(d) {
			t.Errorf("IsDir(%q) = false", d)
		}
	}
	for _, d := range []string{"usr", "etc", "libo32", "/bin", "bin/", ""} {
		if IsDir(d) {
			t.Errorf("IsDir(%q) = true", d)
		}
	}
}
