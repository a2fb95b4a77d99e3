package distrofile

import (
	"fmt"
	"reflect"
	"testing"
)

// lintSrc parses and evaluates src and returns its warnings as
// "Rule line: message" strings.
func lintSrc(t *testing.T, src string) []string {
	t.Helper()
	df, err := Parse([]byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	states, err := EvalStages(df)
	if err != nil {
		t.Fatalf("eval: %v", err)
	}
	var got []string
	for _, w := range Lint(df, states) {
		if len(w.Ranges) == 0 {
			t.Errorf("%s warning without location: %s", w.Rule.Name, w.Message)
			continue
		}
		got = append(got, fmt.Sprintf("%s %d: %s", w.Rule.Name, w.Ranges[0].Start.Line, w.Message))
	}
	return got
}

func TestLintRules(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"clean", specExample, nil},
		{"duplicate install", "FROM debian:trixie\nINSTALL perl libc6\nINSTALL ca-certificates perl\n",
			[]string{"DuplicateInstall 3: perl is already INSTALLed on line 2"}},
		{"duplicate in one line", "FROM debian:trixie\nINSTALL perl perl=5.40.1-6\n",
			[]string{"DuplicateInstall 2: perl=5.40.1-6 is already INSTALLed on line 2 (as perl)"}},
		{"inherited install", "FROM debian:trixie AS base\nINSTALL libc6\nFROM base\nINSTALL perl libc6\n",
			[]string{"DuplicateInstall 4: libc6 is already INSTALLed on the base stage"}},
		{"other arch is not a duplicate", "FROM debian:trixie\nINSTALL libc6:amd64 libc6:i386\n", nil},
		{"install excluded", "FROM debian:trixie\nEXCLUDE debconf\nINSTALL perl debconf\n",
			[]string{"InstallExcluded 3: debconf is INSTALLed but EXCLUDEd on line 2: the build will fail"}},
		{"install excluded later", "FROM debian:trixie\nINSTALL debconf=1.5\nEXCLUDE debconf\n",
			[]string{"InstallExcluded 2: debconf=1.5 is INSTALLed but EXCLUDEd on line 3: the build will fail"}},
		{"unknown user", "FROM debian:trixie\nUSER app\n",
			[]string{`UndefinedUser 2: USER app: no user "app" in /etc/passwd (add it with USERADD, or use root, nobody, nonroot or a numeric uid)`}},
		{"unknown group", "FROM debian:trixie\nUSERADD app\nUSER app:staff\n",
			[]string{`UndefinedUser 3: USER app:staff: no group "staff" in /etc/group (add it with GROUPADD, or use a numeric gid)`}},
		{"known users", "FROM debian:trixie\nUSER nonroot\nUSER nobody:nogroup\nUSER 1234:5678\nUSER root\nUSER app\nUSERADD app\n", nil},
		{"inherited user", "FROM debian:trixie AS a\nUSERADD app\nFROM a\nUSER app:app\n", nil},
		{"mkdir over mkdir", "FROM debian:trixie\nMKDIR --mode=0700 /data\nMKDIR --owner=nonroot /data /logs\nMKDIR --mode=0700 /data\n",
			[]string{"DirectoryRedeclared 3: MKDIR /data: MKDIR on line 2 already makes it 0700 0:0; this MKDIR's 0755 65532:65532 is not applied"}},
		{"mkdir over a home", "FROM debian:trixie\nMKDIR --mode=0755 /home/nonroot\n",
			[]string{"DirectoryRedeclared 2: MKDIR /home/nonroot: the home of nonroot already makes it 0750 65532:65532; this MKDIR's 0755 0:0 is not applied"}},
		{"mkdir after workdir", "FROM debian:trixie\nWORKDIR /app\nMKDIR --owner=nonroot /app\n",
			[]string{"DirectoryRedeclared 3: MKDIR /app: WORKDIR on line 2 already makes it 0755 0:0; this MKDIR's 0755 65532:65532 is not applied"}},
		{"redefined default accounts", "FROM debian:trixie\nGROUPADD --gid=2000 nonroot\nUSERADD --uid=2000 --gid=2000 nonroot\nUSERADD app\n",
			[]string{"DefaultAccountRedefined 2: GROUPADD nonroot replaces the default group nonroot (gid 65532)",
				"DefaultAccountRedefined 3: USERADD nonroot replaces the default user nonroot (uid 65532)"}},
		{"accounts files", "FROM debian:trixie\nCOPY passwd /etc/passwd\nWORKDIR /etc\nCOPY group shadow ./\nFILE /etc/group <<EOF\nx\nEOF\nCOPY hosts /etc/\n",
			[]string{"AccountsFileOverwritten 2: COPY writes /etc/passwd over the accounts the build makes from USERADD and GROUPADD (and that packages' scripts add to): add accounts with USERADD and GROUPADD",
				"AccountsFileOverwritten 4: COPY writes /etc/group over the accounts the build makes from USERADD and GROUPADD (and that packages' scripts add to): add accounts with USERADD and GROUPADD",
				"AccountsFileOverwritten 4: COPY writes /etc/shadow over the accounts the build makes from USERADD and GROUPADD (and that packages' scripts add to): add accounts with USERADD and GROUPADD",
				"AccountsFileOverwritten 5: FILE writes /etc/group over the accounts the build makes from USERADD and GROUPADD (and that packages' scripts add to): add accounts with USERADD and GROUPADD"}},
		{"workdir over mkdir", "FROM debian:trixie\nMKDIR --mode=0700 /app\nWORKDIR /app\nMKDIR --mode=0750 --owner=nonroot /home/nonroot\n", nil},
		{"entrypoint from nowhere", "FROM debian:trixie\nINSTALL perl\nENTRYPOINT [\"/app/server\"]\n",
			[]string{"EntrypointNotProvided 3: ENTRYPOINT /app/server: no COPY, FILE or SYMLINK writes /app/server, and Debian packages do not install there"}},
		{"entrypoint in /usr/local", "FROM debian:trixie\nINSTALL perl\nENTRYPOINT [\"/usr/local/bin/app\"]\n",
			[]string{"EntrypointNotProvided 3: ENTRYPOINT /usr/local/bin/app: no COPY, FILE or SYMLINK writes /usr/local/bin/app, and Debian packages do not install there"}},
		{"entrypoint from package", "FROM debian:trixie\nINSTALL perl\nENTRYPOINT [\"/usr/bin/perl\"]\nFROM debian:trixie\nINSTALL busybox\nENTRYPOINT [\"/bin/busybox\"]\nFROM debian:trixie\nINSTALL libc6\nENTRYPOINT [\"/lib64/ld-linux-x86-64.so.2\"]\n", nil},
		{"entrypoint copied", "FROM debian:trixie\nINSTALL perl\nWORKDIR /app\nCOPY server .\nENTRYPOINT [\"/app/server\"]\n", nil},
		{"entrypoint copied dir", "FROM debian:trixie\nINSTALL perl\nCOPY bin /app/bin\nENTRYPOINT [\"/app/bin/server\"]\n", nil},
		{"entrypoint file", "FROM debian:trixie\nINSTALL perl\nFILE --mode=0755 /app/run <<EOF\n#!/usr/bin/perl\nEOF\nENTRYPOINT [\"/app/run\", \"x\"]\n", nil},
		{"entrypoint symlink", "FROM debian:trixie\nINSTALL perl\nSYMLINK /usr/bin/perl /app/perl\nENTRYPOINT [\"/app/perl\"]\n", nil},
		{"entrypoint written after", "FROM debian:trixie\nINSTALL perl\nENTRYPOINT [\"/app/x\"]\nCOPY x /app/x\n", nil},
		{"entrypoint inherited file", "FROM debian:trixie AS a\nCOPY x /app/x\nFROM a\nINSTALL perl\nENTRYPOINT [\"/app/x\"]\n", nil},
		{"entrypoint without packages", "FROM debian:trixie\nENTRYPOINT [\"/usr/bin/perl\"]\n",
			[]string{"EntrypointNotProvided 2: ENTRYPOINT /usr/bin/perl: nothing in this stage writes /usr/bin/perl, and the stage INSTALLs no package"}},
		{"entrypoint in scratch", "FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/usr/bin/app\"]\n",
			[]string{"EntrypointNotProvided 3: ENTRYPOINT /usr/bin/app: nothing in this stage writes /usr/bin/app, and a stage without a package archive has no packages (COPY it or FILE it)"}},
		{"image stage: its own accounts and files", "FROM docker-image://127.0.0.1:5000/base\nUSER app\nENTRYPOINT [\"/srv/app\"]\n", nil},
		{"a RUN may write the program", "FROM debian:trixie\nINSTALL gcc\nRUN [\"gcc\", \"-o\", \"/srv/app\", \"a.c\"]\nENTRYPOINT [\"/srv/app\"]\n", nil},
		{"cmd without entrypoint", "FROM debian:trixie\nINSTALL perl\nCMD [\"/srv/app\"]\n",
			[]string{"EntrypointNotProvided 3: CMD /srv/app: no COPY, FILE or SYMLINK writes /srv/app, and Debian packages do not install there"}},
		{"cmd with entrypoint", "FROM debian:trixie\nINSTALL perl\nENTRYPOINT [\"/usr/bin/perl\"]\nCMD [\"/app/script.pl\"]\n", nil},
		{"relative entrypoint", "FROM debian:trixie\nENTRYPOINT [\"perl\"]\n", nil},
		{"drop removes entrypoint", "FROM debian:trixie\nINSTALL perl\nDROP docs /usr/bin/*\nENTRYPOINT [\"/usr/bin/perl\"]\n",
			[]string{"DropRemovesEntrypoint 4: ENTRYPOINT /usr/bin/perl: DROP /usr/bin/* on line 3 removes /usr/bin/perl from the packages"}},
		{"drop removes merged entrypoint", "FROM debian:trixie AS a\nDROP /usr/sbin\nFROM a\nINSTALL nginx\nENTRYPOINT [\"/sbin/nginx\"]\n",
			[]string{"DropRemovesEntrypoint 5: ENTRYPOINT /sbin/nginx: DROP /usr/sbin on the base stage removes /usr/sbin/nginx from the packages"}},
		{"drop on an unmerged suite", "FROM debian:bookworm\nINSTALL nginx\nDROP /usr/sbin\nENTRYPOINT [\"/sbin/nginx\"]\n", nil},
		{"drop keeps entrypoint", "FROM debian:trixie\nINSTALL perl\nDROP docs locales /usr/share/**\nENTRYPOINT [\"/usr/bin/perl\"]\n", nil},
		{"drop does not touch copies", "FROM debian:trixie\nINSTALL perl\nDROP /usr/local/**\nCOPY app /usr/local/bin/app\nENTRYPOINT [\"/usr/local/bin/app\"]\n", nil},
		{"duplicate expose", "FROM debian:trixie\nEXPOSE 80 443\nEXPOSE 80/tcp 80/udp\n",
			[]string{"DuplicateExpose 3: EXPOSE 80/tcp: port 80/tcp is already exposed on line 2"}},
		{"duplicate expose in one line", "FROM debian:trixie\nEXPOSE 53/udp 53/udp\n",
			[]string{"DuplicateExpose 2: EXPOSE 53/udp: port 53/udp is already exposed on line 2"}},
		{"inherited expose", "FROM debian:trixie AS a\nEXPOSE 8080\nFROM a\nEXPOSE 8080\n",
			[]string{"DuplicateExpose 4: EXPOSE 8080: port 8080/tcp is already exposed on the base stage"}},
		{"relative workdir", "FROM debian:trixie\nWORKDIR app\nWORKDIR data\nWORKDIR /srv\n",
			[]string{
				"WorkdirRelativePath 2: WORKDIR app is relative: it resolves to /app against /; write the absolute path",
				"WorkdirRelativePath 3: WORKDIR data is relative: it resolves to /app/data against the previous WORKDIR /app; write the absolute path",
			}},
		{"env path", "FROM debian:trixie\nENV PATH=/app/bin:/bin\n",
			[]string{"EnvPathWithoutUsrBin 2: ENV PATH=/app/bin:/bin has no /usr/bin: programs from packages will not be found by name (the default is /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)"}},
		{"env path ok", "FROM debian:trixie\nENV PATH=/app/bin:/usr/bin/ OTHER=1\n", nil},
		{"several rules, several stages", "FROM debian:trixie AS a\nUSER app\nFROM a\nEXPOSE 1 1\n",
			[]string{
				`UndefinedUser 2: USER app: no user "app" in /etc/passwd (add it with USERADD, or use root, nobody, nonroot or a numeric uid)`,
				"DuplicateExpose 4: EXPOSE 1: port 1/tcp is already exposed on line 4",
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lintSrc(t, tc.src)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("warnings:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLintRulesDocumented(t *testing.T) {
	names := map[string]bool{}
	for _, r := range LintRules {
		if r.Name == "" || r.Description == "" || names[r.Name] {
			t.Errorf("rule %+v: empty or duplicate", r)
		}
		names[r.Name] = true
	}
}
