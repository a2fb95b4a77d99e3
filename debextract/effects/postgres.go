package effects

import (
	"bytes"
	"path"
	"sort"
	"strconv"
	"strings"
)

// pgUpdateDicts stands in for postgresql-common's pg_updatedicts (run by
// its postinst and by its trigger on /usr/share/myspell/dicts), as its Perl
// does: /var/cache/postgresql/dicts holds each hunspell or myspell
// dictionary (an .aff with its .dic, not a link) as <locale>.affix and
// <locale>.dict in UTF-8, and every installed PostgreSQL's tsearch_data
// links to them. A dictionary in another encoding than UTF-8 is not
// converted (a warning): the Perl calls iconv.
func pgUpdateDicts(c *call) int {
	const cache = "/var/cache/postgresql/dicts"
	if err := c.e.fs.mkdir(cache, 0o755, true); err != nil {
		return c.failf("%v", err)
	}
	versions := pgVersions(c)
	for _, dir := range []string{"/usr/share/hunspell", "/usr/share/myspell/dicts"} {
		entries, err := c.e.fs.readDir(dir)
		if err != nil {
			continue
		}
		for _, en := range entries {
			if en.kind != kindFile || !strings.HasSuffix(en.name, ".aff") {
				continue
			}
			aff := path.Join(dir, en.name)
			dic := strings.TrimSuffix(aff, ".aff") + ".dic"
			affData, err1 := c.e.fs.readFile(aff)
			dicData, err2 := c.e.fs.readFile(dic)
			if err1 != nil || err2 != nil {
				continue
			}
			locale := strings.ToLower(strings.TrimSuffix(en.name, ".aff"))
			if enc := affixEncoding(affData); !strings.EqualFold(enc, "UTF-8") {
				c.e.warnf(c.sc.pkg, "pg_updatedicts: %s is in %q, not converted to UTF-8 for PostgreSQL", aff, enc)
				continue
			}
			for name, data := range map[string][]byte{locale + ".affix": affData, locale + ".dict": dicData} {
				if err := c.e.fs.writeFile(path.Join(cache, name), data, 0o644); err != nil {
					return c.failf("%v", err)
				}
			}
			for _, v := range versions {
				dest := "/usr/share/postgresql/" + v + "/tsearch_data"
				if !c.e.fs.isDir(dest) {
					continue
				}
				for _, ext := range []string{".affix", ".dict"} {
					link := path.Join(dest, locale+ext)
					if c.e.fs.exists(link) {
						continue
					}
					if err := c.e.fs.symlink(path.Join(cache, locale+ext), link); err != nil {
						return c.failf("%v", err)
					}
				}
			}
		}
	}
	return 0
}

// affixEncoding is the SET line of a hunspell affix file.
func affixEncoding(aff []byte) string {
	for _, l := range bytes.Split(aff, []byte("\n")) {
		if f := strings.Fields(string(l)); len(f) == 2 && f[0] == "SET" {
			return f[1]
		}
	}
	return ""
}

// pgVersions are the PostgreSQL versions from 8.3 on that the image has
// (PgCommon's get_versions: the directories of /usr/lib/postgresql).
func pgVersions(c *call) []string {
	entries, err := c.e.fs.readDir("/usr/lib/postgresql")
	if err != nil {
		return nil
	}
	var out []string
	for _, en := range entries {
		if v, err := strconv.ParseFloat(en.name, 64); err == nil && v >= 8.3 && en.kind == kindDir {
			out = append(out, en.name)
		}
	}
	sort.Strings(out)
	return out
}
