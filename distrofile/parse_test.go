package distrofile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

const specExample = `# syntax=example.invalid/distrofile:1
ARG SUITE=trixie
FROM debian:${SUITE} AS runtime
ARG SUITE
MIRROR http://mirror.invalid/debian
INSTALL ca-certificates tzdata \
        perl libhtml-parser-perl
EXCLUDE debconf
GROUPADD --gid=1337 larry
USERADD --uid=1337 --gid=1337 --home=/home/larry larry
MKDIR --mode=0755 --owner=1337:1337 /app
FILE --mode=0644 /etc/app.conf <<EOF
listen = 0.0.0.0:5000
FILE not an instruction
suite = ${SUITE}
EOF
FILE /etc/raw.conf <<'EOF'
keep ${SUITE}
EOF
COPY --chown=1337:1337 fatpacked.plackup /app/plackup
ENV PATH=/usr/local/bin:/usr/bin:/bin APP="a b"
WORKDIR /app
USER larry
ENTRYPOINT ["/app/plackup"]
CMD ["/app/bin/app.psgi"]
EXPOSE 5000/tcp
LABEL org.opencontainers.image.title="perl app"
`

func TestParseSpecExample(t *testing.T) {
	df, err := Parse([]byte(specExample), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 1 {
		t.Fatalf("stages: %d", len(df.Stages))
	}
	st := df.Stages[0]
	if st.Name != "runtime" || st.From.Kind != FromDistro || st.From.Distro != "debian" || st.From.Suite != "trixie" {
		t.Fatalf("from: %+v name %q", st.From, st.Name)
	}
	var got []string
	for _, c := range st.Commands {
		got = append(got, reflect.TypeOf(c).Elem().Name())
	}
	want := []string{"MirrorCmd", "InstallCmd", "ExcludeCmd", "GroupAddCmd", "UserAddCmd", "MkdirCmd", "FileCmd", "FileCmd",
		"CopyCmd", "EnvCmd", "WorkdirCmd", "UserCmd", "EntrypointCmd", "CmdCmd", "ExposeCmd", "LabelCmd"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("commands:\n got %v\nwant %v", got, want)
	}
	inst := st.Commands[1].(*InstallCmd)
	if !reflect.DeepEqual(inst.Packages, []string{"ca-certificates", "tzdata", "perl", "libhtml-parser-perl"}) {
		t.Errorf("install: %v", inst.Packages)
	}
	if rs := inst.Location(); len(rs) != 2 || rs[0].Start.Line != 6 || rs[1].Start.Line != 7 {
		t.Errorf("install location: %+v", rs)
	}
	f := st.Commands[6].(*FileCmd)
	if f.Path != "/etc/app.conf" || *f.Mode != 0644 || f.Content != "listen = 0.0.0.0:5000\nFILE not an instruction\nsuite = trixie\n" {
		t.Errorf("file: %+v %q", f, f.Content)
	}
	if raw := st.Commands[7].(*FileCmd); raw.Content != "keep ${SUITE}\n" {
		t.Errorf("quoted heredoc must not expand: %q", raw.Content)
	}
	u := st.Commands[4].(*UserAddCmd)
	if *u.UID != 1337 || *u.GID != 1337 || u.Home != "/home/larry" {
		t.Errorf("useradd: %+v", u)
	}
	e := st.Commands[9].(*EnvCmd)
	if e.Pairs[1] != (KeyValue{"APP", "a b"}) {
		t.Errorf("env: %+v", e.Pairs)
	}
	if ep := st.Commands[12].(*EntrypointCmd); !reflect.DeepEqual(ep.Args, []string{"/app/plackup"}) {
		t.Errorf("entrypoint: %v", ep.Args)
	}
}

func TestParseBuildArgOverride(t *testing.T) {
	df, err := Parse([]byte("ARG SUITE=trixie\nFROM debian:$SUITE\nINSTALL perl\n"), map[string]string{"SUITE": "bookworm"})
	if err != nil {
		t.Fatal(err)
	}
	if s := df.Stages[0].From.Suite; s != "bookworm" {
		t.Fatalf("suite %q", s)
	}
}

func TestParseStages(t *testing.T) {
	df, err := Parse([]byte("FROM debian:trixie AS base\nINSTALL libc6\nFROM base AS app\nINSTALL perl\nFROM scratch\nCOPY --from=app /usr/bin/perl /perl\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if df.Stages[1].From.Kind != FromStage || df.Stages[1].From.Stage != df.Stages[0] {
		t.Fatalf("stage 1 from: %+v", df.Stages[1].From)
	}
	if df.Stages[2].From.Kind != FromScratch || df.Stages[2].Ref() != "stage 2" {
		t.Fatalf("stage 2: %+v", df.Stages[2])
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unknown instruction", "FROM debian:trixie\nINSTAL perl\n", 2, "unknown instruction INSTAL (did you mean INSTALL?)"},
		{"run device", "FROM debian:trixie\nRUN --device=x [\"/bin/true\"]\n", 2, "RUN --device is not supported"},
		{"before from", "INSTALL perl\nFROM debian:trixie\n", 1, "INSTALL before the first FROM"},
		{"shell form", "FROM debian:trixie\nENTRYPOINT /usr/bin/perl\n", 2, "needs the exec (JSON) form"},
		{"image tag", "FROM debian:13\n", 1, `"13" is not a debian suite`},
		{"bad snapshot", "FROM debian:trixie@2025\n", 1, "invalid snapshot"},
		{"bad flag", "FROM debian:trixie\nINSTALL --yes perl\n", 2, "unknown flag --yes"},
		{"bad mode", "FROM debian:trixie\nMKDIR --mode=999 /x\n", 2, "want an octal mode"},
		{"relative", "FROM debian:trixie\nMKDIR app\n", 2, "must be an absolute path"},
		{"bad package", "FROM debian:trixie\nINSTALL Perl!\n", 2, `invalid package "Perl!"`},
		{"file without heredoc", "FROM debian:trixie\nFILE /x\n", 2, "FILE needs a path and one heredoc"},
		{"unterminated heredoc", "FROM debian:trixie\nFILE /x <<EOF\nabc\n", 2, "unterminated heredoc"},
		{"dup stage", "FROM debian:trixie AS a\nFROM debian:trixie AS a\n", 2, `duplicate stage name "a"`},
		{"bad port", "FROM debian:trixie\nEXPOSE 99999\n", 2, "EXPOSE"},
		{"useradd name", "FROM debian:trixie\nUSERADD --uid=x app\n", 2, "--uid=x"},
		{"drop glob in a component", "FROM debian:trixie\nDROP /usr/share/a**b\n", 2, `"**" must be a whole path component`},
		{"drop dot component", "FROM debian:trixie\nDROP /usr/./x\n", 2, `"." and ".." components are not allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), nil)
			if err == nil {
				t.Fatal("no error")
			}
			var le *LocatedError
			if !errors.As(err, &le) {
				t.Fatalf("error without location: %v", err)
			}
			if got := le.Ranges[0].Start.Line; got != tc.line {
				t.Errorf("line %d, want %d (%v)", got, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
		})
	}
}

func TestParseNoFrom(t *testing.T) {
	if _, err := Parse([]byte("# nothing\nARG X=1\n"), nil); err == nil || !strings.Contains(err.Error(), "no FROM") {
		t.Fatalf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(specExample))
	f.Add([]byte("FROM debian:trixie\nFILE /a <<EOF\nFILE /b <<EOF\nEOF\n"))
	f.Add([]byte("FROM scratch\nCOPY --from=x a b\n"))
	for _, s := range fuzzParseSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, dt []byte) {
		df, err := Parse(dt, map[string]string{"A": "b"})
		if err == nil && len(df.Stages) == 0 {
			t.Fatal("no error and no stages")
		}
		checkEval(t, df, err)
		checkFilesAtOnce(t, dt)
	})
}

// checkFilesAtOnce: when the fast way of reading FILE lines holds, it
// gives the parse the slow way gives.
func checkFilesAtOnce(t *testing.T, dt []byte) {
	fast, fastFiles, ok := parseFilesAtOnce(dt)
	if !ok {
		return
	}
	src, slowFiles, err := rewriteFileInstructions(dt)
	if err != nil {
		t.Fatalf("the fast way holds, the slow way fails: %v", err)
	}
	slow, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("the fast way holds, the slow way's parse fails: %v", err)
	}
	if fmt.Sprint(fastFiles) != fmt.Sprint(slowFiles) || fast.AST.Dump() != slow.AST.Dump() {
		t.Fatalf("FILE lines %v and %v, parses\n%s\n%s", fastFiles, slowFiles, fast.AST.Dump(), slow.AST.Dump())
	}
	for i, n := range fast.AST.Children {
		if fmt.Sprint(n.Heredocs) != fmt.Sprint(slow.AST.Children[i].Heredocs) {
			t.Fatalf("heredocs of line %d differ", n.StartLine)
		}
	}
}

// TestInstructionsDocumented: every instruction of the table, and every
// one refused, has its section in docs/language.md.
func TestInstructionsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range instructionNames() {
		if !regexp.MustCompile(`(?m)^#+ .*\b` + strings.ToUpper(name) + `\b`).Match(doc) {
			t.Errorf("docs/language.md has no section for %s", strings.ToUpper(name))
		}
	}
	for name := range dockerfileOnly {
		if !strings.Contains(string(doc), strings.ToUpper(name)) {
			t.Errorf("docs/language.md does not say %s is refused", strings.ToUpper(name))
		}
	}
}

// TestLinkedCopy: --link, --link=true and none give the same COPY.
func TestLinkedCopy(t *testing.T) {
	var got []string
	for _, flag := range []string{"", "--link ", "--link=true "} {
		df, states := testStates(t, "FROM debian:trixie\nCOPY "+flag+"--chmod=0755 app /app\n")
		got = append(got, fmt.Sprintf("%+v", states[df.Stages[0]].Files[0].File))
	}
	if got[0] != got[1] || got[1] != got[2] {
		t.Errorf("COPY with and without --link: %q", got)
	}
}

// TestWorkdirOwner: WORKDIR makes its directory as the USER in effect
// (root for a USER no account defines), and marks it implicit: llbgen
// keeps an existing directory's owner and mode (TestRedeclaredDirs).
func TestWorkdirOwner(t *testing.T) {
	for _, tc := range []struct {
		src      string
		uid, gid int
	}{
		{"FROM debian:trixie\nWORKDIR /srv/app\n", 0, 0},
		{"FROM debian:trixie\nUSERADD --uid=1000 app\nUSER app\nWORKDIR /srv/app\n", 1000, 1000},
		{"FROM debian:trixie\nUSER nonroot:nogroup\nWORKDIR /srv/app\n", 65532, 65534},
		{"FROM debian:trixie\nUSER 123\nWORKDIR /srv/app\n", 123, 123},
		{"FROM debian:trixie\nUSER www-data\nWORKDIR /srv/app\n", 0, 0},
	} {
		df, states := testStates(t, tc.src)
		files := states[df.Stages[0]].Files
		f := files[len(files)-1]
		if f.Path != "/srv/app" || !f.Implicit || f.UID != tc.uid || f.GID != tc.gid || f.Mode != 0o755 {
			t.Errorf("%q: %+v, want /srv/app %d:%d 0755, implicit", tc.src, f.File, tc.uid, tc.gid)
		}
	}
}

// TestFileChomp: FILE <<-EOF strips the leading tabs (of the text and of
// the terminator), as COPY <<-EOF does in a Dockerfile; FILE <<EOF keeps
// them.
func TestFileChomp(t *testing.T) {
	for src, want := range map[string]string{
		"FILE /f <<-EOF\n\ta\n\t\tb\n\tEOF\n": "a\nb\n",
		"FILE /f <<EOF\n\ta\n\t\tb\nEOF\n":    "\ta\n\t\tb\n",
	} {
		df, err := Parse([]byte("FROM debian:trixie\n"+src), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := df.Stages[0].Commands[0].(*FileCmd).Content; got != want {
			t.Errorf("%q: %q, want %q", src, got, want)
		}
	}
}
