package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
)

// execResolve answers like the resolve ExecOp: the index files are written
// where the ExecOp mounts them, `distrofile-frontend resolve` (ResolveMain)
// runs on them with the request as its argument, and the response is read
// back from the output directory.
func execResolve(t *testing.T) ResolveFunc {
	return func(ctx context.Context, c *debresolve.Client, name string, lists []*debresolve.SourceIndexes, req debresolve.ResolveRequest) (*debresolve.ResolveResponse, error) {
		if !strings.HasPrefix(name, "[distrofile] resolve stage ") {
			t.Errorf("vertex name %q", name)
		}
		dir := t.TempDir()
		for i, f := range req.Files {
			data, err := c.Fetcher.Fetch(ctx, debresolve.FetchRequest{URL: f.URL, SHA256: f.SHA256, Size: f.Size})
			if err != nil {
				return nil, err
			}
			d := filepath.Join(dir, "indexes", strconv.Itoa(i))
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, IndexFileName), data, 0o444); err != nil {
				t.Fatal(err)
			}
		}
		reqJSON, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		if err := ResolveMain(ResolveCommand{Request: string(reqJSON), Indexes: filepath.Join(dir, "indexes"), Out: out}.Args(), &log); err != nil {
			t.Fatalf("resolve: %v", err)
		}
		if !strings.HasPrefix(log.String(), req.Arch+": ") {
			t.Errorf("resolve log %q", log.String())
		}
		data, err := os.ReadFile(filepath.Join(out, ResponseFile))
		if err != nil {
			t.Fatal(err)
		}
		return DecodeResponse(data)
	}
}

// TestLockThroughResolveMode: the lock made through the resolve mode (as
// `--target=distrofile.lock` makes it) is byte for byte the lock made in
// process (as `distrofile lock` makes it), for every architecture.
func TestLockThroughResolveMode(t *testing.T) {
	f, key, extra := fakeArchives(t)
	df, err := distrofile.Parse([]byte(lockDistrofile), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, archs := range [][]string{{"amd64"}, {"amd64", "arm64"}} {
		opt := lockOpts(t, f, key, extra, archs...)
		if len(archs) > 1 {
			// The extra source serves amd64 only.
			df, _ = distrofile.Parse([]byte(strings.Split(lockDistrofile, "FROM runtime")[0]), nil)
		}
		want, err := MakeLock(ctx, df, opt)
		if err != nil {
			t.Fatal(err)
		}
		states, err := distrofile.EvalStages(df)
		if err != nil {
			t.Fatal(err)
		}
		c := &debresolve.Client{Fetcher: opt.Fetcher, Keyring: opt.Keyring}
		got, err := Make(ctx, df, states, archs, c, func(*distrofile.Stage) ResolveFunc { return execResolve(t) }, scanInProcess(opt.Fetcher), opt.BuildArgs, opt.ReadContextFile, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Marshal(), want.Marshal()) {
			t.Fatalf("%v: lock through the resolve mode\n%s\nin process\n%s", archs, got.Marshal(), want.Marshal())
		}
	}
}

// TestResolveModeErrorLocation: a resolver error that went through the
// resolve mode's JSON keeps its exact message and is located on the
// INSTALL line of the root it is about.
func TestResolveModeErrorLocation(t *testing.T) {
	f, key, extra := fakeArchives(t)
	opt := lockOpts(t, f, key, extra, "amd64")
	for _, tc := range []struct {
		name, install string
		line          int
		msg           string
	}{
		{"unknown root", "INSTALL perl\nINSTALL tzdata perll\n", 4, `unknown package "perll" (did you mean "perl"?)`},
		{"unknown exclude", "INSTALL perl\nEXCLUDE tzdataa\n", 3, `EXCLUDE: unknown package "tzdataa" (did you mean "tzdata"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, p := testPlan(t, "FROM debian:trixie\nMIRROR "+fakeHost+"debian\n"+tc.install)
			warned := false
			p.Warn = func(string) { warned = true }
			c := &debresolve.Client{Fetcher: f, Keyring: opt.Keyring}
			_, err := Resolve(context.Background(), c, execResolve(t), p, s, "0", "amd64")
			var le *distrofile.LocatedError
			if !errors.As(err, &le) || len(le.Ranges) == 0 || le.Ranges[0].Start.Line != tc.line || le.Err.Error() != tc.msg {
				t.Errorf("error %v: want %q on line %d", err, tc.msg, tc.line)
			}
			if warned {
				t.Error("a resolver error tried another mirror")
			}
		})
	}
}

// TestResolveModeInfrastructure: only what is not about the request makes
// the resolve mode fail (and its ExecOp with it).
func TestResolveModeInfrastructure(t *testing.T) {
	dir := t.TempDir()
	req := `{"arch":"amd64","roots":["perl"],"files":[{"source":0,"suite":"trixie","component":"main","arch":"amd64","path":"main/binary-amd64/Packages","sha256":"` + strings.Repeat("0", 64) + `","size":1,"uncompressed_size":-1}]}`
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"usage", []string{req}},
		{"bad request", []string{`{"arch":`, dir, dir}},
		{"unknown field", []string{`{"arch":"amd64","mirror":"x"}`, dir, dir}},
		{"missing index", []string{req, dir, dir}},
		{"request file missing", []string{filepath.Join(dir, "request.json"), dir, dir}},
	} {
		if err := ResolveMain(append([]string{ResolveMode}, tc.args...), &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	// A file that does not match InRelease is an answer, read from a
	// request file.
	if err := os.MkdirAll(filepath.Join(dir, "indexes", "0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "indexes", "0", IndexFileName), []byte("xy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "request.json"), []byte(req), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ResolveMain(ResolveCommand{Request: filepath.Join(dir, "request.json"), Indexes: filepath.Join(dir, "indexes"), Out: dir}.Args(), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ResponseFile))
	resp, err := DecodeResponse(data)
	if err != nil || resp.Error == nil || resp.Error.File == nil || resp.Error.Message != "size 2 does not match InRelease (1)" {
		t.Fatalf("response %s: %v", data, err)
	}
}
