// Package mimedb builds the shared MIME database as shared-mime-info's
// update-mime-database writes it (Debian trixie's shared-mime-info 2.4,
// with its libxml2 2.9.14 and GLib 2.84), from the files of a
// /usr/share/mime/packages directory, in Go and byte for byte: the
// per-type files (<media>/<subtype>.xml), globs, globs2, magic, aliases,
// subclasses, types, icons, generic-icons, XMLnamespaces, treemagic,
// mime.cache and version.
//
// The files come out as the program leaves them, quirks included: the
// orders that follow GLib's hash tables (subclasses, icons,
// generic-icons, the order of globs of equal weight, mime.cache's
// string pool and suffix tree) come from the same table arithmetic; the
// glob-deleteall and magic-deleteall markers (__NOGLOBS__, __NOMAGIC__)
// are written for the readers to apply, as the program writes them; and
// mime.cache's list of types holds zeros, as the program's own lookup
// with a trailing newline leaves it. What update-mime-database reports as
// a warning and goes on from (an invalid type, a bad <match>) is a
// warning here too. The packages files are read with Go's XML decoder:
// a character reference to a newline or tab in an attribute is read as
// a literal one would be (a space), and a CDATA section in a copied
// element is written as escaped text, where libxml2 keeps both as
// written; an entity the file's DTD declares, or an encoding other than
// UTF-8, ASCII and ISO-8859-1, is an error rather than what libxml2
// makes of it. A bare "*" glob, past whose end the program reads, is
// left out of mime.cache with a warning.
package mimedb

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Version is the shared-mime-info release reproduced, what the version
// file says.
const Version = "2.4"

// Modes of what update-mime-database makes under its umask 022.
const (
	FileMode fs.FileMode = 0o644
	DirMode  fs.FileMode = 0o755
)

// Source is one file of the packages directory.
type Source struct {
	// Name is the file's name in the directory ("freedesktop.org.xml").
	Name string
	Data []byte
}

// File is one file update-mime-database writes.
type File struct {
	// Path is relative to the MIME directory, slash-separated
	// ("globs2", "text/plain.xml").
	Path string
	Data []byte
}

// Database is what update-mime-database writes into a MIME directory.
type Database struct {
	// Dirs are the media directories it makes (relative, sorted).
	Dirs []string
	// Files, sorted by path.
	Files []File
	// Warnings are what the program would print and go on from.
	Warnings []string
	types    map[string]bool
}

// Generate builds the database from the files of a packages directory,
// read as update-mime-database reads them: the files named *.xml in
// name order, Override.xml last, each overriding what the earlier ones
// say. A file that is not well-formed XML is an error naming it.
func Generate(sources []Source) (*Database, error) {
	var files []Source
	var override *Source
	for i, s := range sources {
		if !hasXMLExt(s.Name) {
			continue
		}
		if s.Name == "Override.xml" {
			override = &sources[i]
			continue
		}
		files = append(files, s)
	}
	slices.SortStableFunc(files, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	if override != nil {
		files = append(files, *override)
	}
	d := newDB()
	for _, s := range files {
		doc, err := parseXML(s.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		d.loadFile(s.Name, doc)
	}
	return d.output(), nil
}

// hasXMLExt is std::filesystem's extension() == ".xml": a name's last
// dot starts its extension, unless it is the name's first character.
func hasXMLExt(name string) bool {
	i := strings.LastIndexByte(name, '.')
	return i > 0 && name[i:] == ".xml" && name != ".."
}

// ReadDir reads the *.xml files of the packages directory dir of fsys.
func ReadDir(fsys fs.FS, dir string) ([]Source, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, e := range ents {
		if !hasXMLExt(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Name: e.Name(), Data: data})
	}
	return out, nil
}

// Removes reports whether update-mime-database deletes the existing
// file rel (relative to the MIME directory) before writing: a stale
// per-type file of a media directory it knows, whose type no package
// defines any more.
func (db *Database) Removes(rel string) bool {
	media, name, ok := strings.Cut(rel, "/")
	if !ok || strings.Contains(name, "/") || !slices.Contains(mediaTypes, media) || !hasXMLExt(name) {
		return false
	}
	return !db.types[media+"/"+strings.TrimSuffix(name, ".xml")]
}

// output writes every file, as main does after scanning the packages.
func (d *db) output() *Database {
	out := &Database{types: map[string]bool{}}
	written := map[string][]byte{}
	dirs := map[string]bool{}
	d.types.each(func(name string, t *mimeType) {
		out.types[name] = true
		media, sub := asciiLower(t.media), asciiLower(t.subtype)
		rel := sub + ".xml"
		switch media {
		case "..":
			d.warnf("type %s: its file would be outside the MIME directory: not written", name)
			return
		case "", ".":
		default:
			dirs[media] = true
			rel = media + "/" + rel
		}
		written[rel] = t.out.bytes(name)
	})
	globs, globs2 := d.globsFiles()
	written["globs"], written["globs2"] = globs, globs2
	d.sortMagic()
	written["magic"] = d.magicFile()
	written["XMLnamespaces"] = d.namespacesFile()
	written["subclasses"] = d.subclassesFile()
	written["aliases"] = d.aliasesFile()
	written["types"] = []byte(strings.Join(d.typeLines(), ""))
	written["generic-icons"] = iconsFile(d.genericIcon)
	written["icons"] = iconsFile(d.icons)
	written["treemagic"] = d.treeMagicFile()
	written["mime.cache"] = d.cache()
	written["version"] = []byte(Version + "\n")
	for p, data := range written {
		out.Files = append(out.Files, File{Path: p, Data: data})
	}
	slices.SortFunc(out.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for dir := range dirs {
		out.Dirs = append(out.Dirs, dir)
	}
	slices.Sort(out.Dirs)
	out.Warnings = d.warnings
	return out
}
