// Package debarch is the one table of Debian architectures: each one's
// name, OCI platform, Go GOARCH, multiarch triplet, dynamic loader and
// uname machine. Every package that maps one of these to another uses it,
// so that they cannot disagree.
//
// It imports nothing of this module and nothing of BuildKit.
package debarch

import (
	"path"
	"slices"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Arch is one Debian architecture.
type Arch struct {
	// Name is the Debian architecture name, as in a Packages file:
	// "amd64", "armhf", "ppc64el".
	Name string
	// Platform is the OCI platform of an image of this architecture (OS
	// "linux"). Its Variant is the canonical one: "v7" for armhf, "v5"
	// for armel, empty elsewhere.
	Platform ocispecs.Platform
	// GOARCH is Go's name of the architecture (for armhf and armel, with
	// GOARM 7 and 5).
	GOARCH string
	// Triplet is the multiarch tuple: the directory under /usr/lib and
	// /usr/include that holds the architecture's libraries
	// ("x86_64-linux-gnu").
	Triplet string
	// Interp is the dynamic loader's path as glibc's ELF executables name
	// it in PT_INTERP ("/lib64/ld-linux-x86-64.so.2").
	Interp string
	// Uname is what uname -m answers on a kernel of the architecture
	// ("x86_64").
	Uname string

	// variants are the OCI variants FromPlatform accepts for Platform's
	// architecture; nil accepts every variant.
	variants []string
}

// Loader returns the base name of the dynamic loader
// ("ld-linux-x86-64.so.2").
func (a Arch) Loader() string { return path.Base(a.Interp) }

// LoaderDir returns the top-level directory of the dynamic loader, "/lib"
// or "/lib64": base-files makes a /lib64 link into /usr on a merged-/usr
// root only where the loader is there.
func (a Arch) LoaderDir() string { return path.Dir(a.Interp) }

// linux returns the OCI platform linux/arch[/variant].
func linux(arch, variant string) ocispecs.Platform {
	return ocispecs.Platform{OS: "linux", Architecture: arch, Variant: variant}
}

// table holds Debian's release architectures of trixie (amd64, arm64,
// armel, armhf, i386, ppc64el, riscv64, s390x), bookworm's mips64el and
// mipsel, and loong64 (ports), sorted by name.
var table = []Arch{
	{Name: "amd64", Platform: linux("amd64", ""), GOARCH: "amd64", Triplet: "x86_64-linux-gnu", Interp: "/lib64/ld-linux-x86-64.so.2", Uname: "x86_64"},
	{Name: "arm64", Platform: linux("arm64", ""), GOARCH: "arm64", Triplet: "aarch64-linux-gnu", Interp: "/lib/ld-linux-aarch64.so.1", Uname: "aarch64"},
	{Name: "armel", Platform: linux("arm", "v5"), GOARCH: "arm", Triplet: "arm-linux-gnueabi", Interp: "/lib/ld-linux.so.3", Uname: "armv5tel", variants: []string{"v5", "v6"}},
	{Name: "armhf", Platform: linux("arm", "v7"), GOARCH: "arm", Triplet: "arm-linux-gnueabihf", Interp: "/lib/ld-linux-armhf.so.3", Uname: "armv7l", variants: []string{"v7", ""}},
	{Name: "i386", Platform: linux("386", ""), GOARCH: "386", Triplet: "i386-linux-gnu", Interp: "/lib/ld-linux.so.2", Uname: "i686"},
	{Name: "loong64", Platform: linux("loong64", ""), GOARCH: "loong64", Triplet: "loongarch64-linux-gnu", Interp: "/lib64/ld-linux-loongarch-lp64d.so.1", Uname: "loongarch64"},
	{Name: "mips64el", Platform: linux("mips64le", ""), GOARCH: "mips64le", Triplet: "mips64el-linux-gnuabi64", Interp: "/lib64/ld.so.1", Uname: "mips64"},
	{Name: "mipsel", Platform: linux("mipsle", ""), GOARCH: "mipsle", Triplet: "mipsel-linux-gnu", Interp: "/lib/ld.so.1", Uname: "mips"},
	{Name: "ppc64el", Platform: linux("ppc64le", ""), GOARCH: "ppc64le", Triplet: "powerpc64le-linux-gnu", Interp: "/lib64/ld64.so.2", Uname: "ppc64le"},
	{Name: "riscv64", Platform: linux("riscv64", ""), GOARCH: "riscv64", Triplet: "riscv64-linux-gnu", Interp: "/lib/ld-linux-riscv64-lp64d.so.1", Uname: "riscv64"},
	{Name: "s390x", Platform: linux("s390x", ""), GOARCH: "s390x", Triplet: "s390x-linux-gnu", Interp: "/lib/ld64.so.1", Uname: "s390x"},
}

// All returns every architecture of the table, sorted by name.
func All() []Arch { return slices.Clone(table) }

// Names returns the names of every architecture of the table, sorted.
func Names() []string {
	names := make([]string, len(table))
	for i, a := range table {
		names[i] = a.Name
	}
	return names
}

// Lookup returns the architecture named name ("amd64").
func Lookup(name string) (Arch, bool) {
	for _, a := range table {
		if a.Name == name {
			return a, true
		}
	}
	return Arch{}, false
}

// FromPlatform returns the architecture of an OCI platform. The OS must be
// linux. linux/arm is armhf for variant v7 or none and armel for v5 or v6;
// other architectures accept any variant (linux/arm64/v8 is arm64).
func FromPlatform(p ocispecs.Platform) (Arch, bool) {
	if p.OS != "linux" {
		return Arch{}, false
	}
	for _, a := range table {
		if a.Platform.Architecture == p.Architecture && (a.variants == nil || slices.Contains(a.variants, p.Variant)) {
			return a, true
		}
	}
	return Arch{}, false
}

// FromGOARCH returns the architecture of a Go GOARCH; "arm" is armhf.
func FromGOARCH(goarch string) (Arch, bool) {
	if goarch == "arm" {
		return Lookup("armhf")
	}
	for _, a := range table {
		if a.GOARCH == goarch {
			return a, true
		}
	}
	return Arch{}, false
}
