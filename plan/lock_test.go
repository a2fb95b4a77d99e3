package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/distrofile"
)

const fakeHost = "http://archive.invalid/"

var st = archivetest.Stanza

// fakeArchives builds a signed Debian-like trixie archive (main, updates,
// security), the same suite again under a snapshot path, and a third-party
// archive "extra" signed by another key; it returns a fetcher, the Debian
// key and the third-party keyring (armored).
func fakeArchives(t *testing.T) (*fetchLog, *openpgp.Entity, []byte) {
	t.Helper()
	date := time.Date(2026, 9, 12, 7, 55, 41, 0, time.UTC)
	key, err := archivetest.NewKey("fake debian", date.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	extraKey, err := archivetest.NewKey("fake extra", date.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a := archivetest.New()
	main := map[string]string{
		"main/amd64": strings.Join([]string{
			st("perl", "5.40.1-6", "Depends: perl-base (= 5.40.1-6)"),
			st("perl-base", "5.40.1-6", "Pre-Depends: libc6 (>= 2.38)"),
			st("libc6", "2.41-12"),
			st("tzdata", "2025b-4", "Architecture: all"),
		}, "\n"),
		"main/arm64": strings.Join([]string{
			st("perl", "5.40.1-6", "Architecture: arm64", "Depends: perl-base (= 5.40.1-6)"),
			st("perl-base", "5.40.1-6", "Architecture: arm64", "Pre-Depends: libc6 (>= 2.38)"),
			st("libc6", "2.41-12", "Architecture: arm64"),
			st("tzdata", "2025b-4", "Architecture: all"),
		}, "\n"),
	}
	week := 7 * 24 * time.Hour
	liveDate := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for _, root := range []string{"", "snap/"} {
		date := date
		if root == "" {
			date = liveDate
		}
		sec := "debian-security"
		deb := "debian"
		if root != "" {
			deb, sec = root+"debian/20260913T000000Z", root+"debian-security/20260913T000000Z"
		}
		for _, s := range []archivetest.Suite{
			{Root: deb, Dist: "trixie", Suite: "stable", Date: date, Key: key, Packages: main},
			{Root: deb, Dist: "trixie-updates", Suite: "stable-updates", Date: date, ValidUntil: date.Add(week), Key: key,
				Packages: map[string]string{"main/amd64": st("libc6", "2.41-12+deb13u1"), "main/arm64": ""}},
			{Root: sec, Dist: "trixie-security", Suite: "stable-security", Date: date, ValidUntil: date.Add(week), Key: key,
				Packages: map[string]string{"main/amd64": "", "main/arm64": ""}},
		} {
			if err := a.AddSuite(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.AddSuite(archivetest.Suite{Root: "extra", Dist: "stable", Suite: "stable", Date: date, Key: extraKey,
		Packages: map[string]string{"main/amd64": st("extra-tool", "1.0-1", "Depends: libc6")}}); err != nil {
		t.Fatal(err)
	}
	pub, err := archivetest.ArmoredPublicKey(extraKey)
	if err != nil {
		t.Fatal(err)
	}
	return &fetchLog{a: a}, key, pub
}

// fetchLog serves an archivetest.Archive under fakeHost and counts fetches.
type fetchLog struct {
	a    *archivetest.Archive
	mu   sync.Mutex
	urls []string
}

func (f *fetchLog) Fetch(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
	f.mu.Lock()
	f.urls = append(f.urls, req.URL)
	f.mu.Unlock()
	b, ok := f.a.Get(strings.TrimPrefix(req.URL, fakeHost))
	if !ok {
		return nil, fmt.Errorf("GET %s: 404 Not Found", req.URL)
	}
	return b, nil
}

const lockDistrofile = `FROM debian:trixie AS runtime
MIRROR ` + fakeHost + `debian
SOURCE ` + fakeHost + `extra stable main --keyring=keys/extra.asc --arch=amd64
INSTALL perl tzdata
FROM runtime AS app
INSTALL extra-tool
FROM scratch AS files
FILE /x <<EOF
x
EOF
`

func lockOpts(t *testing.T, f debresolve.Fetcher, key *openpgp.Entity, extra []byte, archs ...string) LockOptions {
	kr, err := archivetest.Keyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return LockOptions{
		BuildArgs: map[string]string{}, Archs: archs, Fetcher: f, Keyring: kr,
		ReadContextFile: func(ctx context.Context, p string) ([]byte, error) {
			if p == "keys/extra.asc" {
				return extra, nil
			}
			return nil, os.ErrNotExist
		},
	}
}

func TestMakeLockAndCheck(t *testing.T) {
	f, key, extra := fakeArchives(t)
	df, err := distrofile.Parse([]byte(lockDistrofile), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opt := lockOpts(t, f, key, extra, "amd64")
	l, err := MakeLock(ctx, df, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Stages) != 2 || l.Stages[0].Stage != "runtime" || l.Stages[1].Stage != "app" {
		t.Fatalf("stages: %+v", l.Stages)
	}
	app := l.Stage("app")
	if len(app.Sources) != 4 || app.Sources[3].URL != fakeHost+"extra" || len(app.Inputs.Sources) != 1 || len(app.Inputs.Sources[0].KeyringSHA256) != 64 {
		t.Fatalf("app sources: %+v / %+v", app.Sources, app.Inputs.Sources)
	}
	var names []string
	for _, p := range app.Arch("amd64").Packages {
		names = append(names, p.Name+"="+p.Version)
	}
	if got := strings.Join(names, " "); got != "extra-tool=1.0-1 libc6=2.41-12+deb13u1 perl=5.40.1-6 perl-base=5.40.1-6 tzdata=2025b-4" {
		t.Fatalf("app closure: %s", got)
	}
	data := l.Marshal()
	l2, err := debresolve.ParseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := MakeLock(ctx, df, opt)
	if err != nil || string(again.Marshal()) != string(data) {
		t.Fatalf("second lock differs (err %v)", err)
	}

	// A matching lock is used as it is: no fetch at all.
	f.urls = nil
	if err := CheckLock(ctx, df, l2, opt); err != nil {
		t.Fatalf("fresh lock: %v", err)
	}
	states, _ := distrofile.EvalStages(df)
	s := states[df.Stages[1]]
	p, err := New(ctx, s, opt.BuildArgs, opt.ReadContextFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := Locked(l2, df.Stages[1], s, p, "amd64")
	if err != nil || len(cl.Packages) != 5 || cl.Package("extra-tool").URL != fakeHost+"extra/"+app.Arch("amd64").Packages[0].Path {
		t.Fatalf("locked closure: %v %+v", err, cl)
	}
	if len(f.urls) != 0 {
		t.Fatalf("a locked build fetched %v", f.urls)
	}
	// The archive has no libc-bin: the closure with libc6 has no locale,
	// and since the lock (version 3) says so, no warning. A lock of
	// version 2 predates the locale: a warning says so, not an error.
	var warned []string
	p.Warn = func(m string) { warned = append(warned, m) }
	if _, err := Locked(l2, df.Stages[1], s, p, "amd64"); err != nil || l2.Version != 3 || len(warned) != 0 {
		t.Fatalf("version %d: %v %q", l2.Version, err, warned)
	}
	old := *l2
	old.Version = 2
	if _, err := Locked(&old, df.Stages[1], s, p, "amd64"); err != nil || len(warned) != 1 ||
		!strings.Contains(warned[0], `(version 2) predates the C.utf8 locale: the amd64 image of stage "app" has no /usr/lib/locale/C.utf8`) {
		t.Fatalf("an old lock: %v %q", err, warned)
	}
	p.Warn = nil

	// Stale locks say what changed, on the stage's FROM line.
	for _, tc := range []struct {
		name, src string
		archs     []string
		want      string
	}{
		{"root added", strings.Replace(lockDistrofile, "INSTALL perl tzdata", "INSTALL perl tzdata libc6", 1), nil, `stale for stage "runtime": INSTALL: added libc6`},
		{"suite", strings.Replace(lockDistrofile, "debian:trixie", "debian:bookworm", 1), nil, "FROM debian:bookworm (the lock has debian:trixie)"},
		{"source", strings.Replace(lockDistrofile, "--arch=amd64", "--arch=amd64,arm64", 1), nil, "SOURCE: added"},
		{"new stage", lockDistrofile + "FROM debian:trixie AS more\nMIRROR " + fakeHost + "debian\nINSTALL perl\n", nil, `it has no stage "more"`},
		{"arch", lockDistrofile, []string{"arm64"}, "no closure for arm64 (only amd64)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df2, err := distrofile.Parse([]byte(tc.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			o := opt
			if tc.archs != nil {
				o.Archs = tc.archs
			}
			err = CheckLock(ctx, df2, l2, o)
			var le *distrofile.LocatedError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "DISTROFILE_LOCK=update") || !errors.As(err, &le) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}

	// Mirror changes do not make the lock stale: URLs follow the mirror.
	opt2 := opt
	opt2.BuildArgs = map[string]string{}
	df3, _ := distrofile.Parse([]byte(strings.Replace(lockDistrofile, "MIRROR "+fakeHost+"debian", "MIRROR http://other.invalid/debian", 1)), nil)
	if err := CheckLock(ctx, df3, l2, opt2); err != nil {
		t.Fatalf("other mirror: %v", err)
	}
}

func TestMakeLockMultiArch(t *testing.T) {
	f, key, extra := fakeArchives(t)
	df, err := distrofile.Parse([]byte(strings.Split(lockDistrofile, "FROM runtime")[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := MakeLock(context.Background(), df, lockOpts(t, f, key, extra, "amd64", "arm64"))
	if err != nil {
		t.Fatal(err)
	}
	rt := l.Stage("runtime")
	if len(rt.Archs) != 2 || rt.Arch("arm64") == nil {
		t.Fatalf("archs: %+v", rt.Archs)
	}
	// arch:all packages are the same file in every closure.
	var all []debresolve.LockPackage
	for _, a := range rt.Archs {
		for _, p := range a.Packages {
			if p.Arch == "all" {
				all = append(all, p)
			}
		}
	}
	if len(all) != 2 || all[0].SHA256 != all[1].SHA256 || all[0].Path != all[1].Path {
		t.Fatalf("arch:all entries: %+v", all)
	}
	// The extra source serves amd64 only (--arch=amd64): no arm64 extra-tool.
	df, _ = distrofile.Parse([]byte(lockDistrofile), nil)
	_, err = MakeLock(context.Background(), df, lockOpts(t, f, key, extra, "arm64"))
	if err == nil || !strings.Contains(err.Error(), `unknown package "extra-tool"`) {
		t.Fatalf("arm64: err = %v", err)
	}
}

func TestSnapshotLock(t *testing.T) {
	f, key, extra := fakeArchives(t)
	src := "FROM debian:trixie@20260913T000000Z\nMIRROR --snapshot=" + fakeHost + "snap\nINSTALL perl\n"
	df, err := distrofile.Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The updates suite's Valid-Until (a week after its date) has passed
	// long ago: a snapshot build verifies as of the snapshot time.
	l, err := MakeLock(context.Background(), df, lockOpts(t, f, key, extra, "amd64"))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Stages[0]
	if s.Inputs.Snapshot != "20260913T000000Z" || s.Sources[0].URL != fakeHost+"snap/debian/20260913T000000Z" || s.Sources[2].URL != fakeHost+"snap/debian-security/20260913T000000Z" {
		t.Fatalf("snapshot sources: %+v", s.Sources)
	}
	for _, u := range f.urls {
		if !strings.HasPrefix(u, fakeHost+"snap/") {
			t.Fatalf("fetched %s outside the snapshot", u)
		}
	}
	// The snapshot mirror can also come from the build arg; without any,
	// the error says how to set it.
	df2, _ := distrofile.Parse([]byte("FROM debian:trixie@20260913T000000Z\nINSTALL perl\n"), nil)
	o := lockOpts(t, f, key, extra, "amd64")
	o.BuildArgs = map[string]string{ArgSnapshotMirror: fakeHost + "snap"}
	if _, err := MakeLock(context.Background(), df2, o); err != nil {
		t.Fatal(err)
	}
	o.BuildArgs = map[string]string{}
	if _, err := MakeLock(context.Background(), df2, o); err == nil || !strings.Contains(err.Error(), ArgSnapshotMirror) {
		t.Fatalf("err = %v", err)
	}
	// Without a snapshot, the expired Valid-Until of the live suite stops it.
	df3, _ := distrofile.Parse([]byte("FROM debian:trixie\nMIRROR "+fakeHost+"snap/debian/20260913T000000Z\nINSTALL perl\n"), nil)
	if _, err := MakeLock(context.Background(), df3, lockOpts(t, f, key, extra, "amd64")); err == nil || !strings.Contains(err.Error(), "Valid-Until") {
		t.Fatalf("live: err = %v", err)
	}
}
