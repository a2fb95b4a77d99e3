package fidelity

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeRoot writes a root directory: a path ending in "/" is a directory,
// "->target" a symlink, anything else a file with that content.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		switch {
		case strings.HasSuffix(p, "/"):
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readRoot(t *testing.T, files map[string]string) *Tree {
	t.Helper()
	tr, err := ReadDir(fakeRoot(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// fakeTar returns an image tree read from a tar with the same notation as
// fakeRoot; the owners are root.
func fakeTar(t *testing.T, files map[string]string) *Tree {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, p := range sortedKeys(files) {
		content := files[p]
		h := &tar.Header{Name: strings.TrimPrefix(p, "/"), Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(content))}
		switch {
		case strings.HasSuffix(p, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case strings.HasPrefix(content, "->"):
			h.Typeflag, h.Mode, h.Size, h.Linkname = tar.TypeSymlink, 0o777, 0, content[2:]
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			_, _ = w.Write([]byte(content))
		}
	}
	w.Close()
	tr, err := ReadTar(&b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestCanon(t *testing.T) {
	for _, tc := range []struct {
		in     string
		merged bool
		want   string
	}{
		{"/bin/sh", true, "/usr/bin/sh"},
		{"/bin/sh", false, "/bin/sh"},
		{"/bin", true, "/bin"},
		{"/lib/x86_64-linux-gnu/libc.so.6", true, "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{"/lib64/ld-linux-x86-64.so.2", true, "/usr/lib64/ld-linux-x86-64.so.2"},
		{"/sbin/ldconfig", true, "/usr/sbin/ldconfig"},
		{"/library/x", true, "/library/x"},
		{"/etc/../bin/x", true, "/usr/bin/x"},
		{"usr/bin/x", true, "/usr/bin/x"},
	} {
		if got := Canon(tc.in, tc.merged); got != tc.want {
			t.Errorf("Canon(%q, %v) = %q, want %q", tc.in, tc.merged, got, tc.want)
		}
	}
}

func TestResolveTarget(t *testing.T) {
	for _, tc := range []struct{ link, target, want string }{
		{"/usr/bin/js", "/etc/alternatives/js", "/etc/alternatives/js"},
		{"/usr/bin/js", "../../etc/alternatives/js", "/etc/alternatives/js"},
		{"/etc/alternatives/awk", "/bin/mawk", "/usr/bin/mawk"},
		{"/bin/x", "y", "/usr/bin/y"},
		{"/etc/fonts/conf.d/10-a.conf", "../conf.avail/10-a.conf", "/etc/fonts/conf.avail/10-a.conf"},
	} {
		if got := ResolveTarget(tc.link, tc.target, true); got != tc.want {
			t.Errorf("ResolveTarget(%q, %q) = %q, want %q", tc.link, tc.target, got, tc.want)
		}
	}
}

func TestArchRenamer(t *testing.T) {
	if ArchRenamer("amd64") != nil {
		t.Error("amd64 needs no renaming")
	}
	r := ArchRenamer("arm64")
	for in, want := range map[string]string{
		"/usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache": "/usr/lib/aarch64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache",
		"/usr/lib/jvm/java-21-openjdk-amd64/bin/java":                   "/usr/lib/jvm/java-21-openjdk-arm64/bin/java",
		"/usr/lib64/ld-linux-x86-64.so.2":                               "/usr/lib64/ld-linux-aarch64.so.1",
		"/etc/ld.so.cache":                                              "/etc/ld.so.cache",
	} {
		if got := r(in); got != want {
			t.Errorf("arm64 %q = %q, want %q", in, got, want)
		}
	}
}

func TestExclusionMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/var/lib/dpkg/**", "/var/lib/dpkg/status", true},
		{"/var/lib/dpkg/**", "/var/lib/dpkg", true},
		{"/var/lib/dpkg/**", "/var/lib/dpkgx/a", false},
		{"/etc/*-", "/etc/passwd-", true},
		{"/etc/*-", "/etc/ssl/x-", false},
		{"/etc/hostname", "/etc/hostname", true},
		{"/etc/rc?.d/*", "/etc/rc2.d/S01redis-server", true},
		{"/var/lib/postgresql/*/main/**", "/var/lib/postgresql/17/main/base/1/112", true},
		{"/var/lib/postgresql/*/main/**", "/var/lib/postgresql/17/main", true},
		{"/var/lib/postgresql/*/main/**", "/var/lib/postgresql/17", false},
		{"/var/lib/postgresql/*/main/**", "/var/lib/postgresql/17/mainx", false},
		{"/tmp/**", "/tmp", true},
		{"/tmp/**", "/", false},
		{"**/__pycache__/**", "/usr/lib/python3.13/__pycache__", true},
		{"**/__pycache__/**", "/usr/lib/python3.13/json/__pycache__/decoder.cpython-313.pyc", true},
		{"**/__pycache__/**", "/usr/lib/python3.13/json/decoder.py", false},
		{"**/__pycache__/**", "/usr/lib/python3.13/__pycache__x/a", false},
	} {
		if got := (Exclusion{Pattern: tc.pattern}).Match(tc.path); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
	for _, x := range Exclusions {
		if x.Reason == "" {
			t.Errorf("exclusion %q has no reason", x.Pattern)
		}
	}
}

func TestTriggerOutputMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"**/__pycache__/**", "/usr/lib/python3.13/__pycache__", true},
		{"**/__pycache__/**", "/usr/lib/python3.13/__pycache__/os.cpython-313.pyc", true},
		{"**/__pycache__/**", "/usr/lib/python3.13/os.py", false},
		{"/etc/php/*/*/conf.d/*", "/etc/php/8.4/cli/conf.d/10-opcache.ini", true},
		{"/usr/lib/*/gdk-pixbuf-2.0/2.10.0/loaders.cache", "/usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache", true},
	} {
		if got := (TriggerOutput{Pattern: tc.pattern}).Match(tc.path); got != tc.want {
			t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestParsers(t *testing.T) {
	ds := parseDiversions([]byte("/usr/bin/a\n/usr/bin/a.distrib\npkg\n/b\n/b.x\n:\n"))
	if len(ds) != 2 || ds[0] != (diversion{"/usr/bin/a", "/usr/bin/a.distrib", "pkg"}) || ds[1].pkg != ":" {
		t.Errorf("diversions: %+v", ds)
	}
	cf := parseConffiles([]byte("Package: redis-server\nStatus: install ok installed\nConffiles:\n /etc/redis/redis.conf 0123456789abcdef0123456789abcdef\n /etc/old 0123456789abcdef0123456789abcdef obsolete\nDescription: x\n\nPackage: b\n"))
	if cf["redis-server"]["/etc/redis/redis.conf"] != "0123456789abcdef0123456789abcdef" || len(cf["redis-server"]) != 1 {
		t.Errorf("conffiles: %v", cf)
	}
	accts := parseAccounts([]byte("root:x:0:0:root:/root:/bin/bash\n# comment\nredis:x:100:101::/var/lib/redis:/usr/sbin/nologin\nbad\n"))
	if len(accts) != 2 || accts[1] != (Account{"redis", 100, "/var/lib/redis", "/usr/sbin/nologin"}) {
		t.Errorf("accounts: %+v", accts)
	}
	links := alternativeLinks("java", "auto\n/usr/bin/java\njava.1.gz\n/usr/share/man/man1/java.1.gz\n\n/usr/lib/jvm/x/bin/java\n1\n")
	want := map[string]string{"/usr/bin/java": "java", "/etc/alternatives/java": "java",
		"/usr/share/man/man1/java.1.gz": "java.1.gz", "/etc/alternatives/java.1.gz": "java.1.gz"}
	if len(links) != len(want) {
		t.Errorf("alternative links: %v", links)
	}
	for k, v := range want {
		if links[k] != v {
			t.Errorf("alternative link %s = %q, want %q", k, links[k], v)
		}
	}
}

func TestParseScript(t *testing.T) {
	s := parseScript("redis-tools", "redis-tools.postinst", `#!/bin/sh
USER="redis"
Setup_dir () {
	DIR="${1}"
	mkdir -p ${DIR}
}
adduser \
	--system \
	${USER}
Setup_dir /var/log/redis 2750 adm
ln -s /a /b
`)
	for _, tc := range []struct {
		n        int
		contains string
		mech     string
	}{
		{7, "adduser --system redis", MechAccounts},
		{10, "Setup_dir /var/log/redis", MechMkdir},
		{11, "ln -s /a /b", MechLink},
	} {
		var found *scriptLine
		for i := range s.lines {
			if s.lines[i].n == tc.n {
				found = &s.lines[i]
			}
		}
		if found == nil || !strings.Contains(found.text, tc.contains) {
			t.Errorf("line %d: %+v, want it to contain %q", tc.n, found, tc.contains)
			continue
		}
		if got := s.mechanism(found.text); got != tc.mech {
			t.Errorf("line %d %q: mechanism %q, want %q", tc.n, found.text, got, tc.mech)
		}
	}
}

// baseFiles is a tiny merged-/usr apt root.
func baseFiles() map[string]string {
	return map[string]string{
		"/bin":                                 "->usr/bin",
		"/usr/bin/":                            "",
		"/etc/alternatives/":                   "",
		"/etc/ssl/certs/":                      "",
		"/etc/ssl/private/":                    "",
		"/usr/bin/mawk":                        "mawk",
		"/etc/passwd":                          "root:x:0:0:root:/root:/bin/bash\n",
		"/etc/group":                           "root:x:0:\nadm:x:4:\n",
		"/etc/hostname":                        "host\n",
		"/etc/ld.so.cache":                     "cache-a",
		"/var/lib/dpkg/info/mawk.list":         "/.\n/bin\n/usr\n/usr/bin\n/usr/bin/mawk\n",
		"/var/lib/dpkg/status":                 "Package: mawk\nStatus: install ok installed\n",
		"/var/lib/dpkg/info/libc-bin.triggers": "interest-noawait ldconfig\n",
	}
}

// setFiles is baseFiles plus nodejs (an alternative) and redis (a user, a
// directory, a conffile a script edited).
func setFiles() map[string]string {
	f := baseFiles()
	for k, v := range map[string]string{
		"/etc/passwd":                             "root:x:0:0:root:/root:/bin/bash\nredis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n",
		"/etc/group":                              "root:x:0:\nadm:x:4:\nredis:x:101:\n",
		"/etc/passwd-":                            "root:x:0:0:root:/root:/bin/bash\n",
		"/etc/ld.so.cache":                        "cache-ab",
		"/usr/bin/nodejs":                         "node",
		"/usr/bin/js":                             "->/etc/alternatives/js",
		"/etc/alternatives/js":                    "->/usr/bin/nodejs",
		"/var/lib/dpkg/alternatives/js":           "auto\n/usr/bin/js\n\n/usr/bin/nodejs\n50\n",
		"/var/lib/dpkg/info/nodejs.list":          "/.\n/bin\n/bin/nodejs\n",
		"/var/lib/dpkg/info/redis-server.list":    "/.\n/etc\n/etc/redis\n/etc/redis/redis.conf\n",
		"/etc/redis/redis.conf":                   "port 6379\nedited\n",
		"/var/lib/dpkg/status":                    "Package: redis-server\nStatus: install ok installed\nConffiles:\n /etc/redis/redis.conf " + md5hex("port 6379\n") + "\n",
		"/var/lib/redis/":                         "",
		"/etc/ssl/private/ssl-cert-snakeoil.key":  "secret",
		"/etc/ssl/certs/ssl-cert-snakeoil.pem":    "cert",
		"/etc/ssl/certs/62742064.0":               "->ssl-cert-snakeoil.pem",
		"/var/lib/dpkg/info/redis-tools.postinst": "#!/bin/sh\nUSER=redis\nadduser --system --home /var/lib/redis --group ${USER}\nsed -i s/x/y/ /etc/redis/redis.conf\n",
	} {
		f[k] = v
	}
	return f
}

func TestComputeEffects(t *testing.T) {
	base, set := readRoot(t, baseFiles()), readRoot(t, setFiles())
	effs, err := ComputeEffects(base, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path   string
		change Change
		mech   string
		pkg    string
	}{
		{"/etc/alternatives/js", Added, MechAlternatives, "nodejs"},
		{"/etc/ld.so.cache", Changed, MechTrigger, "libc-bin"},
		{"/etc/redis/redis.conf", Modified, MechWrite, "redis-tools"},
		{"/usr/bin/js", Added, MechAlternatives, "nodejs"},
		{"/var/lib/redis", Added, MechAccounts, "redis-tools"},
	}
	if len(effs.Paths) != len(want) {
		t.Fatalf("effects: %+v", effs.Paths)
	}
	for i, w := range want {
		e := effs.Paths[i]
		if e.Path != w.path || e.Change != w.change || e.Origin.Mechanism != w.mech || e.Origin.Package != w.pkg {
			t.Errorf("effect %d: %s %s %+v, want %+v", i, e.Path, e.Change, e.Origin, w)
		}
	}
	if len(effs.Users) != 1 || effs.Users[0].Name != "redis" || effs.Users[0].Origin.Mechanism != MechAccounts {
		t.Errorf("users: %+v", effs.Users)
	}
	if len(effs.Groups) != 1 || effs.Groups[0].Name != "redis" {
		t.Errorf("groups: %+v", effs.Groups)
	}
	if effs.Excluded["/etc/*-"] != 1 || effs.Excluded["/var/lib/dpkg/**"] == 0 || effs.Excluded["/etc/ssl/certs/ssl-cert-snakeoil.pem"] != 2 {
		t.Errorf("excluded: %v", effs.Excluded)
	}
	if _, ok := effs.Excluded["/etc/hostname"]; ok {
		t.Error("/etc/hostname is the same in both roots: not an effect, not counted as excluded")
	}
}

func TestCompare(t *testing.T) {
	base, set := readRoot(t, baseFiles()), readRoot(t, setFiles())
	effs, err := ComputeEffects(base, set)
	if err != nil {
		t.Fatal(err)
	}
	image := fakeTar(t, map[string]string{
		"/bin":                  "->usr/bin",
		"/usr/bin/nodejs":       "node",
		"/usr/bin/js":           "->../../etc/alternatives/js", // relative, same place
		"/etc/alternatives/js":  "->/bin/nodejs",               // merged /usr, same place
		"/etc/ld.so.cache":      "cache-ba",
		"/etc/redis/redis.conf": "port 6379\n",
		"/etc/passwd":           "root:x:0:0:root:/root:/bin/bash\nredis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n",
		"/etc/group":            "root:x:0:\n",
	})
	r := Compare("set", "amd64", effs, image, nil)
	status := map[string]Status{}
	for _, p := range r.Paths {
		status[p.Path] = p.Status
	}
	for p, want := range map[string]Status{
		"/etc/alternatives/js":  Present,
		"/usr/bin/js":           Present,
		"/etc/ld.so.cache":      ContentDiffers,
		"/etc/redis/redis.conf": Unmodified,
		"/var/lib/redis":        Missing,
	} {
		if status[p] != want {
			t.Errorf("%s: %q, want %q", p, status[p], want)
		}
	}
	s := r.Summary
	if s.Effects != 5 || s.Present != 3 || s.ContentDiffers != 1 || s.Users != 1 || s.UsersPresent != 1 || s.Groups != 1 || s.GroupsPresent != 0 {
		t.Errorf("summary: %+v", s)
	}
	if len(r.Missing()) != 2 {
		t.Errorf("missing: %+v", r.Missing())
	}
	var md bytes.Buffer
	if err := WriteDetails(&md, r, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"effects 3/5 present", "`/var/lib/redis`", "redis-tools: adduser/useradd/addgroup", "| redis | 101 |  | false |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("details lack %q:\n%s", want, md.String())
		}
	}
}

func TestCompareWrongTarget(t *testing.T) {
	effs := &Effects{Paths: []Effect{
		{Path: "/etc/alternatives/awk", Kind: Symlink, Target: "/usr/bin/mawk", Resolved: "/usr/bin/mawk", Owner: "root:root", Mode: "0777"},
		{Path: "/var/lib/x", Kind: Dir, Owner: "root:root", Mode: "0755"},
	}}
	image := fakeTar(t, map[string]string{"/etc/alternatives/awk": "->/usr/bin/gawk", "/var/lib/x": "file"})
	r := Compare("s", "amd64", effs, image, nil)
	if r.Paths[0].Status != WrongTarget || r.Paths[0].Image != "/usr/bin/gawk" || r.Paths[1].Status != WrongKind {
		t.Errorf("results: %+v", r.Paths)
	}
}

func TestCompareRenamed(t *testing.T) {
	effs := &Effects{Paths: []Effect{{Path: "/usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache", Kind: File, SHA256: "x", Owner: "root:root", Mode: "0644"}}}
	image := fakeTar(t, map[string]string{"/usr/lib/aarch64-linux-gnu/gdk-pixbuf-2.0/2.10.0/loaders.cache": "y"})
	r := Compare("s", "arm64", effs, image, ArchRenamer("arm64"))
	if r.Paths[0].Status != ContentDiffers {
		t.Errorf("arm64 loaders.cache: %+v", r.Paths[0])
	}
}

func TestAptRootsCommand(t *testing.T) {
	o := AptRoots{Cache: "/c", Date: "20250101", Mirror: "http://mirror.invalid/debian"}
	if got := o.Dir([]string{"python3", "python3-venv"}); got != "/c/trixie-amd64-20250101/python3+python3-venv" {
		t.Errorf("Dir: %s", got)
	}
	if got := o.Dir(nil); got != "/c/trixie-amd64-20250101/_base" {
		t.Errorf("base Dir: %s", got)
	}
	args, err := o.Command([]string{"redis-server", "tini"}, "/d")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	for _, want := range []string{"--mode=root", "--variant=apt", "--include=redis-server,tini", "trixie /d ",
		"deb http://mirror.invalid/debian trixie main", "deb http://mirror.invalid/debian trixie-updates main",
		"deb http://mirror.invalid/debian-security trixie-security main"} {
		if !strings.Contains(got, want) {
			t.Errorf("command %q lacks %q", got, want)
		}
	}
}

func TestWriteDetailsCollapses(t *testing.T) {
	r := &Report{Set: "s", Arch: "amd64"}
	for i := 0; i < collapseAbove+2; i++ {
		r.Paths = append(r.Paths, PathResult{Effect: Effect{Path: fmt.Sprintf("/usr/share/mime/x/%02d.xml", i), Kind: File, Change: Added,
			Origin: Origin{Package: "shared-mime-info", Mechanism: MechTrigger}}, Status: Missing})
	}
	r.Paths = append(r.Paths, PathResult{Effect: Effect{Path: "/var/lib/redis", Kind: Dir, Change: Added,
		Origin: Origin{Package: "redis-tools", Mechanism: MechMkdir}}, Status: Missing})
	r.Summary = summarize(r)
	for _, tc := range []struct {
		all        bool
		want, lack string
	}{
		{false, "| 12 paths under `/usr/share/mime/x/` | 12 file | added | | missing | shared-mime-info: trigger | e.g. `/usr/share/mime/x/00.xml`", "`/usr/share/mime/x/05.xml`"},
		{true, "| `/usr/share/mime/x/05.xml` |", "12 paths"},
	} {
		var b bytes.Buffer
		if err := WriteDetails(&b, r, tc.all); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) || strings.Contains(b.String(), tc.lack) || !strings.Contains(b.String(), "| `/var/lib/redis` |") {
			t.Errorf("all=%v: want %q and not %q:\n%s", tc.all, tc.want, tc.lack, b.String())
		}
	}
}
