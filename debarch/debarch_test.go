package debarch

import (
	"slices"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		name, platform, goarch, triplet, interp, loader, dir, uname string
	}{
		{"amd64", "linux/amd64", "amd64", "x86_64-linux-gnu", "/lib64/ld-linux-x86-64.so.2", "ld-linux-x86-64.so.2", "/lib64", "x86_64"},
		{"arm64", "linux/arm64", "arm64", "aarch64-linux-gnu", "/lib/ld-linux-aarch64.so.1", "ld-linux-aarch64.so.1", "/lib", "aarch64"},
		{"armel", "linux/arm/v5", "arm", "arm-linux-gnueabi", "/lib/ld-linux.so.3", "ld-linux.so.3", "/lib", "armv5tel"},
		{"armhf", "linux/arm/v7", "arm", "arm-linux-gnueabihf", "/lib/ld-linux-armhf.so.3", "ld-linux-armhf.so.3", "/lib", "armv7l"},
		{"i386", "linux/386", "386", "i386-linux-gnu", "/lib/ld-linux.so.2", "ld-linux.so.2", "/lib", "i686"},
		{"loong64", "linux/loong64", "loong64", "loongarch64-linux-gnu", "/lib64/ld-linux-loongarch-lp64d.so.1", "ld-linux-loongarch-lp64d.so.1", "/lib64", "loongarch64"},
		{"mips64el", "linux/mips64le", "mips64le", "mips64el-linux-gnuabi64", "/lib64/ld.so.1", "ld.so.1", "/lib64", "mips64"},
		{"mipsel", "linux/mipsle", "mipsle", "mipsel-linux-gnu", "/lib/ld.so.1", "ld.so.1", "/lib", "mips"},
		{"ppc64el", "linux/ppc64le", "ppc64le", "powerpc64le-linux-gnu", "/lib64/ld64.so.2", "ld64.so.2", "/lib64", "ppc64le"},
		{"riscv64", "linux/riscv64", "riscv64", "riscv64-linux-gnu", "/lib/ld-linux-riscv64-lp64d.so.1", "ld-linux-riscv64-lp64d.so.1", "/lib", "riscv64"},
		{"s390x", "linux/s390x", "s390x", "s390x-linux-gnu", "/lib/ld64.so.1", "ld64.so.1", "/lib", "s390x"},
	} {
		a, ok := Lookup(tc.name)
		if !ok {
			t.Errorf("Lookup(%q) found nothing", tc.name)
			continue
		}
		p := a.Platform.OS + "/" + a.Platform.Architecture
		if a.Platform.Variant != "" {
			p += "/" + a.Platform.Variant
		}
		got := []string{a.Name, p, a.GOARCH, a.Triplet, a.Interp, a.Loader(), a.LoaderDir(), a.Uname}
		want := []string{tc.name, tc.platform, tc.goarch, tc.triplet, tc.interp, tc.loader, tc.dir, tc.uname}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, want)
		}
		if b, ok := FromPlatform(a.Platform); !ok || b.Name != tc.name {
			t.Errorf("FromPlatform(%s) = %q, %v", p, b.Name, ok)
		}
	}
	if n := len(All()); n != 11 {
		t.Errorf("All() has %d architectures, the test %d", n, 11)
	}
	if !slices.IsSorted(Names()) {
		t.Errorf("Names() = %q, not sorted", Names())
	}
}

func TestFromPlatform(t *testing.T) {
	for _, tc := range []struct {
		os, arch, variant string
		want              string // "" for none
	}{
		{"linux", "amd64", "", "amd64"},
		{"linux", "amd64", "v3", "amd64"},
		{"linux", "arm64", "v8", "arm64"},
		{"linux", "arm", "", "armhf"},
		{"linux", "arm", "v7", "armhf"},
		{"linux", "arm", "v6", "armel"},
		{"linux", "arm", "v5", "armel"},
		{"linux", "arm", "v8", ""},
		{"linux", "386", "", "i386"},
		{"linux", "ppc64le", "", "ppc64el"},
		{"linux", "s390x", "", "s390x"},
		{"linux", "riscv64", "", "riscv64"},
		{"linux", "mips64le", "", "mips64el"},
		{"linux", "loong64", "", "loong64"},
		{"linux", "sparc64", "", ""},
		{"windows", "amd64", "", ""},
		{"", "amd64", "", ""},
	} {
		a, ok := FromPlatform(ocispecs.Platform{OS: tc.os, Architecture: tc.arch, Variant: tc.variant})
		if ok != (tc.want != "") || a.Name != tc.want {
			t.Errorf("FromPlatform(%s/%s/%s) = %q, %v; want %q", tc.os, tc.arch, tc.variant, a.Name, ok, tc.want)
		}
	}
}

func TestFromGOARCH(t *testing.T) {
	for _, tc := range []struct{ goarch, want string }{
		{"amd64", "amd64"}, {"arm64", "arm64"}, {"arm", "armhf"}, {"386", "i386"},
		{"ppc64le", "ppc64el"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
		{"mips64le", "mips64el"}, {"mipsle", "mipsel"}, {"loong64", "loong64"},
		{"wasm", ""}, {"ppc64", ""},
	} {
		a, ok := FromGOARCH(tc.goarch)
		if ok != (tc.want != "") || a.Name != tc.want {
			t.Errorf("FromGOARCH(%q) = %q, %v; want %q", tc.goarch, a.Name, ok, tc.want)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, name := range []string{"", "x86_64", "arm", "powerpc", "AMD64"} {
		if a, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q", name, a.Name)
		}
	}
}
