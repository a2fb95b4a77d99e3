package llbgen

import (
	"fmt"
	"io"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/imagespec"
)

// GeneratedTable writes, as a Markdown table, what the generated-files
// layer holds for a stage of Debian trixie on amd64 with merged /usr, the
// default accounts (root, nobody, nonroot: given as acc) and no base-files
// installed: BaseFiles, then ScriptEffects. docs/language.md includes it.
func GeneratedTable(w io.Writer, acc imagespec.Accounts) error {
	if _, err := fmt.Fprint(w, "| path | kind | mode | owner | from |\n|---|---|---|---|---|\n"); err != nil {
		return err
	}
	rows := func(fs []imagespec.File, from string) error {
		for _, f := range fs {
			kind, mode := "", fmt.Sprintf("%04o", debextract.UnixMode(f.Mode))
			switch f.Kind {
			case imagespec.KindDir:
				kind = "directory"
			case imagespec.KindFile:
				kind = "file"
			case imagespec.KindSymlink:
				kind, mode = "link → `"+f.Target+"`", ""
			}
			if _, err := fmt.Fprintf(w, "| `%s` | %s | %s | %d:%d | %s |\n", f.Path, kind, mode, f.UID, f.GID, from); err != nil {
				return err
			}
		}
		return nil
	}
	if err := rows(BaseFiles(acc, "amd64", true), "every image"); err != nil {
		return err
	}
	return rows(ScriptEffects(nil, Distro{ID: "debian", Codename: "trixie"}), "base-files' layout (os-release, debian_version: without base-files)")
}
