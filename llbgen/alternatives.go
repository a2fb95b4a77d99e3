package llbgen

import (
	"sort"
	"strings"
)

// alternative is one `update-alternatives --install LINK NAME PATH PRIORITY`
// call that a package's postinst makes. In PATH, {triplet} stands for the
// multiarch triplet and {arch} for the Debian architecture.
type alternative struct {
	Name, Link, Path string
	Priority         int
}

// alternativesTable lists the update-alternatives calls of the postinst
// scripts of packages that programs in images rely on. It is the policy
// behind ScriptEffects' /etc/alternatives: when several installed packages
// offer the same name, the highest priority wins, as in update-alternatives'
// automatic mode. Keep entries as the packages' postinst scripts write them
// (Debian trixie; the same calls exist in bookworm unless noted).
var alternativesTable = map[string][]alternative{
	// awk: mawk is Priority: required; gawk wins when installed.
	"mawk":           {{"awk", "/usr/bin/awk", "/usr/bin/mawk", 5}, {"nawk", "/usr/bin/nawk", "/usr/bin/mawk", 5}},
	"gawk":           {{"awk", "/usr/bin/awk", "/usr/bin/gawk", 10}, {"nawk", "/usr/bin/nawk", "/usr/bin/gawk", 10}},
	"original-awk":   {{"awk", "/usr/bin/awk", "/usr/bin/original-awk", 0}, {"nawk", "/usr/bin/nawk", "/usr/bin/original-awk", 0}},
	"less":           {{"pager", "/usr/bin/pager", "/usr/bin/less", 77}},
	"vim-tiny":       {{"editor", "/usr/bin/editor", "/usr/bin/vim.tiny", 15}, {"vi", "/usr/bin/vi", "/usr/bin/vim.tiny", 15}},
	"nano":           {{"editor", "/usr/bin/editor", "/bin/nano", 40}},
	"netcat-openbsd": {{"nc", "/bin/nc", "/bin/nc.openbsd", 50}, {"netcat", "/bin/netcat", "/bin/nc.openbsd", 50}},
	// BLAS and LAPACK: numpy and scipy load libblas.so.3 / liblapack.so.3
	// through these links.
	"libblas3": {{"libblas.so.3-{triplet}", "/usr/lib/{triplet}/libblas.so.3", "/usr/lib/{triplet}/blas/libblas.so.3", 10}},
	"libopenblas0-pthread": {
		{"libblas.so.3-{triplet}", "/usr/lib/{triplet}/libblas.so.3", "/usr/lib/{triplet}/openblas-pthread/libblas.so.3", 100},
		{"liblapack.so.3-{triplet}", "/usr/lib/{triplet}/liblapack.so.3", "/usr/lib/{triplet}/openblas-pthread/liblapack.so.3", 100},
	},
	"liblapack3": {{"liblapack.so.3-{triplet}", "/usr/lib/{triplet}/liblapack.so.3", "/usr/lib/{triplet}/lapack/liblapack.so.3", 10}},
	// Java: the JRE's tools. The JDK version's priority grows with it.
	"openjdk-17-jre-headless": javaTools("17", 1711),
	"openjdk-21-jre-headless": javaTools("21", 2111),
	"openjdk-25-jre-headless": javaTools("25", 2511),
}

func javaTools(v string, prio int) []alternative {
	var out []alternative
	for _, tool := range []string{"java", "jpackage", "keytool", "rmiregistry"} {
		out = append(out, alternative{tool, "/usr/bin/" + tool, "/usr/lib/jvm/java-" + v + "-openjdk-{arch}/bin/" + tool, prio})
	}
	return out
}

// triplets maps Debian architectures to multiarch triplets.
var triplets = map[string]string{
	"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "armhf": "arm-linux-gnueabihf",
	"armel": "arm-linux-gnueabi", "i386": "i386-linux-gnu", "ppc64el": "powerpc64le-linux-gnu",
	"s390x": "s390x-linux-gnu", "riscv64": "riscv64-linux-gnu", "mips64el": "mips64el-linux-gnuabi64",
	"loong64": "loongarch64-linux-gnu",
}

// Alternatives returns the /etc/alternatives links the installed packages'
// postinst scripts would make: LINK -> /etc/alternatives/NAME -> PATH, the
// highest priority winning for each name. With usrMerge, links under /bin,
// /sbin and /lib* are written under /usr, where those directories point.
func Alternatives(installed map[string]bool, arch string, usrMerge bool) []File {
	expand := func(s string) string {
		return strings.NewReplacer("{triplet}", triplets[arch], "{arch}", arch).Replace(s)
	}
	best := map[string]alternative{}
	for pkg, alts := range alternativesTable {
		if !installed[pkg] {
			continue
		}
		for _, a := range alts {
			a.Name, a.Link, a.Path = expand(a.Name), expand(a.Link), expand(a.Path)
			if cur, ok := best[a.Name]; !ok || a.Priority > cur.Priority || a.Priority == cur.Priority && a.Path < cur.Path {
				best[a.Name] = a
			}
		}
	}
	names := make([]string, 0, len(best))
	for n := range best {
		names = append(names, n)
	}
	sort.Strings(names)
	var fs []File
	for _, n := range names {
		a := best[n]
		if usrMerge {
			a.Link = MergedPath(a.Link)
		}
		fs = append(fs,
			File{Kind: KindSymlink, Path: "/etc/alternatives/" + n, Target: a.Path},
			File{Kind: KindSymlink, Path: a.Link, Target: "/etc/alternatives/" + n},
		)
	}
	return fs
}

// MergedPath maps /bin/x, /sbin/x and /lib*/x to their /usr location, for
// roots where those directories are links into /usr.
func MergedPath(p string) string {
	for _, d := range []string{"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"} {
		if strings.HasPrefix(p, d) {
			return "/usr" + p
		}
	}
	return p
}
