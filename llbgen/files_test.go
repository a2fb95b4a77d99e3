package llbgen

import (
	"slices"
	"testing"

	"github.com/distrofile/distrofile/imagespec"
)

func TestUsrMergeLinks(t *testing.T) {
	for _, tc := range []struct {
		arch string
		want []string
	}{
		{"amd64", []string{"/bin", "/sbin", "/lib", "/lib64"}},
		{"ppc64el", []string{"/bin", "/sbin", "/lib", "/lib64"}},
		{"loong64", []string{"/bin", "/sbin", "/lib", "/lib64"}},
		{"mips64el", []string{"/bin", "/sbin", "/lib", "/lib64"}},
		{"arm64", []string{"/bin", "/sbin", "/lib"}},
		{"armhf", []string{"/bin", "/sbin", "/lib"}},
		{"armel", []string{"/bin", "/sbin", "/lib"}},
		{"i386", []string{"/bin", "/sbin", "/lib"}},
		{"riscv64", []string{"/bin", "/sbin", "/lib"}},
		{"s390x", []string{"/bin", "/sbin", "/lib"}},
		{"unknown", []string{"/bin", "/sbin", "/lib"}},
	} {
		var got []string
		for _, f := range usrMergeLinks(tc.arch) {
			if f.Kind != imagespec.KindSymlink || f.Target != "usr"+f.Path {
				t.Errorf("%s: %+v is not a link into usr/", tc.arch, f)
			}
			got = append(got, f.Path)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("usrMergeLinks(%q) = %q, want %q", tc.arch, got, tc.want)
		}
	}
}
