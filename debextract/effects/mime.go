package effects

import (
	"fmt"
	"path"
	"strings"

	"github.com/distrofile/distrofile/debextract/effects/mimedb"
)

// updateMimeDatabase stands in for shared-mime-info's
// update-mime-database [-hvVn] MIME-DIR: it writes the database of
// MIME-DIR/packages/*.xml (package mimedb) into the image, removing the
// stale per-type files first, as the program does. -n (only when the
// packages are newer) writes it all the same: on a fresh install the
// second run would rewrite the same bytes. What the program would print
// and go on from is printed; a packages file that is not well-formed XML
// (which the program would leave out) leaves the database unwritten,
// with a warning.
func updateMimeDatabase(c *call) int {
	var dirs []string
	for i, a := range c.args[1:] {
		if a == "--" {
			dirs = append(dirs, c.args[i+2:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			dirs = append(dirs, a)
			continue
		}
		for _, o := range a[1:] {
			switch o {
			case 'h':
				fmt.Fprintf(c.stderr, "Usage: %s [-hvVn] MIME-DIR\n", c.args[0])
				return 0
			case 'v':
				fmt.Fprintf(c.stderr, "update-mime-database (shared-mime-info) %s\n", mimedb.Version)
				return 0
			case 'V', 'n':
			default:
				fmt.Fprintf(c.stderr, "Usage: %s [-hvVn] MIME-DIR\n", c.args[0])
				return 1
			}
		}
	}
	if len(dirs) != 1 {
		fmt.Fprintf(c.stderr, "Usage: %s [-hvVn] MIME-DIR\n", c.args[0])
		return 1
	}
	dir := c.abs(dirs[0])
	pkgs := path.Join(dir, "packages")
	if !c.e.fs.exists(dir) {
		fmt.Fprintf(c.stdout, "Directory '%s' does not exist!\n", pkgs)
		return 1
	}
	if !c.e.fs.exists(pkgs) {
		fmt.Fprintf(c.stderr, "Directory '%s' does not exist!\n", pkgs)
		return 1
	}
	ents, err := c.e.fs.readDir(pkgs)
	if err != nil {
		return c.failf("%s: %v", pkgs, err)
	}
	var src []mimedb.Source
	for _, in := range ents {
		if !strings.HasSuffix(in.name, ".xml") {
			continue
		}
		data, err := c.e.fs.readFile(path.Join(pkgs, in.name))
		if err != nil {
			data = nil // a directory or a dangling link named *.xml: not XML
		}
		src = append(src, mimedb.Source{Name: in.name, Data: data})
	}
	db, err := mimedb.Generate(src)
	if err != nil {
		c.e.warnf(c.sc.pkg, "update-mime-database: %s/%v: the shared MIME database of %s is not written", pkgs, err, dir)
		return 0
	}
	for _, w := range db.Warnings {
		fmt.Fprintln(c.stdout, w)
	}
	// delete_old_types, then the files, each made anew (the program
	// renames a new file over the old one).
	for _, media := range mediaDirs(c, dir) {
		ents, _ := c.e.fs.readDir(path.Join(dir, media))
		for _, in := range ents {
			if in.kind != kindDir && db.Removes(media+"/"+in.name) {
				_ = c.e.fs.remove(path.Join(dir, media, in.name), false)
			}
		}
	}
	for _, d := range db.Dirs {
		if err := c.e.fs.mkdir(path.Join(dir, d), mimedb.DirMode, false); err != nil {
			return c.failf("%v", err)
		}
	}
	for _, f := range db.Files {
		p := path.Join(dir, f.Path)
		if err := c.e.fs.writeFile(p, f.Data, mimedb.FileMode); err != nil {
			return c.failf("%v", err)
		}
		if err := c.e.fs.setAttr(p, true, 0, 0, int(mimedb.FileMode)); err != nil {
			return c.failf("%v", err)
		}
	}
	return 0
}

// mediaDirs are the directories of dir whose stale per-type files
// update-mime-database may remove.
func mediaDirs(c *call, dir string) []string {
	ents, err := c.e.fs.readDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, in := range ents {
		if in.kind == kindDir && in.name != "packages" {
			out = append(out, in.name)
		}
	}
	return out
}
