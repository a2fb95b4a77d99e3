package owners

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func pkg(t *testing.T, control string) Package {
	t.Helper()
	p, err := FromControl([]byte(control))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReplacesPackage(t *testing.T) {
	q := pkg(t, "Package: old\nVersion: 1.5-1\n")
	for _, tt := range []struct {
		replaces string
		want     bool
	}{
		{"old", true},
		{"old (<< 2)", true},
		{"old (< 2)", true}, // the obsolete operator means <=
		{"old (<< 1.5-1)", false},
		{"old (>= 1.5-1)", true},
		{"other, old (<= 1.4)", false},
		{"other", false},
		{"", false},
		{"old:any", true},
	} {
		p := pkg(t, "Package: new\nVersion: 1\nReplaces: "+tt.replaces+"\n")
		if got := p.ReplacesPackage(q); got != tt.want {
			t.Errorf("Replaces: %s: %v, want %v", tt.replaces, got, tt.want)
		}
	}
	if _, err := FromControl([]byte("Package: x\nReplaces: a (>= \n")); err == nil {
		t.Error("a bad Replaces field parsed")
	}
	if _, err := FromControl([]byte("Version: 1\n")); err == nil {
		t.Error("no Package field parsed")
	}
}

func TestCheck(t *testing.T) {
	pkgs := map[string]Package{}
	for _, c := range []string{
		"Package: aa\nVersion: 1\n",
		"Package: bb\nVersion: 1\nReplaces: aa\n",
		"Package: cc\nVersion: 1\n",
		"Package: dd\nVersion: 1\nReplaces: cc, aa, bb\n",
	} {
		p := pkg(t, c)
		pkgs[p.Name] = p
	}
	f := func(p string) Entry { return Entry{Path: p, Kind: File} }
	list := func(name string, es ...Entry) List { return List{Package: name, Entries: es} }
	tests := []struct {
		name    string
		layers  [][]List
		want    []Takeover
		wantErr string
	}{
		{name: "disjoint", layers: [][]List{{list("aa", f("/a/x"))}, {list("cc", f("/a/y"))}}},
		{name: "shared directories", layers: [][]List{{list("aa", Entry{Path: "/a", Kind: Dir}, f("/a/x"))}, {list("cc", Entry{Path: "/a", Kind: Dir})}}},
		{name: "the upper replaces the lower", layers: [][]List{{list("aa", f("/x"))}, {list("bb", f("/x"))}}},
		{name: "the lower replaces the upper", layers: [][]List{{list("bb", f("/x"))}, {list("aa", f("/x"))}},
			want: []Takeover{{Path: "/x", Package: "bb", Layer: 0}}},
		{name: "three, the middle one replaces", layers: [][]List{{list("aa", f("/x"))}, {list("dd", f("/x"))}, {list("bb", f("/x"))}},
			want: []Takeover{{Path: "/x", Package: "dd", Layer: 1}}},
		{name: "neither replaces", layers: [][]List{{list("aa", f("/x"))}, nil, {list("cc", f("/x"))}},
			wantErr: "file /x of package aa 1 and file /x of package cc 1 are the same path /x, and neither package Replaces the other"},
		{name: "a file over an implied directory", layers: [][]List{{list("aa", f("/d/x"))}, {list("bb", f("/d"))}},
			wantErr: "file /d of package bb 1 would replace directory /d of package aa 1"},
		{name: "a directory over a symbolic link", layers: [][]List{{list("aa", Entry{Path: "/d", Kind: Symlink})}, {list("bb", f("/d/x"))}},
			wantErr: "directory /d of package bb 1 would replace symbolic link /d of package aa 1"},
		{name: "merged /usr", layers: [][]List{{list("aa", Entry{Path: "/usr/bin/x", Kind: File, Shipped: "/bin/x"})}, {list("cc", f("/usr/bin/x"))}},
			wantErr: "(with merged /usr, /bin/x and /usr/bin/x are the same path)"},
		{name: "a list of a package not installed", layers: [][]List{{list("zz", f("/x"))}},
			wantErr: "layer 0: a list for package zz, which is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Check(tt.layers, pkgs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				var ce *ConflictError
				if !strings.Contains(tt.wantErr, "not installed") && !errors.As(err, &ce) {
					t.Errorf("%T is no *ConflictError", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestListRoundTrip(t *testing.T) {
	l := List{Package: "aa", Entries: []Entry{{Path: "/usr", Kind: Dir}, {Path: "/usr/bin/x y", Kind: File, Shipped: "/bin/x y"}, {Path: "/usr/lib/l", Kind: Symlink}}}
	var buf bytes.Buffer
	if err := WriteList(&buf, l); err != nil {
		t.Fatal(err)
	}
	got, err := ReadList(&buf)
	if err != nil || !reflect.DeepEqual(got, l) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	for _, bad := range []string{`{"package":"a","entries":[{"kind":"f"}]}`, `{"package":"a","entries":[{"kind":"f","path":"rel"}]}`,
		`{"package":"a","entries":[{"kind":"ff","path":"/x"}]}`, `{"package":"a","entries":[{"kind":"x","path":"/x"}]}`, `[`} {
		if _, err := ReadList(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: read", bad)
		}
	}
}

// FuzzReadList: the effects step reads lists an extraction wrote; none
// may panic it, and Check takes whatever it reads.
func FuzzReadList(f *testing.F) {
	f.Add(`{"package":"aa","entries":[{"path":"/usr","kind":"d"},{"path":"/usr/bin/x","kind":"f","shipped":"/bin/x"},{"path":"/usr/l","kind":"l"}]}`)
	f.Add(`{"package":"aa","entries":[{"path":"/x","kind":"f"},{"path":"/x","kind":"d"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ReadList(strings.NewReader(s))
		if err != nil {
			return
		}
		_, _ = Check([][]List{{l}, {l}}, map[string]Package{l.Package: {Name: l.Package}})
	})
}
