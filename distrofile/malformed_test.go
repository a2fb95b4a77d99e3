package distrofile

import (
	"errors"
	"testing"
)

// malformedCases are Distrofiles that Parse or the stage evaluation must
// reject, with the exact message (without the "line N: " prefix) and the
// line it must be located on.
var malformedCases = []struct {
	name string
	src  string
	line int
	msg  string
}{
	// FROM
	{"from without base", "FROM\n", 1, "FROM needs one base and an optional AS <name>, e.g. FROM debian:trixie AS runtime"},
	{"from extra word", "FROM debian:trixie runtime\n", 1, "FROM needs one base and an optional AS <name>, e.g. FROM debian:trixie AS runtime"},
	{"from AS without name", "FROM debian:trixie AS\n", 1, "FROM needs one base and an optional AS <name>, e.g. FROM debian:trixie AS runtime"},
	{"from flag", "FROM --platform=linux/arm64 debian:trixie\n", 1, "FROM takes no flags (--platform=linux/arm64): the target platform comes from --platform"},
	{"from bad stage name", "FROM debian:trixie AS 1st\n", 1, `invalid stage name "1st": use letters, digits, '.', '_' and '-', starting with a letter`},
	{"from image tag of debian", "FROM debian:trixie-slim\n", 1, `"trixie-slim" is not a debian suite: FROM debian:<suite> installs packages from the archive (e.g. debian:trixie); for the image debian:trixie-slim from a registry write FROM docker-image://debian:trixie-slim`},
	{"from ubuntu version", "FROM ubuntu:24.04\n", 1, `"24.04" is not a ubuntu suite: FROM ubuntu:<suite> installs packages from the archive (e.g. ubuntu:noble); for the image ubuntu:24.04 from a registry write FROM docker-image://ubuntu:24.04`},
	{"from debian without suite", "FROM debian\n", 1, `FROM debian needs a suite: FROM debian:<suite> installs from the archive (e.g. debian:trixie); for the registry's image write FROM docker-image://debian`},
	{"from bad suite", "FROM debian:Trixie\n", 1, `"Trixie" is not a debian suite: FROM debian:<suite> installs packages from the archive (e.g. debian:trixie); for the image debian:Trixie from a registry write FROM docker-image://debian:Trixie`},
	{"from bad snapshot", "FROM debian:trixie@2025\n", 1, `invalid snapshot "2025": use YYYYMMDDTHHMMSSZ, e.g. debian:trixie@20250520T000000Z`},
	{"from bad image", "FROM debian:trixie AS a\nFROM docker-image://Alpine AS b\n", 2, `invalid image reference "Alpine": repository name (library/Alpine) must be lowercase`},
	{"from unknown stage", "FROM debian:trixie AS build\nFROM biuld AS run\n", 2, `unknown base "biuld": use a distribution and suite (debian:trixie), an earlier stage, scratch or docker-image://<ref> (did you mean build?)`},
	{"useradd on image", "FROM golang:1.24 AS build\nUSERADD app\n", 2, "USERADD in a stage FROM an image: the image's /etc/passwd is its own; add the account with RUN, or start FROM debian:<suite>"},
	{"from later stage", "FROM b AS a\nFROM debian:trixie AS b\n", 1, `unknown base "b": use a distribution and suite (debian:trixie), an earlier stage, scratch or docker-image://<ref>`},
	{"duplicate stage", "FROM debian:trixie AS a\nINSTALL perl\nFROM scratch AS A\n", 3, `duplicate stage name "a"`},
	{"from empty arg", "ARG BASE\nFROM ${BASE}\n", 2, "FROM ${BASE}: the base is empty (give the ARG a default or a --build-arg)"},

	// ARG and expansion
	{"arg without name", "ARG\nFROM debian:trixie\n", 1, "ARG needs a name, e.g. ARG SUITE=trixie"},
	{"arg empty name", "ARG =trixie\nFROM debian:trixie\n", 1, "ARG needs a name before '='"},
	{"arg required in FROM", "ARG SUITE\nFROM debian:${SUITE:?required}\n", 2, `failed to process "debian:${SUITE:?required}": SUITE: required`},
	{"arg required in stage", "FROM debian:trixie\nARG V\nINSTALL perl=${V:?pass --build-arg V}\n", 3, `failed to process "perl=${V:?pass --build-arg V}": V: pass --build-arg V`},
	{"instruction before FROM", "ARG A=1\nMIRROR http://m.invalid/debian\nFROM debian:trixie\n", 2, "MIRROR before the first FROM: only ARG may come before FROM"},

	// MIRROR
	{"mirror without url", "FROM debian:trixie\nMIRROR\n", 2, "MIRROR needs at least one URL, e.g. MIRROR http://<host>/debian"},
	{"mirror ftp", "FROM debian:trixie\nMIRROR ftp://m.invalid/debian\n", 2, `MIRROR "ftp://m.invalid/debian": only http:// and https:// URLs are supported`},
	{"mirror security ftp", "FROM debian:trixie\nMIRROR --security=ftp://s.invalid http://m.invalid/debian\n", 2, `MIRROR "ftp://s.invalid": only http:// and https:// URLs are supported`},
	{"mirror unknown flag", "FROM debian:trixie\nMIRROR --updates=no http://m.invalid/debian\n", 2, "MIRROR: unknown flag --updates (known: --security, --snapshot)"},

	// INSTALL, EXCLUDE
	{"install nothing", "FROM debian:trixie\nINSTALL\n", 2, "INSTALL needs at least one package name"},
	{"install bad name", "FROM debian:trixie\nINSTALL perl Perl!\n", 2, `invalid package "Perl!": want name[=version][:arch]`},
	{"install flag", "FROM debian:trixie\nINSTALL --no-install-recommends perl\n", 2, "INSTALL: unknown flag --no-install-recommends: this instruction takes no flags"},
	{"install heredoc", "FROM debian:trixie\nINSTALL <<EOF\nperl\nEOF\n", 2, `invalid package "<<EOF": want name[=version][:arch]`},
	{"install continued package", "FROM debian:trixie\nINSTALL perl \\\n  libc6 \\\n  Bad\n", 2, `invalid package "Bad": want name[=version][:arch]`},
	{"install in FROM scratch", "FROM scratch\nCOPY a /a\nINSTALL perl\n", 3, "INSTALL needs a package archive: start the stage FROM debian:<suite> or add a SOURCE before it (FROM scratch has none)"},
	{"install in stage of scratch", "FROM scratch AS s\nFROM s\nINSTALL perl\n", 3, "INSTALL needs a package archive: start the stage FROM debian:<suite> or add a SOURCE before it (FROM scratch has none)"},
	{"exclude version", "FROM debian:trixie\nEXCLUDE debconf=1.5\n", 2, `EXCLUDE takes package names without versions, got "debconf=1.5"`},

	// GROUPADD, USERADD
	{"groupadd two names", "FROM debian:trixie\nGROUPADD a b\n", 2, "GROUPADD needs one group name (lower case letters, digits, '_' and '-')"},
	{"groupadd negative gid", "FROM debian:trixie\nGROUPADD --gid=-1 g\n", 2, "--gid=-1: want a number from 0 to 2147483646"},
	{"groupadd gid without value", "FROM debian:trixie\nGROUPADD --gid g\n", 2, "GROUPADD: flag --gid needs a value (--gid=…)"},
	{"groupadd existing", "FROM debian:trixie\nGROUPADD root\n", 2, `GROUPADD: group "root" already exists`},
	{"groupadd twice", "FROM debian:trixie\nGROUPADD nonroot\nGROUPADD nonroot\n", 3, `GROUPADD: group "nonroot" already exists`},
	{"groupadd gid used", "FROM debian:trixie\nGROUPADD --gid=65534 nobodies\n", 2, `GROUPADD: gid 65534 is already used by group "nogroup"`},
	{"useradd bad uid", "FROM debian:trixie\nUSERADD --uid=x app\n", 2, "--uid=x: want a number from 0 to 2147483646"},
	{"useradd upper case", "FROM debian:trixie\nUSERADD App\n", 2, "USERADD needs one user name (lower case letters, digits, '_' and '-')"},
	{"useradd relative home", "FROM debian:trixie\nUSERADD --home=home/app app\n", 2, `USERADD: "home/app" must be an absolute path`},
	{"useradd flag twice", "FROM debian:trixie\nUSERADD --uid=1 --uid=2 app\n", 2, "USERADD: flag --uid given twice"},
	{"useradd duplicate uid", "FROM debian:trixie\nUSERADD --uid=1337 a\nUSERADD --uid=1337 b\n", 3, "USERADD: uid 1337 is already used"},
	{"useradd root uid", "FROM debian:trixie\nUSERADD --uid=0 toor\n", 2, "USERADD: uid 0 is already used"},
	{"useradd existing", "FROM debian:trixie\nUSERADD root\n", 2, `USERADD: user "root" already exists`},
	{"useradd twice", "FROM debian:trixie\nUSERADD nobody\nUSERADD nobody\n", 3, `USERADD: user "nobody" already exists`},
	{"useradd unknown groups", "FROM debian:trixie\nGROUPADD staff\nUSERADD --groups=staff,wheel app\n", 3, `USERADD --groups: no group named "wheel" (add it with GROUPADD first)`},
	{"useradd group exists", "FROM debian:trixie\nGROUPADD app\nUSERADD app\n", 3, `USERADD: a group named "app" exists: give --gid=1000 to use it`},
	{"useradd in derived stage", "FROM debian:trixie AS a\nUSERADD --uid=1337 app\nFROM a\nUSERADD --uid=1337 web\n", 4, "USERADD: uid 1337 is already used"},

	// MKDIR, SYMLINK, FILE, COPY and owners
	{"mkdir nothing", "FROM debian:trixie\nMKDIR --mode=0755\n", 2, "MKDIR needs at least one path"},
	{"mkdir relative", "FROM debian:trixie\nMKDIR /a b\n", 2, `MKDIR: "b" must be an absolute path`},
	{"mkdir bad mode", "FROM debian:trixie\nMKDIR --mode=0999 /a\n", 2, "--mode=0999: want an octal mode such as 0755"},
	{"mkdir owner defined later", "FROM debian:trixie\nMKDIR --owner=app /app\nUSERADD app\n", 2, `owner "app": no user "app" (add it with USERADD before this line)`},
	{"mkdir unknown group", "FROM debian:trixie\nMKDIR --owner=nonroot:staff /app\n", 2, `owner "nonroot:staff": no group "staff" (add it with GROUPADD before this line)`},
	{"symlink one argument", "FROM debian:trixie\nSYMLINK /usr/bin/perl\n", 2, "SYMLINK needs a target and a path, e.g. SYMLINK /usr/bin/python3 /usr/bin/python"},
	{"symlink relative path", "FROM debian:trixie\nSYMLINK /usr/bin/perl perl\n", 2, `SYMLINK: "perl" must be an absolute path`},
	{"file without heredoc", "FROM debian:trixie\nFILE /etc/app.conf\n", 2, "FILE needs a path and one heredoc, e.g. FILE /etc/app.conf <<EOF"},
	{"file heredoc before path", "FROM debian:trixie\nFILE <<EOF /a\nx\nEOF\n", 2, "FILE needs a path and one heredoc, e.g. FILE /etc/app.conf <<EOF"},
	{"file two heredocs", "FROM debian:trixie\nFILE /a <<A <<B\na\nA\nb\nB\n", 2, "FILE needs a path and one heredoc, e.g. FILE /etc/app.conf <<EOF"},
	{"file relative", "FROM debian:trixie\nFILE etc/app.conf <<EOF\nx\nEOF\n", 2, `FILE: "etc/app.conf" must be an absolute path`},
	{"file unterminated heredoc", "FROM debian:trixie\nINSTALL perl\nFILE /a <<EOF\nx\n", 3, "unterminated heredoc"},
	{"file bad mode", "FROM debian:trixie\nFILE --mode=rw /a <<EOF\nx\nEOF\n", 2, "--mode=rw: want an octal mode such as 0755"},
	{"file unknown owner", "FROM debian:trixie\nFILE --owner=app /a <<EOF\nx\nEOF\n", 2, `owner "app": no user "app" (add it with USERADD before this line)`},
	{"file heredoc expansion", "FROM debian:trixie\nFILE /a <<EOF\n${X:?X is required}\nEOF\n", 2, `failed to process "${X:?X is required}\n": X: X is required`},
	{"file after continuation", "FROM debian:trixie\nENV A=1 \\\nFILE /x <<EOF\nINSTALL perl\nEOF\n", 2, `Syntax error - can't find = in "FILE". Must be of the form: name=value`},
	{"file before FROM with BOM", "\ufeffFILE /a <<EOF\nx\nEOF\nFROM debian:trixie\n", 1, "FILE before the first FROM: only ARG may come before FROM"},
	{"copy one argument", "FROM debian:trixie\nCOPY app\n", 2, "COPY needs at least one source and a destination"},
	{"copy heredoc", "FROM debian:trixie\nCOPY <<EOF /a\nx\nEOF\n", 2, "COPY takes no heredoc: use FILE <path> <<EOF for inline files"},
	{"copy symbolic chmod", "FROM debian:trixie\nCOPY --chmod=u+x app /app\n", 2, "COPY --chmod=u+x: want an octal mode such as 0755"},
	{"copy chmod too big", "FROM debian:trixie\nCOPY --chmod=17777 app /app\n", 2, "COPY --chmod=17777: want an octal mode such as 0755"},
	{"copy unknown chown", "FROM debian:trixie\nCOPY --chown=app:app app /app\n", 2, `owner "app:app": no user "app" (add it with USERADD before this line)`},
	{"copy unknown flag", "FROM debian:trixie\nCOPY --exclude=*.md . /app\n", 2, "COPY: unknown flag --exclude (known: --from, --chown, --chmod, --link)"},
	{"copy unlinked", "FROM debian:trixie\nCOPY --link=false app /app\n", 2, "COPY --link=false: every COPY of a Distrofile is linked (its layer does not depend on the packages' layers)"},
	{"copy link not a bool", "FROM debian:trixie\nCOPY --link=maybe app /app\n", 2, "COPY: flag --link=maybe: want true or false"},
	{"source not insecure", "FROM scratch\nSOURCE --insecure=false http://x.invalid/r stable\n", 2, "SOURCE --insecure=false: leave the flag out to check the signature"},

	// Image config
	{"env without value", "FROM debian:trixie\nENV A\n", 2, "ENV must have two arguments"},
	{"env empty name", "FROM debian:trixie\nENV =x\n", 2, `ENV: empty name in "ENV =x"`},
	{"env flag", "FROM debian:trixie\nENV --x=1 A=1\n", 2, "ENV: unknown flag --x: this instruction takes no flags"},
	{"label without value", "FROM debian:trixie\nLABEL a\n", 2, "LABEL must have two arguments"},
	{"entrypoint shell form", "FROM debian:trixie\nENTRYPOINT /usr/bin/perl -e 1\n", 2, `ENTRYPOINT needs the exec (JSON) form, e.g. ENTRYPOINT ["/usr/bin/perl"]: the image has no shell to run a command string`},
	{"cmd broken json", "FROM debian:trixie\nCMD [\"/usr/bin/perl\"\n", 2, `CMD needs the exec (JSON) form, e.g. CMD ["/usr/bin/perl"]: the image has no shell to run a command string`},
	{"user empty", "FROM debian:trixie\nUSER \"\"\n", 2, "USER needs exactly one argument"},
	{"stopsignal two words", "FROM debian:trixie\nSTOPSIGNAL SIGTERM SIGKILL\n", 2, `STOPSIGNAL "SIGTERM SIGKILL": want a signal name such as SIGTERM, or a number`},
	{"stopsignal garbage", "FROM debian:trixie\nSTOPSIGNAL NOPE!\n", 2, `STOPSIGNAL "NOPE!": want a signal name such as SIGTERM, or a number`},
	{"expose zero", "FROM debian:trixie\nEXPOSE 0\n", 2, `EXPOSE "0": want port[/tcp|/udp|/sctp]`},
	{"expose protocol", "FROM debian:trixie\nEXPOSE 80/http\n", 2, `EXPOSE "80/http": unknown protocol "http"`},
	{"expose nothing", "FROM debian:trixie\nEXPOSE\n", 2, "EXPOSE needs at least one argument"},
	{"volume nothing", "FROM debian:trixie\nVOLUME\n", 2, "VOLUME needs at least one argument"},

	// Instructions that are not (yet) part of the language
	{"healthcheck interval", "FROM debian:trixie\nHEALTHCHECK --interval=often CMD [\"/bin/true\"]\n", 2, `time: invalid duration "often"`},
	{"healthcheck flag", "FROM debian:trixie\nHEALTHCHECK --every=1s CMD [\"/bin/true\"]\n", 2, "unknown flag: --every"},
	{"healthcheck no cmd", "FROM debian:trixie\nHEALTHCHECK /bin/true\n", 2, `Unknown type "/BIN/TRUE" in HEALTHCHECK (try CMD)`},
	{"run in scratch", "FROM scratch\nMKDIR /out\nRUN [\"/bin/true\"]\n", 3, "RUN in a stage with nothing to run: it installs no package and has no COPY or FILE before this line; INSTALL the program's packages or COPY it first"},
	{"run empty", "FROM debian:trixie\nRUN\n", 2, "RUN needs a command"},
	{"run empty exec", "FROM debian:trixie\nRUN []\n", 2, "RUN needs a command"},
	{"run device", "FROM debian:trixie\nRUN --device=/dev/kvm [\"/bin/true\"]\n", 2, "RUN --device is not supported by this frontend"},
	{"run mount type", "FROM debian:trixie\nRUN --mount=type=volume,target=/x [\"/bin/true\"]\n", 2, `RUN: unsupported mount type "volume"`},
	{"run network", "FROM debian:trixie\nRUN --network=bridge [\"/bin/true\"]\n", 2, `invalid network mode "bridge"`},
	{"run heredoc", "FROM debian:trixie\nRUN <<EOF\necho hi\nEOF\n", 2, "RUN with a here-document is not supported: write the script with FILE <path> <<EOF and RUN it"},
	{"install after run", "FROM debian:trixie\nINSTALL dash\nRUN echo hi\nINSTALL perl\n", 4, "INSTALL after RUN: a stage's archive, packages and accounts are in place before its first RUN (line 3); move it above that RUN"},
	{"useradd after inherited run", "FROM debian:trixie AS a\nINSTALL dash\nRUN echo hi\nFROM a\nUSERADD app\n", 5, "USERADD after RUN: a stage's archive, packages and accounts are in place before its first RUN (its base stage); move it above that RUN"},
	{"add", "FROM debian:trixie\nADD app.tar.gz /app\n", 2, "ADD is not part of a Distrofile: use COPY for files from the build context"},
	{"shell", "FROM debian:trixie\nSHELL [\"/bin/bash\", \"-c\"]\n", 2, `SHELL is not supported: RUN's shell form runs /bin/sh -c; for another shell use the exec form, RUN ["/usr/bin/bash", "-c", "…"]`},
	{"onbuild", "FROM debian:trixie\nONBUILD INSTALL perl\n", 2, "ONBUILD is not supported: a Distrofile image carries no triggers for the builds based on it"},
	{"maintainer", "FROM debian:trixie\nMAINTAINER me\n", 2, "MAINTAINER is not part of a Distrofile: use LABEL org.opencontainers.image.authors=…"},
	{"misspelt instruction", "FROM debian:trixie\nUSERAD app\n", 2, "unknown instruction USERAD (did you mean USERADD?)"},
	{"unknown instruction", "FROM debian:trixie\nFROBNICATE\n", 2, "unknown instruction FROBNICATE"},
	{"empty file", "# only a comment\n", 1, "file with no instructions"},
}

// checkLocated fails t unless err is a LocatedError on line with exactly
// the message msg.
func checkLocated(t *testing.T, err error, line int, msg string) {
	t.Helper()
	var le *LocatedError
	if !errors.As(err, &le) || len(le.Ranges) == 0 {
		t.Fatalf("error without location: %v", err)
	}
	if got := le.Ranges[0].Start.Line; got != line {
		t.Errorf("line %d, want %d", got, line)
	}
	if got := le.Err.Error(); got != msg {
		t.Errorf("message\n got %q\nwant %q", got, msg)
	}
}

// testStates parses src and evaluates its stages.
func testStates(t *testing.T, src string) (*Distrofile, map[*Stage]*StageSpec) {
	t.Helper()
	df, err := Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	states, err := EvalStages(df)
	if err != nil {
		t.Fatal(err)
	}
	return df, states
}

// TestMalformed runs every malformed Distrofile through Parse and, when it
// parses, the stage evaluation, and checks the exact message and line.
func TestMalformed(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range malformedCases {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			df, err := Parse([]byte(tc.src), nil)
			if err == nil {
				_, err = EvalStages(df)
			}
			if err == nil {
				t.Fatal("no error")
			}
			checkLocated(t, err, tc.line, tc.msg)
			if want := "line " + itoa(tc.line) + ": " + tc.msg; err.Error() != want {
				t.Errorf("Error() %q, want %q", err.Error(), want)
			}
		})
	}
	if len(malformedCases) < 30 {
		t.Errorf("only %d cases", len(malformedCases))
	}
}
