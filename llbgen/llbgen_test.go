package llbgen

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/imagespec"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func testPlan() Plan {
	pkgs := []Package{
		{Package: &debresolve.Package{Name: "libc6", Version: "2.41-12", Architecture: "arm64", URL: "http://m.invalid/debian/pool/main/g/glibc/libc6_2.41-12_arm64.deb", SHA256: strings.Repeat("a", 64)}},
		{Package: &debresolve.Package{Name: "perl", Version: "5.40.1-6", Architecture: "arm64", URL: "http://m.invalid/debian/pool/main/p/perl/perl_5.40.1-6_arm64.deb", SHA256: strings.Repeat("b", 64)}},
	}
	acc := imagespec.Accounts{
		Users:  []imagespec.User{{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/sbin/nologin"}, {Name: "app", UID: 1337, GID: 1337, Home: "/home/app", Shell: "/sbin/nologin", CreateHome: true}},
		Groups: []imagespec.Group{{Name: "root", GID: 0}, {Name: "app", GID: 1337}},
	}
	return Plan{
		Platform: ocispecs.Platform{OS: "linux", Architecture: "arm64"},
		Arch:     "arm64",
		Packages: pkgs,
		Files:    Generated(append(BaseFiles(acc, "arm64", true), imagespec.File{Kind: imagespec.KindDir, Path: "/etc", Mode: 0o755})),
		Config:   imagespec.Config{Entrypoint: []string{"/usr/bin/perl"}, User: "app", ExposedPorts: []string{"80/tcp"}},
		Epoch:    time.Unix(0, 0),
	}
}

type ops struct {
	https, execs, merges, files int
	execPlatforms               map[string]bool
	execNet                     []pb.NetMode
	names                       []string
}

func inspect(t *testing.T, st llb.State) ops {
	t.Helper()
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	o := ops{execPlatforms: map[string]bool{}}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if md, ok := def.Metadata[digestOf(dt)]; ok && md.Description != nil {
			o.names = append(o.names, md.Description["llb.customname"])
		}
		switch v := op.Op.(type) {
		case *pb.Op_Source:
			if strings.HasPrefix(v.Source.Identifier, "http") {
				o.https++
				if v.Source.Attrs[pb.AttrHTTPChecksum] == "" || v.Source.Attrs[pb.AttrHTTPFilename] != "pkg.deb" {
					t.Errorf("http source without checksum/filename: %v", v.Source.Attrs)
				}
			}
		case *pb.Op_Exec:
			o.execs++
			o.execPlatforms[op.Platform.Architecture] = true
			o.execNet = append(o.execNet, v.Exec.Network)
		case *pb.Op_Merge:
			o.merges++
			// The two package layers, the generated files and the effects.
			if len(v.Merge.Inputs) != 4 {
				t.Errorf("merge of %d inputs, want 4", len(v.Merge.Inputs))
			}
		case *pb.Op_File:
			o.files++
		}
	}
	return o
}

func TestBuildGraph(t *testing.T) {
	helper := HelperTool(llb.Image("example.invalid/frontend"))
	root, img, err := Build(testPlan(), ExtractOptions{Helper: helper, BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}, UsrMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	o := inspect(t, root)
	// One extraction for the two small packages, the generated-files one
	// and the effects one (the fetches are shared with the extraction).
	if o.https != 2 || o.execs != 3 || o.merges != 1 {
		t.Fatalf("ops: %+v", o)
	}
	// The helper's root (an empty file to mount it on) and the generated files' tar.
	if o.files != 2 {
		t.Errorf("file ops: %d, want 2", o.files)
	}
	if !o.execPlatforms["amd64"] || o.execPlatforms["arm64"] {
		t.Errorf("extraction must run on the build platform, got %v", o.execPlatforms)
	}
	for _, n := range o.execNet {
		if n != pb.NetMode_NONE {
			t.Errorf("extraction with network %v", n)
		}
	}
	names := strings.Join(o.names, "|")
	for _, want := range []string{"fetch perl 5.40.1-6", "extract libc6 2.41-12, perl 5.40.1-6", "fetch libc6 2.41-12"} {
		if !strings.Contains(names, want) {
			t.Errorf("no vertex named %q in %s", want, names)
		}
	}
	if img.OS != "linux" || img.Architecture != "arm64" || img.Config.User != "app" || img.Config.Entrypoint[0] != "/usr/bin/perl" {
		t.Errorf("image config: %+v", img)
	}
	if _, ok := img.Config.ExposedPorts["80/tcp"]; !ok {
		t.Errorf("exposed ports: %v", img.Config.ExposedPorts)
	}
}

func TestHelperCacheIndependentOfFrontend(t *testing.T) {
	// Two frontend images with the same helper bytes give different helper
	// states only through the copy's input; the extraction exec must depend on
	// the helper state, never on the frontend image directly.
	plan := testPlan()
	a, _, _ := Build(plan, ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend:1")), BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}})
	def, err := a.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if e, ok := op.Op.(*pb.Op_Exec); ok {
			if e.Exec.Meta.Args[0] != "/extract" {
				t.Errorf("exec args %v", e.Exec.Meta.Args)
			}
			root := e.Exec.Mounts[0]
			if root.Dest != "/" || !root.Readonly {
				t.Errorf("root mount %+v, want a read-only helper rootfs", root)
			}
		}
	}
}

func TestAccountsRender(t *testing.T) {
	a := imagespec.Accounts{
		Users:  []imagespec.User{{Name: "root", UID: 0, GID: 0, Home: "/root", Shell: "/sbin/nologin"}},
		Groups: []imagespec.Group{{Name: "root", GID: 0}, {Name: "staff", GID: 50, Members: []string{"a", "b"}}},
	}
	if got := a.Passwd(); got != "root:x:0:0:root:/root:/sbin/nologin\n" {
		t.Errorf("passwd %q", got)
	}
	if got := a.Group(); got != "root:x:0:\nstaff:x:50:a,b\n" {
		t.Errorf("group %q", got)
	}
}

func digestOf(dt []byte) digest.Digest { return digest.FromBytes(dt) }

func TestGroupPackagesStable(t *testing.T) {
	var pkgs []Package
	for i := range 150 {
		pkgs = append(pkgs, Package{Package: &debresolve.Package{Name: fmt.Sprintf("pkg%03d", i), Version: "1"}})
	}
	if g := GroupPackages(pkgs[:64], 64); len(g) != 64 {
		t.Fatalf("64 packages: %d layers, want one each", len(g))
	}
	a := GroupPackages(pkgs, 64)
	if len(a) > 64 || len(a) < 50 {
		t.Fatalf("150 packages in %d layers", len(a))
	}
	key := func(gs [][]Package) map[string]bool {
		m := map[string]bool{}
		for _, g := range gs {
			var names []string
			for _, p := range g {
				names = append(names, p.Name)
			}
			m[strings.Join(names, ",")] = true
		}
		return m
	}
	// One more package changes exactly one group.
	more := append(slices.Clone(pkgs), Package{Package: &debresolve.Package{Name: "zz-new", Version: "1"}})
	ka, kb := key(a), key(GroupPackages(more, 64))
	changed := 0
	for k := range kb {
		if !ka[k] {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("adding one package changed %d groups, want 1", changed)
	}
	if !reflect.DeepEqual(key(a), key(GroupPackages(slices.Clone(pkgs), 64))) {
		t.Errorf("grouping is not deterministic")
	}
}

func TestCopyChainWithoutMerge(t *testing.T) {
	root, _, err := Build(testPlan(), ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}, NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	o := inspect(t, root)
	if o.merges != 0 {
		t.Errorf("%d merges without MergeOp", o.merges)
	}
	// helper copy, files tar, and one copy per layer (2 packages +
	// generated files + effects)
	if o.files != 6 {
		t.Errorf("%d file ops, want 6", o.files)
	}
}

func poolPkg(name, src, arch string, size int64) Package {
	prefix := src[:1]
	if strings.HasPrefix(src, "lib") {
		prefix = src[:4]
	}
	return Package{Package: &debresolve.Package{Name: name, Version: "1", Architecture: arch, Size: size,
		Filename: fmt.Sprintf("pool/main/%s/%s/%s_1_%s.deb", prefix, src, name, arch)}}
}

// unitNames renders units as "a+b|c" with the layers' package names.
func unitNames(layers [][]Package, units [][]int) []string {
	var out []string
	for _, u := range units {
		var names []string
		for _, l := range u {
			for _, p := range layers[l] {
				names = append(names, p.Name)
			}
		}
		out = append(out, strings.Join(names, "+"))
	}
	slices.Sort(out)
	return out
}

func TestPlanUnits(t *testing.T) {
	big := int64(TinyUnit)
	pkgs := []Package{
		poolPkg("libc6", "glibc", "amd64", 3*big),
		poolPkg("libperl5.40", "perl", "amd64", 4*big),
		poolPkg("perl", "perl", "amd64", big/2),
		poolPkg("perl-base", "perl", "amd64", 2*big),
		poolPkg("perl-modules-5.40", "perl", "all", 3*big),
		poolPkg("libgdbm6t64", "gdbm", "amd64", big/4),
		poolPkg("libgdbm-compat4t64", "gdbm", "amd64", big/4),
	}
	for i := range 10 {
		pkgs = append(pkgs, poolPkg(fmt.Sprintf("tiny%d", i), fmt.Sprintf("tiny%d", i), "all", 1000))
	}
	layers := GroupPackages(pkgs, 64)
	units := PlanUnits(layers)
	names := unitNames(layers, units)
	// Each layer in exactly one unit.
	seen := map[int]int{}
	for _, u := range units {
		for _, l := range u {
			seen[l]++
		}
	}
	if len(seen) != len(layers) {
		t.Fatalf("%d of %d layers in units", len(seen), len(layers))
	}
	for l, n := range seen {
		if n != 1 {
			t.Errorf("layer %d in %d units", l, n)
		}
	}
	for _, want := range []string{"libc6", "libperl5.40+perl+perl-base", "perl-modules-5.40"} {
		if !slices.Contains(names, want) {
			t.Errorf("no unit %q in %q", want, names)
		}
	}
	// A small source's packages stay together in their bucket.
	if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "libgdbm6t64+libgdbm-compat4t64") }) {
		t.Errorf("gdbm's packages split: %q", names)
	}
	// 3 big units (glibc, perl, perl's Architecture: all package) and one
	// bucket of small ones per class (all, amd64).
	if len(units) != 3+2 {
		t.Errorf("%d units: %q", len(units), names)
	}
	// Architecture: all packages never share a unit with the others.
	for _, u := range units {
		all, other := 0, 0
		for _, l := range u {
			for _, p := range layers[l] {
				if p.Architecture == "all" {
					all++
				} else {
					other++
				}
			}
		}
		if all > 0 && other > 0 {
			t.Errorf("unit %q mixes Architecture: all with others", unitNames(layers, [][]int{u}))
		}
	}

	// One more small package, or a new version of one, changes one unit.
	changed := func(a, b []string) int {
		n := 0
		for _, x := range b {
			if !slices.Contains(a, x) {
				n++
			}
		}
		return n
	}
	more := append(slices.Clone(pkgs), poolPkg("tiny-new", "tiny-new", "amd64", 500))
	ml := GroupPackages(more, 64)
	if n := changed(names, unitNames(ml, PlanUnits(ml))); n != 1 {
		t.Errorf("a new small package changed %d units", n)
	}
	if !reflect.DeepEqual(units, PlanUnits(GroupPackages(slices.Clone(pkgs), 64))) {
		t.Errorf("units are not deterministic")
	}
}

// TestPlanUnitsSmallBuckets: the small units of a class share buckets of
// about TinyBucket each, and one more small package changes one bucket, or
// (when it makes the class need one more bucket) moves only packages into
// the new one.
func TestPlanUnitsSmallBuckets(t *testing.T) {
	var pkgs []Package
	for i := range 30 {
		pkgs = append(pkgs, poolPkg(fmt.Sprintf("small%d", i), fmt.Sprintf("small%d", i), "amd64", 200<<10))
	}
	// 6000 KiB of small packages: 3 buckets of about 2 MiB.
	layers := GroupPackages(pkgs, 64)
	units := PlanUnits(layers)
	if len(units) != 3 {
		t.Fatalf("%d buckets for 6000 KiB: %q", len(units), unitNames(layers, units))
	}
	for _, u := range units {
		if len(u) < 4 || len(u) > 16 {
			t.Errorf("a bucket of %d of 30 packages", len(u))
		}
	}
	before := unitNames(layers, units)
	changed := func(after []string) int {
		n := 0
		for _, x := range after {
			if !slices.Contains(before, x) {
				n++
			}
		}
		return n
	}
	// One more (6100 KiB: still 3 buckets): one bucket changes.
	more := append(slices.Clone(pkgs), poolPkg("new", "new", "amd64", 100<<10))
	ml := GroupPackages(more, 64)
	if n := changed(unitNames(ml, PlanUnits(ml))); n != 1 {
		t.Errorf("one more small package changed %d buckets", n)
	}
	// Enough more for a 4th bucket: the old ones only lose packages (to
	// the new one).
	for i := range 5 {
		more = append(more, poolPkg(fmt.Sprintf("more%d", i), fmt.Sprintf("more%d", i), "amd64", 200<<10))
	}
	ml = GroupPackages(more, 64)
	mu := PlanUnits(ml)
	if len(mu) != 4 {
		t.Fatalf("%d buckets for 7100 KiB", len(mu))
	}
	home := map[string]int{} // package → its bucket before
	for i, u := range units {
		for _, l := range u {
			home[layers[l][0].Name] = i
		}
	}
	mixed := 0
	for _, u := range mu {
		from := map[int]bool{}
		for _, l := range u {
			if i, ok := home[ml[l][0].Name]; ok {
				from[i] = true
			}
		}
		if len(from) > 1 {
			mixed++ // the new bucket, which takes a share of each
		}
	}
	if mixed > 1 {
		t.Errorf("%d buckets mix packages of earlier buckets: %q", mixed, unitNames(ml, mu))
	}
}

func TestJumpHash(t *testing.T) {
	const keys = 10000
	counts := make([]int, 10)
	moved := 0
	for k := range uint64(keys) {
		a, b := jumpHash(k*0x9e3779b97f4a7c15, 9), jumpHash(k*0x9e3779b97f4a7c15, 10)
		counts[b]++
		if a != b {
			moved++
			if b != 9 {
				t.Fatalf("key %d moved from %d to %d, not to the new bucket", k, a, b)
			}
		}
		if a < 0 || a >= 9 {
			t.Fatalf("bucket %d of 9", a)
		}
	}
	for i, c := range counts {
		if c < keys/10*8/10 || c > keys/10*12/10 {
			t.Errorf("bucket %d has %d of %d keys", i, c, keys)
		}
	}
	if moved < keys/10*8/10 || moved > keys/10*12/10 {
		t.Errorf("%d of %d keys moved from 9 to 10 buckets, want about a tenth", moved, keys)
	}
}

func TestSourceName(t *testing.T) {
	for _, c := range []struct{ filename, want string }{
		{"pool/main/p/perl/perl-base_5.40.1-6_amd64.deb", "perl"},
		{"pool/updates/main/o/openssl/libssl3t64_3.5.1-1_amd64.deb", "openssl"},
		{"pool/main/libx/libxml2/libxml2_2.9_amd64.deb", "libxml2"},
		{"debian/pool/main/g/glibc/libc6_2.41_amd64.deb", "glibc"},
		{"pool/main/x/perl/perl_1_amd64.deb", "the-name"}, // not a pool prefix
		{"dists/stable/foo_1_amd64.deb", "the-name"},
		{"foo_1_amd64.deb", "the-name"},
		{"pool/foo_1_amd64.deb", "the-name"},
	} {
		// The index's Source field is not used: a lock does not carry it.
		p := &debresolve.Package{Name: "the-name", Source: "other", Filename: c.filename}
		if got := SourceName(p); got != c.want {
			t.Errorf("%s: %q, want %q", c.filename, got, c.want)
		}
	}
}

// TestExtractUnit: one ExecOp, one output mount per layer, every package
// mounted, the layers separated on the command line.
func TestExtractUnit(t *testing.T) {
	p := testPlan()
	q := p.Packages[1]
	q2 := Package{Package: &debresolve.Package{Name: "perl-base", Version: "5.40.1-6", Architecture: "arm64", URL: "http://m.invalid/debian/pool/main/p/perl/perl-base_5.40.1-6_arm64.deb", SHA256: strings.Repeat("c", 64)}}
	opt := ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}, NoContentHash: true}
	sts, err := ExtractUnit([][]Package{{p.Packages[0]}, {q, q2}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 {
		t.Fatalf("%d states", len(sts))
	}
	def, err := llb.Merge([]llb.State{sts[0].Root, sts[1].Root}).Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	execs, https := 0, 0
	var names []string
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if md, ok := def.Metadata[digestOf(dt)]; ok && md.Description != nil {
			names = append(names, md.Description["llb.customname"])
		}
		if src := op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "http") {
			https++
		}
		e := op.GetExec()
		if e == nil {
			continue
		}
		execs++
		want := []string{"/extract", "--dpkg-status", "--lists=/lists", "/in/0/pkg.deb", "/out/0", ",", "/in/1/pkg.deb", "/in/2/pkg.deb", "/out/1"}
		if !reflect.DeepEqual(e.Meta.Args, want) {
			t.Errorf("args %q, want %q", e.Meta.Args, want)
		}
		var outs []string
		for _, m := range e.Mounts {
			if m.Output >= 0 && m.Dest != "/" {
				outs = append(outs, m.Dest)
			}
			// The .debs are pinned: BuildKit must not hash them again.
			if strings.HasPrefix(m.Dest, "/in/") && (!m.Readonly || m.ContentCache != pb.MountContentCache_OFF) {
				t.Errorf("input mount %s: readonly %v, content cache %v", m.Dest, m.Readonly, m.ContentCache)
			}
		}
		if !reflect.DeepEqual(outs, []string{"/lists", "/out/0", "/out/1"}) {
			t.Errorf("outputs %q", outs)
		}
	}
	if execs != 1 || https != 3 {
		t.Errorf("%d execs, %d fetches; want 1 and 3", execs, https)
	}
	if n := strings.Join(names, "|"); !strings.Contains(n, "extract libc6 2.41-12, perl 5.40.1-6, perl-base 5.40.1-6") {
		t.Errorf("names %s", n)
	}
}

// TestCACertificatesReadsLayers: the CA bundle's step reads the layers of
// plan.CAOwners (ca-certificates by default) and the COPYs, each mounted
// by itself (no merge to materialise), bottom first, and every extraction
// refuses what it would miss (--ca-owners, with the owners among its own
// packages); with CAFromAllLayers it reads every package layer, and no
// extraction refuses anything.
func TestCACertificatesReadsLayers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		all    bool
		owners []string
		reads  []string // what the CA step's mounts come from, bottom first
	}{
		{"default", false, nil, []string{"ca-certificates", "COPY"}},
		{"perl depends on ca-certificates", false, []string{"ca-certificates", "perl"}, []string{"perl", "ca-certificates", "COPY"}},
		{"CAFromAllLayers", true, nil, []string{"libc6", "perl", "ca-certificates", "COPY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := tc.all
			p := testPlan()
			p.CACertificates = true
			p.CAOwners = tc.owners
			p.Packages = append(p.Packages, Package{Package: &debresolve.Package{Name: "ca-certificates", Version: "20250419", Architecture: "all",
				URL: "http://m.invalid/debian/pool/main/c/ca-certificates/ca-certificates_20250419_all.deb", SHA256: strings.Repeat("c", 64)}})
			p.Files = append(p.Files, File{File: imagespec.File{Kind: imagespec.KindCopy, Path: "/usr/local/share/ca-certificates/my.crt", Srcs: []string{"/my.crt"}}, From: llb.Local("context")})
			root, _, err := Build(p, ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"},
				NoContentHash: true, CAFromAllLayers: all})
			if err != nil {
				t.Fatal(err)
			}
			def, err := root.Marshal(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			name := func(dgst digest.Digest) string { return def.Metadata[dgst].Description["llb.customname"] }
			found, extractions := false, 0
			for _, dt := range def.Def {
				var op pb.Op
				if err := op.UnmarshalVT(dt); err != nil {
					t.Fatal(err)
				}
				e := op.GetExec()
				if e == nil {
					continue
				}
				if slices.Contains(e.Meta.Args, "--dpkg-status") {
					extractions++
					// The owners among the step's packages, or no flag.
					want := "--ca-owners="
					owners := tc.owners
					if owners == nil {
						owners = []string{"ca-certificates"}
					}
					var own []string
					for _, o := range owners {
						if strings.Contains(name(digest.FromBytes(dt)), " "+o+" ") || strings.HasPrefix(name(digest.FromBytes(dt)), "extract "+o+" ") {
							own = append(own, o)
						}
					}
					want += strings.Join(own, ",")
					var got []string
					for _, a := range e.Meta.Args {
						if strings.HasPrefix(a, "--ca-owners") {
							got = append(got, a)
						}
					}
					if all && len(got) != 0 || !all && !reflect.DeepEqual(got, []string{want}) {
						t.Errorf("%s: %q, want %q (or none: %v)", name(digest.FromBytes(dt)), got, want, all)
					}
				}
				if !slices.Contains(e.Meta.Args, "--tar") {
					continue
				}
				found = true
				var roots, mounts, from []string
				for _, a := range e.Meta.Args {
					if r, ok := strings.CutPrefix(a, "--ca-certificates-root="); ok {
						roots = append(roots, r)
					}
				}
				for _, m := range e.Mounts {
					if strings.HasPrefix(m.Dest, "/root/") {
						mounts = append(mounts, m.Dest)
						from = append(from, name(digest.Digest(op.Inputs[m.Input].Digest)))
						if !m.Readonly || m.ContentCache != pb.MountContentCache_OFF {
							t.Errorf("%s: readonly %v, content cache %v", m.Dest, m.Readonly, m.ContentCache)
						}
					}
				}
				var want []string
				for i := range tc.reads {
					want = append(want, "/root/"+strconv.Itoa(i))
				}
				if !reflect.DeepEqual(roots, want) || !reflect.DeepEqual(mounts, want) {
					t.Errorf("roots %q, mounts %q, want %q", roots, mounts, want)
				}
				// Each mount is an output of the step that extracts the
				// package named (which may extract others too).
				for i, r := range tc.reads {
					if i < len(from) && !strings.Contains(from[i], r) {
						t.Errorf("mount %d comes from %q, want %s's", i, from[i], r)
					}
				}
			}
			if !found || extractions == 0 {
				t.Fatalf("generated-files ExecOp %v, %d extractions", found, extractions)
			}
			merges := 0
			for _, dt := range def.Def {
				var op pb.Op
				if err := op.UnmarshalVT(dt); err == nil && op.GetMerge() != nil {
					merges++
				}
			}
			if merges != 1 {
				t.Errorf("%d merges, want only the image's", merges)
			}
		})
	}
}

// TestLocaleLayer: the locale's package is extracted alone with --only
// (and the stage's DROP), without a dpkg status, into a layer of the
// merge, and is neither an input of the effects step nor fetched twice.
func TestLocaleLayer(t *testing.T) {
	plan := testPlan()
	plan.Locale = &Package{Package: &debresolve.Package{Name: "libc-bin", Version: "2.41-12", Architecture: "arm64",
		URL: "http://m.invalid/debian/pool/main/g/glibc/libc-bin_2.41-12_arm64.deb", SHA256: strings.Repeat("c", 64)}}
	helper := HelperTool(llb.Image("example.invalid/frontend"))
	root, _, err := Build(plan, ExtractOptions{Helper: helper, BuildPlatform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}, UsrMerge: true, Drop: []string{"docs"}})
	if err != nil {
		t.Fatal(err)
	}
	def, err := root.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var localeArgs []string
	var merges []int
	https, localeExecs := 0, 0
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		switch v := op.Op.(type) {
		case *pb.Op_Source:
			if strings.HasPrefix(v.Source.Identifier, "http") {
				https++
			}
		case *pb.Op_Exec:
			args := strings.Join(v.Exec.Meta.Args, " ")
			if strings.Contains(args, "--only=") {
				localeExecs++
				localeArgs = v.Exec.Meta.Args
				if name := def.Metadata[digestOf(dt)].Description["llb.customname"]; name != "[distrofile] the C.utf8 locale, from libc-bin 2.41-12" {
					t.Errorf("locale step named %q", name)
				}
			}
			if strings.Contains(args, "--effects") && args != effectsArgs(t, testPlan()) {
				t.Errorf("effects step %s, without the locale %s", args, effectsArgs(t, testPlan()))
			}
		case *pb.Op_Merge:
			merges = append(merges, len(v.Merge.Inputs))
		}
	}
	want := []string{"/extract", "--usrmerge", "--only=/usr/lib/locale/C.utf8", "--only=/usr/share/doc/libc-bin/copyright", "--drop=docs", "/in/pkg.deb", "/out"}
	if localeExecs != 1 || !slices.Equal(localeArgs, want) {
		t.Errorf("%d locale steps, args %q, want %q", localeExecs, localeArgs, want)
	}
	// Packages, locale, generated files, effects.
	if !slices.Equal(merges, []int{5}) || https != 3 {
		t.Errorf("merges %v, %d fetches", merges, https)
	}
}

// buildOps builds plan and returns the ops of its graph by digest.
func buildOps(t *testing.T, plan Plan) map[digest.Digest]*pb.Op {
	t.Helper()
	root, _, err := Build(plan, ExtractOptions{Helper: HelperTool(llb.Image("example.invalid/frontend")), UsrMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	def, err := root.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[digest.Digest]*pb.Op{}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		out[digestOf(dt)] = &op
	}
	return out
}

// execSteps builds plan and returns the exec ops of its graph with their
// digests.
func execSteps(t *testing.T, plan Plan) map[digest.Digest]*pb.ExecOp {
	t.Helper()
	out := map[digest.Digest]*pb.ExecOp{}
	for dg, op := range buildOps(t, plan) {
		if e := op.GetExec(); e != nil {
			out[dg] = e
		}
	}
	return out
}

// effectsArgs returns the command line of plan's effects step.
func effectsArgs(t *testing.T, plan Plan) string {
	t.Helper()
	for _, e := range execSteps(t, plan) {
		if slices.Contains(e.Meta.Args, "--effects") {
			return strings.Join(e.Meta.Args, " ")
		}
	}
	t.Fatal("no effects step")
	return ""
}

// TestCopyInputs: a COPY of a program (/app) changes neither the effects
// step nor the CA bundle's step, so an edit loop re-runs only the COPY; a
// COPY under /etc changes the effects step, one of a certificate both.
func TestCopyInputs(t *testing.T) {
	stepDigests := func(dest, content string) (effects, ca digest.Digest) {
		t.Helper()
		plan := testPlan()
		plan.CACertificates = true
		src := llb.Scratch().File(llb.Mkfile("/f", 0o644, []byte(content)))
		plan.Files = append(plan.Files, File{File: imagespec.File{Kind: imagespec.KindCopy, Path: dest, Srcs: []string{"/f"}}, From: src})
		for dg, e := range execSteps(t, plan) {
			switch {
			case slices.Contains(e.Meta.Args, "--effects"):
				effects = dg
			case slices.Contains(e.Meta.Args, "--tar"):
				ca = dg
			}
		}
		if effects == "" || ca == "" {
			t.Fatal("no effects or CA step")
		}
		return effects, ca
	}
	for _, tc := range []struct {
		dest              string
		effects, caBundle bool // whether a changed COPY changes the step
	}{
		{"/app/app", false, false},
		{"/src/", false, false},
		{"/etc/app.conf", true, false},
		{"/usr/local/share/ca-certificates/mine.crt", true, true},
		{"/usr/local/share/", true, true},
		{"/", true, true},
	} {
		e1, c1 := stepDigests(tc.dest, "one")
		e2, c2 := stepDigests(tc.dest, "two")
		if (e1 != e2) != tc.effects || (c1 != c2) != tc.caBundle {
			t.Errorf("COPY to %s: effects step changed %v (want %v), CA step changed %v (want %v)", tc.dest, e1 != e2, tc.effects, c1 != c2, tc.caBundle)
		}
	}
}

// TestCopiesAbove: with Plan.CopiesAbove a COPY that no step reads (under
// /src) goes on top of the merge, which then stays the same when the
// copied file changes; one under /etc stays among the merge's inputs.
func TestCopiesAbove(t *testing.T) {
	mergeDigest := func(dest, content string, above bool) digest.Digest {
		t.Helper()
		plan := testPlan()
		plan.CopiesAbove = above
		src := llb.Scratch().File(llb.Mkfile("/f", 0o644, []byte(content)))
		plan.Files = append(plan.Files, File{File: imagespec.File{Kind: imagespec.KindCopy, Path: dest, Srcs: []string{"/f"}}, From: src})
		for dg, op := range buildOps(t, plan) {
			if op.GetMerge() != nil {
				return dg
			}
		}
		t.Fatal("no merge")
		return ""
	}
	for _, tc := range []struct {
		dest         string
		above, moves bool // whether a changed COPY changes the merge
	}{
		{"/src/", true, false},
		{"/app/app", true, false},
		{"/etc/app.conf", true, true},
		{"/src/", false, true},
	} {
		if m := mergeDigest(tc.dest, "one", tc.above) != mergeDigest(tc.dest, "two", tc.above); m != tc.moves {
			t.Errorf("COPY to %s, CopiesAbove %v: the merge changed %v, want %v", tc.dest, tc.above, m, tc.moves)
		}
	}
}
