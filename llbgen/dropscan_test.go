package llbgen

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// execArgs returns the Args of every ExecOp of st.
func execArgs(t *testing.T, st llb.State) [][]string {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if e := op.GetExec(); e != nil {
			out = append(out, e.Meta.Args)
		}
	}
	return out
}

func shaPkg(name, sha string) Package {
	return Package{Package: &debresolve.Package{Name: name, Version: "1", Architecture: "amd64",
		URL: "http://m.invalid/debian/pool/main/x/" + name + ".deb", SHA256: strings.Repeat(sha, 64)}}
}

// TestUnitDrops: with a DropScan, an extraction gets the DROP
// specifications that change one of its packages, those the scan did not
// cover, and all of them for a package the scan does not know.
func TestUnitDrops(t *testing.T) {
	a, b, c := shaPkg("a", "a"), shaPkg("b", "b"), shaPkg("c", "c")
	scan := &DropScan{Specs: []string{"docs", "/usr/share/man/**"}, Drops: map[string][]string{
		a.SHA256: {"docs", "/usr/share/man/**"},
		b.SHA256: {"docs"},
		c.SHA256: nil,
	}}
	drop := []string{"docs", "/usr/share/man/**", "/new/**"}
	tests := []struct {
		name   string
		layers [][]Package
		scan   *DropScan
		want   []string
	}{
		{"no scan", [][]Package{{c}}, nil, drop},
		{"nothing to drop", [][]Package{{c}}, scan, []string{"/new/**"}},
		{"docs only", [][]Package{{b}, {c}}, scan, []string{"docs", "/new/**"}},
		{"union of the unit", [][]Package{{b}, {a, c}}, scan, drop},
		{"unknown package", [][]Package{{shaPkg("d", "d")}}, scan, drop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), Drop: drop, DropScan: tt.scan}
			sts, err := ExtractUnit(tt.layers, opt)
			if err != nil {
				t.Fatal(err)
			}
			args := execArgs(t, sts[0].Root)
			if len(args) != 1 {
				t.Fatalf("%d execs", len(args))
			}
			var got []string
			for _, a := range args[0] {
				if d, ok := strings.CutPrefix(a, "--drop="); ok {
					got = append(got, d)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("--drop %q, want %q", got, tt.want)
			}
		})
	}
}

// TestScanDropsStep: the scan runs the helper over the same fetches as
// the extractions, and its answer is read back per package.
func TestScanDropsStep(t *testing.T) {
	a, b := shaPkg("a", "a"), shaPkg("b", "b")
	opt := ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		UsrMerge: true, Drop: []string{"docs", "/x/**"}}
	st, err := ScanDrops([]Package{a, b}, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/extract", "--scan-drops", "--usrmerge", "--drop=docs", "--drop=/x/**", "/in/0/pkg.deb", "/in/1/pkg.deb", "/out"}
	if args := execArgs(t, st); len(args) != 1 || !reflect.DeepEqual(args[0], want) {
		t.Errorf("args %q, want %q", args, want)
	}
	// The fetches are the extractions' own vertices.
	fa, _ := Fetch(a)
	ex, _ := ExtractUnit([][]Package{{a}}, opt)
	scanDef, _ := st.Marshal(context.Background())
	exDef, _ := ex[0].Root.Marshal(context.Background())
	fDef, _ := fa.Marshal(context.Background())
	has := func(def [][]byte) bool {
		return slices.ContainsFunc(def, func(op []byte) bool { return bytes.Equal(op, fDef.Def[0]) })
	}
	if !has(scanDef.Def) || !has(exDef.Def) {
		t.Error("the scan does not share the extraction's fetch")
	}

	s, err := ReadDropScan([]byte(`[["docs"],[]]`), []Package{a, b}, opt.Drop)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Drops, map[string][]string{a.SHA256: {"docs"}, b.SHA256: {}}) {
		t.Errorf("drops %v", s.Drops)
	}
	for _, bad := range []string{`[["docs"]]`, `[["docs"],["locales"]]`, `{`} {
		if _, err := ReadDropScan([]byte(bad), []Package{a, b}, opt.Drop); err == nil || !strings.HasPrefix(err.Error(), "DROP scan: ") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := ScanDrops(nil, opt); err == nil {
		t.Error("a scan of no package")
	}
}
