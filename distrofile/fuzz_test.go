package distrofile

import (
	"errors"
	"testing"
)

// fuzzParseSeeds are extra FuzzParse seeds: every instruction, with flags,
// heredocs, several stages and the inputs of the malformed table.
func fuzzParseSeeds() []string {
	seeds := []string{
		"ARG S=trixie\nFROM debian:${S} AS a\nMIRROR --security=http://s.invalid/ http://m.invalid/debian\nINSTALL perl=5.40.1-6 libc6:amd64\nEXCLUDE debconf\n" +
			"GROUPADD --gid=10 g\nUSERADD --uid=10 --gid=10 --home=/h --shell=/bin/sh --groups=g u\nMKDIR --mode=0700 --owner=u:g /d /e\n" +
			"SYMLINK /usr/bin/perl /p\nFILE --owner=10 /f <<EOF\n$S\nEOF\nCOPY --from=a --chown=u --chmod=0755 --link a b /c/\n" +
			"ENV A=1 B=\"2 3\"\nENV C 4\nLABEL l=v\nENTRYPOINT [\"/p\"]\nCMD [\"x\"]\nWORKDIR w\nUSER u:g\nEXPOSE 1/udp 2\nSTOPSIGNAL SIGTERM\nVOLUME /v\n" +
			"FROM a\nUSER 0\nFROM scratch AS s\nCOPY x /x\n",
		"# escape=`\nFROM debian:trixie\nINSTALL a `\n  b\n",
		"FROM ubuntu:noble\nFILE /a <<-EOT\n\tx\n\tEOT\n",
		// Seeds for the lint rules: programs, DROP, duplicates, accounts.
		"FROM debian:trixie AS a\nINSTALL perl perl libc6:amd64\nEXCLUDE perl\nDROP docs /usr/bin/*\nENTRYPOINT [\"/usr/bin/perl\"]\nEXPOSE 1 1/tcp\n" +
			"FROM a\nINSTALL perl\nUSER app:g\nWORKDIR x\nENV PATH=/x\nCMD [\"/app/x\"]\nFROM scratch\nSYMLINK /usr/bin /app\nENTRYPOINT [\"/app/x\"]\n",
		"FROM debian:bookworm\nINSTALL nginx\nDROP /usr/sbin\nCOPY x /usr/local/\nENTRYPOINT [\"/sbin/nginx\"]\nFROM debian:trixie\nCMD [\"/srv/app\"]\n",
	}
	for _, c := range malformedCases {
		seeds = append(seeds, c.src)
	}
	return seeds
}

// checkEval runs the stage evaluation and the lint rules on what Parse
// accepted: neither may panic, an evaluation error must name a line, and
// every lint warning must be located.
func checkEval(t *testing.T, df *Distrofile, err error) {
	if err != nil {
		return
	}
	states, err := EvalStages(df)
	if err != nil {
		var le *LocatedError
		if !errors.As(err, &le) || len(le.Ranges) == 0 {
			t.Fatalf("stage error without a location: %v", err)
		}
		return
	}
	for _, w := range Lint(df, states) {
		if len(w.Ranges) == 0 || w.Message == "" {
			t.Fatalf("lint warning without location or message: %+v", w)
		}
	}
}
