package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/internal/debtest"
)

// dropArchive is a signed trixie archive whose packages are real .debs:
// alpha ships a man page and a changelog, beta only its copyright file,
// gamma a file under /lib (/usr/lib once merged).
func dropArchive(t *testing.T) (*fetchLog, LockOptions) {
	t.Helper()
	date := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	key, err := archivetest.NewKey("fake debian", date.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a := archivetest.New()
	content := map[string][]debtest.Entry{
		"alpha": {
			debtest.File("./usr/bin/alpha", 0o755, "alpha"),
			debtest.File("./usr/share/man/man1/alpha.1.gz", 0o644, "man"),
			debtest.File("./usr/share/doc/alpha/changelog.gz", 0o644, "changes"),
			debtest.File("./usr/share/doc/alpha/copyright", 0o644, "MIT"),
		},
		"beta":  {debtest.File("./usr/share/doc/beta/copyright", 0o644, "MIT")},
		"gamma": {debtest.File("./lib/gamma/data", 0o644, "gamma")},
	}
	var stanzas []string
	for _, name := range []string{"alpha", "beta", "gamma"} {
		deb := debtest.Deb{Control: debtest.Control(name, "1.0-1", "amd64"), Entries: debtest.WithParents(content[name])}.MustBytes()
		p := fmt.Sprintf("pool/main/%c/%s/%s_1.0-1_amd64.deb", name[0], name, name)
		sum := sha256.Sum256(deb)
		a.Set("debian/"+p, deb)
		stanzas = append(stanzas, st(name, "1.0-1", "Filename: "+p, fmt.Sprintf("Size: %d", len(deb)), "SHA256: "+hex.EncodeToString(sum[:])))
	}
	week := 7 * 24 * time.Hour
	for _, s := range []archivetest.Suite{
		{Root: "debian", Dist: "trixie", Suite: "stable", Date: date, Key: key, Packages: map[string]string{"main/amd64": strings.Join(stanzas, "\n")}},
		{Root: "debian", Dist: "trixie-updates", Suite: "stable-updates", Date: date, ValidUntil: date.Add(week), Key: key, Packages: map[string]string{"main/amd64": ""}},
		{Root: "debian-security", Dist: "trixie-security", Suite: "stable-security", Date: date, ValidUntil: date.Add(week), Key: key, Packages: map[string]string{"main/amd64": ""}},
	} {
		if err := a.AddSuite(s); err != nil {
			t.Fatal(err)
		}
	}
	f := &fetchLog{a: a}
	return f, lockOpts(t, f, key, nil, "amd64")
}

const dropDistrofile = "FROM debian:trixie\nMIRROR " + fakeHost + "debian\nINSTALL alpha beta gamma\n"

// debFetches counts the .debs fetched since the last call.
func (f *fetchLog) debFetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, u := range f.urls {
		if strings.HasSuffix(u, ".deb") {
			n++
		}
	}
	f.urls = nil
	return n
}

// TestMakeLockDropScan: a stage with DROP lines gets, in its lock, which
// of them remove something from each package; --check says when that
// record no longer matches; a re-lock takes the scans it can from the
// lock it replaces; a build turns the record into each step's DROP list.
func TestMakeLockDropScan(t *testing.T) {
	ctx := context.Background()
	f, opt := dropArchive(t)
	lockOf := func(drop string) (*distrofile.Distrofile, *debresolve.Lock) {
		t.Helper()
		df, err := distrofile.Parse([]byte(dropDistrofile+drop), nil)
		if err != nil {
			t.Fatal(err)
		}
		l, err := MakeLock(ctx, df, opt)
		if err != nil {
			t.Fatal(err)
		}
		return df, l
	}
	drops := func(l *debresolve.Lock) string {
		var out []string
		for _, p := range l.Stages[0].Archs[0].Packages {
			out = append(out, p.Name+"="+strings.Join(p.Drops, ","))
		}
		return strings.Join(out, " ")
	}

	// Without DROP: no scan, no download, version 1.
	_, plain := lockOf("")
	if plain.Version != 1 || plain.Stages[0].Drop != nil || f.debFetches() != 0 {
		t.Fatalf("no DROP: version %d, drop %+v", plain.Version, plain.Stages[0].Drop)
	}

	df, l := lockOf("DROP docs /usr/share/man/** /lib/**\nDROP /usr/lib/gamma\n")
	if n := f.debFetches(); n != 3 {
		t.Errorf("the scan fetched %d .debs, want 3", n)
	}
	want := &debresolve.LockDrop{Version: debextract.DropVersion, UsrMerge: true, Specs: []string{"docs", "/usr/share/man/**", "/lib/**", "/usr/lib/gamma"}}
	if d := l.Stages[0].Drop; l.Version != 2 || d == nil || d.Version != want.Version || !d.UsrMerge || !slices.Equal(d.Specs, want.Specs) {
		t.Fatalf("version %d, drop record %+v", l.Version, d)
	}
	// /lib/** matches nothing once /lib is merged into /usr/lib.
	if got := drops(l); got != "alpha=docs,/usr/share/man/** beta= gamma=/usr/lib/gamma" {
		t.Errorf("drops: %s", got)
	}
	parsed, err := debresolve.ParseLock(l.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckLock(ctx, df, parsed, opt); err != nil {
		t.Errorf("check of a fresh lock: %v", err)
	}

	// --check names what changed in the DROP lines.
	for _, tc := range []struct{ distrofile, usrmerge, want string }{
		{"DROP docs /usr/share/man/** /lib/**\nDROP /usr/lib/gamma /x\n", "", "DROP, since its scan: added /x"},
		{"DROP docs /usr/share/man/** /lib/**\n", "", "DROP, since its scan: removed /usr/lib/gamma"},
		{"DROP /usr/share/man/** docs /lib/**\nDROP /usr/lib/gamma\n", "", "DROP, since its scan: the order of the specifications"},
		{"", "", "it has a DROP scan, the stage has no DROP"},
		{"DROP docs /usr/share/man/** /lib/**\nDROP /usr/lib/gamma\n", "0", "its DROP scan has usrmerge true, the stage false"},
	} {
		df, err := distrofile.Parse([]byte(dropDistrofile+tc.distrofile), nil)
		if err != nil {
			t.Fatal(err)
		}
		o := opt
		if tc.usrmerge != "" {
			o.BuildArgs = map[string]string{ArgUsrMerge: tc.usrmerge}
		}
		if err := CheckLock(ctx, df, parsed, o); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "distrofile lock") {
			t.Errorf("%q: %v, want %q", tc.distrofile, err, tc.want)
		}
	}
	if err := CheckLock(ctx, df, plain, opt); err == nil || !strings.Contains(err.Error(), "DROP docs /usr/share/man/** /lib/** /usr/lib/gamma: not scanned") {
		t.Errorf("lock without a scan: %v", err)
	}

	// A re-lock with a subset of the scanned specifications reads the
	// answers off the previous lock: no download.
	opt.Previous = parsed
	df2, l2 := lockOf("DROP /usr/share/man/**\n")
	if n := f.debFetches(); n != 0 {
		t.Errorf("re-lock with the previous scan fetched %d .debs", n)
	}
	if got := drops(l2); got != "alpha=/usr/share/man/** beta= gamma=" {
		t.Errorf("drops from the previous lock: %s", got)
	}
	if err := CheckLock(ctx, df2, l2, opt); err != nil {
		t.Error(err)
	}
	// A new specification is scanned for.
	_, l3 := lockOf("DROP /usr/share/man/** /usr/bin/*\n")
	if n := f.debFetches(); n != 3 {
		t.Errorf("re-lock with a new spec fetched %d .debs, want 3", n)
	}
	if got := drops(l3); got != "alpha=/usr/share/man/**,/usr/bin/* beta= gamma=" {
		t.Errorf("drops after a new spec: %s", got)
	}

	// A build gives each package's step only what drops something in it.
	stg := df.Stages[0]
	lockedDrops := func(ls *debresolve.LockStage, arch string, usrMerge bool) map[string][]string {
		_, drops, _ := LockedDrops(ls, arch, usrMerge)
		return drops
	}
	ds := lockedDrops(parsed.Stage(StageKey(stg)), "amd64", true)
	if ds == nil || len(ds) != 3 {
		t.Fatalf("LockedDrops: %+v", ds)
	}
	if lockedDrops(parsed.Stage(StageKey(stg)), "amd64", false) != nil || lockedDrops(parsed.Stage(StageKey(stg)), "arm64", true) != nil || lockedDrops(nil, "amd64", true) != nil {
		t.Error("a scan used for another usrmerge setting or architecture")
	}
	parsed.Stages[0].Drop.Version++
	if lockedDrops(parsed.Stage(StageKey(stg)), "amd64", true) != nil {
		t.Error("a scan of another matcher version used")
	}
}
