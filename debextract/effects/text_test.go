package effects

import (
	"strings"
	"testing"
)

// filter runs a text stand-in on input, with the image holding files.
func filter(t *testing.T, files map[string]string, stdin string, args ...string) (string, int, *engine) {
	t.Helper()
	img := merged()
	for p, c := range files {
		img[p] = c
	}
	e := testEngine(t, img)
	var out, errOut strings.Builder
	c := &call{e: e, sc: script{pkg: &pkgState{name: "t"}, name: "postinst"}, args: args, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, dir: "/"}
	status := standIns[args[0]].run(c)
	return out.String(), status, e
}

func TestSed(t *testing.T) {
	for _, c := range []struct {
		args       []string
		in, want   string
		file, edit string // -i: the file's content before and after
	}{
		{args: []string{"sed", "-e", `s/, /\n/g`}, in: "en_US.UTF-8 UTF-8, de_DE.UTF-8 UTF-8\n", want: "en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n"},
		{args: []string{"sed", "-e", `/^[a-zA-Z]/!d`, "-e", `s/ *$//g`}, in: "# comment\nen_US.UTF-8 UTF-8  \n\nC.UTF-8 UTF-8\n", want: "en_US.UTF-8 UTF-8\nC.UTF-8 UTF-8\n"},
		{args: []string{"sed", "-ne", `s/^;[[:space:]]*priority[[:space:]]*=[[:space:]]*\([0-9]\+\)[[:space:]]*$/\1/p; /^[0-9]\+$/q`}, in: "; configuration\n; priority=10\nzend_extension=opcache.so\n", want: "10\n"},
		{args: []string{"sed", `s/\([0-9]*\)\.\([0-9]*\).*/\1 \* 100 + \2/`}, in: "6.12.0-1-amd64\n", want: "6 * 100 + 12\n"},
		{args: []string{"sed", "-n", `s/^Alias name: *debian://ip`}, in: "Alias name: debian:isrg_root_x1.pem\nother\n", want: "isrg_root_x1.pem\n"},
		{args: []string{"sed", "2,3d"}, in: "1\n2\n3\n4\n", want: "1\n4\n"},
		{args: []string{"sed", "$d"}, in: "1\n2\n", want: "1\n"},
		{args: []string{"sed", "/b/,/d/d"}, in: "a\nb\nc\nd\ne\n", want: "a\ne\n"},
		{args: []string{"sed", "y/abc/xyz/"}, in: "aabbcc\n", want: "xxyyzz\n"},
		{args: []string{"sed", "-E", "s/(a|b)+/X/"}, in: "abab c\n", want: "X c\n"},
		{args: []string{"sed", "-i", "-e", `0,/^[# ]*en_US.UTF-8 UTF-8 *$/ s/^[# ]*en_US.UTF-8 UTF-8 *$/en_US.UTF-8 UTF-8/`, "/etc/locale.gen"},
			file: "# en_US.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n", edit: "en_US.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n"},
		{args: []string{"sed", "-i", `s/^ *[a-zA-Z]/# &/`, "/etc/locale.gen"}, file: "en_US.UTF-8 UTF-8\n# x\n", edit: "# en_US.UTF-8 UTF-8\n# x\n"},
	} {
		files := map[string]string{}
		if c.file != "" {
			files["etc/locale.gen"] = c.file
		}
		out, status, e := filter(t, files, c.in, c.args...)
		if status != 0 || out != c.want {
			t.Errorf("%q on %q = %q (%d), want %q", c.args, c.in, out, status, c.want)
		}
		if c.file != "" {
			got, _ := e.fs.readFile("/etc/locale.gen")
			if string(got) != c.edit {
				t.Errorf("%q: file = %q, want %q", c.args, got, c.edit)
			}
		}
	}
}

func TestGrepTrHeadCut(t *testing.T) {
	for _, c := range []struct {
		args     []string
		in, want string
		status   int
	}{
		{[]string{"grep", "-q", `^shadow:[^:]*:42`}, "shadow:x:42:\n", "", 0},
		{[]string{"grep", "-q", `^shadow:[^:]*:42`}, "shadow:x:43:\n", "", 1},
		{[]string{"grep", "-v", "^$"}, "a\n\nb\n", "a\nb\n", 0},
		{[]string{"egrep", "-c", "a|b"}, "a\nc\nb\n", "2\n", 0},
		{[]string{"grep", "-Fx", "a.b"}, "a.b\naxb\n", "a.b\n", 0},
		{[]string{"tr", "[:upper:]", "[:lower:]"}, "ABC d\n", "abc d\n", 0},
		{[]string{"tr", "\\n", ","}, "a\nb\n", "a,b,", 0},
		{[]string{"tr", "-d", "\\n"}, "a\nb\n", "ab", 0},
		{[]string{"head", "-n", "1"}, "a\nb\n", "a\n", 0},
		{[]string{"cut", "-d", ":", "-f", "1,3"}, "root:x:0:0\n", "root:0\n", 0},
		{[]string{"sort", "-u"}, "b\na\nb\n", "a\nb\n", 0},
		{[]string{"sort", "-rn"}, "8.2\n8.4\n10.0\n", "10.0\n8.4\n8.2\n", 0},
		{[]string{"tail", "-n", "1"}, "a\nb\n", "b\n", 0},
	} {
		out, status, _ := filter(t, nil, c.in, c.args...)
		if status != c.status || out != c.want {
			t.Errorf("%q on %q = %q (%d), want %q (%d)", c.args, c.in, out, status, c.want, c.status)
		}
	}
}
