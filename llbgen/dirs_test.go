package llbgen

import (
	"os"
	"path"
	"testing"

	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/imagespec"
)

// TestRedeclaredDirs: a directory that exists (a base directory, an
// account's home, an earlier MKDIR or WORKDIR) keeps its owner and mode
// under WORKDIR and MKDIR; a new one is made as asked. The files are put
// together as the frontend does: BaseFiles, then the stage's.
func TestRedeclaredDirs(t *testing.T) {
	for _, tc := range []struct {
		src, dir string
		uid, gid int
		mode     os.FileMode
	}{
		{"USER nonroot\nWORKDIR /home/nonroot\n", "/home/nonroot", 65532, 65532, 0o750},
		{"WORKDIR /home/app\nUSERADD --uid=1000 app\n", "/home/app", 1000, 1000, 0o750},
		{"USERADD --uid=1000 app\nUSER app\nWORKDIR /home/app\n", "/home/app", 1000, 1000, 0o750},
		{"WORKDIR /tmp\n", "/tmp", 0, 0, 0o777 | os.ModeSticky},
		{"USERADD --uid=1000 app\nUSER app\nWORKDIR /app\n", "/app", 1000, 1000, 0o755},
		{"MKDIR --mode=0700 /data\nMKDIR --mode=0755 --owner=nonroot /data\n", "/data", 0, 0, 0o700},
		{"MKDIR --mode=0700 /data\nWORKDIR /data\n", "/data", 0, 0, 0o700},
		{"MKDIR --mode=0700 /home/nonroot\n", "/home/nonroot", 65532, 65532, 0o750},
		{"MKDIR --mode=1777 --owner=nonroot /srv/x\n", "/srv/x", 65532, 65532, 0o777 | os.ModeSticky},
	} {
		df, err := distrofile.Parse([]byte("FROM debian:trixie\n"+tc.src), nil)
		if err != nil {
			t.Fatal(err)
		}
		states, err := distrofile.EvalStages(df)
		if err != nil {
			t.Fatal(err)
		}
		s := states[df.Stages[0]]
		files := Generated(BaseFiles(s.Accounts.Accounts, "amd64", true))
		for _, sf := range s.Files {
			files = append(files, File{File: sf.File})
		}
		var got []imagespec.File
		for _, f := range withoutRedeclaredDirs(files) {
			if path.Clean(f.Path) == tc.dir {
				got = append(got, f.File)
			}
		}
		if len(got) != 1 || got[0].UID != tc.uid || got[0].GID != tc.gid || got[0].Mode != tc.mode {
			t.Errorf("%q: entries for %s: %+v, want one %d:%d %v", tc.src, tc.dir, got, tc.uid, tc.gid, tc.mode)
		}
	}
}
