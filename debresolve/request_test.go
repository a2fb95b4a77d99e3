package debresolve_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve"
)

// roundTrip sends v through JSON into a new value of its type.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return out
}

// TestResolveIndexFiles: a request made from ListIndexes names no mirror,
// survives JSON, and answered from the files' bytes gives the closure
// LoadIndexes + Resolve + AddClosure give, in the lock's form.
func TestResolveIndexFiles(t *testing.T) {
	key := newKey(t, "archive")
	f := &fakeFetcher{a: trixieLike(t, key)}
	c := &debresolve.Client{Fetcher: f, Keyring: keyring(t, key), Now: func() time.Time { return now }}
	ctx := context.Background()
	srcs := trixieSources(t)
	lists, err := c.ListIndexes(ctx, srcs, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("ListIndexes made %d requests, want the 3 InRelease", n)
	}
	req := debresolve.ResolveRequest{Arch: "amd64", Roots: []string{"perl", "libhtml-parser-perl"}, Excludes: []string{"dpkg"}}
	for i, l := range lists {
		if l.Release == nil || l.Source.Suite != srcs[i].Suite || len(l.Files) != 1 {
			t.Fatalf("list %d: %+v", i, l)
		}
		fl := l.Files[0]
		if fl.Source != i || !strings.Contains(fl.URL, "/by-hash/SHA256/"+fl.SHA256) || !strings.HasSuffix(fl.FallbackURL, "/"+fl.Path) {
			t.Errorf("file %+v", fl)
		}
		req.Files = append(req.Files, l.Files...)
	}
	wire, _ := json.Marshal(req)
	if strings.Contains(string(wire), fakeHost) {
		t.Errorf("the request names the mirror: %s", wire)
	}
	got := roundTrip(t, req)
	for i := range req.Files {
		want := req.Files[i]
		want.URL, want.FallbackURL = "", ""
		if !reflect.DeepEqual(got.Files[i], want) {
			t.Errorf("file %d after JSON: %+v, want %+v", i, got.Files[i], want)
		}
	}

	resp, err := debresolve.ResolveIndexFiles(got, func(i int) ([]byte, error) {
		return f.Fetch(ctx, debresolve.FetchRequest{URL: req.Files[i].URL})
	})
	if err != nil {
		t.Fatal(err)
	}
	resp = roundTrip(t, resp)
	if resp.Error != nil || resp.Closure == nil {
		t.Fatalf("response %+v", resp)
	}

	indexes, err := c.LoadIndexes(ctx, srcs, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := debresolve.Resolve(indexes, "amd64", debresolve.Request{Roots: req.Roots, Exclude: req.Excludes})
	if err != nil {
		t.Fatal(err)
	}
	ls := debresolve.NewLockStage("s", debresolve.LockInputs{}, srcs, indexes)
	if err := ls.AddClosure(cl, indexes); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resp.Closure, ls.Arch("amd64")) {
		t.Fatalf("closure\n got %+v\nwant %+v", resp.Closure, ls.Arch("amd64"))
	}
	if p := resp.Closure.Packages[0]; p.Source != 0 {
		t.Errorf("%s from source %d", p.Name, p.Source)
	}
	// The lock's sources from the releases are those from the indexes.
	var rels []*debresolve.Release
	for _, l := range lists {
		rels = append(rels, l.Release)
	}
	if a, b := debresolve.NewLockStageFromReleases("s", debresolve.LockInputs{}, srcs, rels), debresolve.NewLockStage("s", debresolve.LockInputs{}, srcs, indexes); !reflect.DeepEqual(a, b) {
		t.Errorf("lock stage from releases %+v, from indexes %+v", a, b)
	}
	// Closure gives the packages with URLs on the sources' mirror.
	locked, err := resp.Closure.Closure(srcs)
	if err != nil {
		t.Fatal(err)
	}
	if db := locked.Package("libdb5.3t64"); db == nil || db.URL != fakeHost+"debian-security/pool/updates/main/d/db5.3/libdb5.3t64_5.3.28+dfsg2-9+deb13u1_amd64.deb" || db.Suite != "trixie-security" {
		t.Errorf("libdb5.3t64: %+v", db)
	}

	// A file whose bytes do not match InRelease is an error of the
	// response that names it; a file that cannot be read is not.
	resp, err = debresolve.ResolveIndexFiles(got, func(i int) ([]byte, error) {
		if i == 1 {
			return []byte("not the file"), nil
		}
		return f.Fetch(ctx, debresolve.FetchRequest{URL: req.Files[i].URL})
	})
	if err != nil || resp.Error == nil || resp.Error.File == nil || *resp.Error.File != 1 || !strings.HasPrefix(resp.Error.Message, "size 12 does not match InRelease") {
		t.Fatalf("bad file: %v %+v", err, resp)
	}
	if _, err := debresolve.ResolveIndexFiles(got, func(i int) ([]byte, error) { return nil, errors.New("no such file") }); err == nil {
		t.Fatal("a missing file is not an error")
	}
}

// TestResolveErrorRoundTrip: every resolver error survives JSON with its
// message and its type (callers locate it from the type's fields).
func TestResolveErrorRoundTrip(t *testing.T) {
	text := strings.Join([]string{
		st("perl", "5.40.1-6", "Priority: standard"),
		st("needs-new", "1", "Depends: libnew (>= 2)"),
		st("libnew", "1"),
		st("wants-virt", "1", "Depends: virt"),
		st("prov-a", "1", "Provides: virt"),
		st("prov-b", "1", "Provides: virt"),
		st("hates-perl", "1", "Conflicts: perl"),
	}, "\n")
	idx, err := debresolve.ParseIndex([]byte(text), fakeHost+"debian", "trixie")
	if err != nil {
		t.Fatal(err)
	}
	files := []debresolve.IndexFile{{Source: 0, Suite: "trixie", Component: "main", Arch: "amd64"}}
	for _, tc := range []struct {
		name     string
		roots    []string
		excludes []string
		msg      string
		typ      any
	}{
		{"unknown", []string{"perll"}, nil, `unknown package "perll" (did you mean "perl"?)`, &debresolve.UnknownPackageError{}},
		{"unknown exclude", []string{"perl"}, []string{"perk"}, `EXCLUDE: unknown package "perk" (did you mean "perl"?)`, &debresolve.UnknownPackageError{}},
		{"unsatisfiable", []string{"needs-new"}, nil, "", &debresolve.UnsatisfiableError{}},
		{"ambiguous", []string{"wants-virt"}, nil, "", &debresolve.AmbiguousError{}},
		{"conflict", []string{"perl", "hates-perl"}, nil, "", &debresolve.ConflictError{}},
		{"other", []string{"perl"}, []string{"perl"}, `package "perl" is both installed and excluded`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, want := debresolve.Resolve([]*debresolve.Index{idx}, "amd64", debresolve.Request{Roots: tc.roots, Exclude: tc.excludes})
			if want == nil {
				t.Fatal("no error")
			}
			if tc.msg != "" && want.Error() != tc.msg {
				t.Fatalf("Resolve: %q, want %q", want, tc.msg)
			}
			resp, err := debresolve.ResolveIndexes(debresolve.ResolveRequest{Arch: "amd64", Roots: tc.roots, Excludes: tc.excludes, Files: files}, []*debresolve.Index{idx})
			if err != nil {
				t.Fatal(err)
			}
			resp = roundTrip(t, resp)
			if resp.Closure != nil || resp.Error == nil || resp.Error.File != nil {
				t.Fatalf("response %+v", resp)
			}
			got := resp.Error.Err()
			if got.Error() != want.Error() {
				t.Fatalf("message %q, want %q", got, want)
			}
			if tc.typ == nil {
				return
			}
			target := reflect.New(reflect.TypeOf(tc.typ)).Interface()
			if !errors.As(got, target) {
				t.Fatalf("%T is not %T", got, tc.typ)
			}
			wantTyped := reflect.New(reflect.TypeOf(tc.typ)).Interface()
			errors.As(want, wantTyped)
			if !reflect.DeepEqual(target, wantTyped) {
				t.Fatalf("fields %+v, want %+v", target, wantTyped)
			}
		})
	}
}
