package ldcache

import (
	"io/fs"
	"slices"
	"strings"
)

// glob returns the paths matching pattern, an absolute path whose
// components may hold the wildcards *, ? and [...], as glob(3) with no
// flags does: a backslash quotes the next character, a leading "." of a
// name is only matched by a literal ".", and the result is sorted in byte
// order (ldconfig runs with LC_COLLATE=C). Literal paths are returned
// whether they exist or not; ldconfig ignores missing files anyway.
func (b *builder) glob(pattern string) []string {
	out := b.globIn(pattern, false)
	slices.Sort(out)
	return slices.Compact(out)
}

func (b *builder) globIn(pattern string, onlyDir bool) []string {
	if !hasMeta(pattern) {
		return []string{unescape(pattern)}
	}
	i := strings.LastIndexByte(pattern, '/')
	dir, file := pattern[:i], pattern[i+1:]
	var dirs []string
	switch {
	case dir == "":
		dirs = []string{"/"}
	case hasMeta(dir):
		dirs = b.globIn(dir, true)
	default:
		dirs = []string{unescape(dir)}
	}
	var out []string
	for _, d := range dirs {
		out = append(out, b.globDir(d, file, onlyDir)...)
	}
	return out
}

// globDir returns the entries of dir that file matches (directories
// only, following symbolic links, when onlyDir), joined to dir.
func (b *builder) globDir(dir, file string, onlyDir bool) []string {
	ents, err := b.root.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !fnmatch(file, e.Name()) {
			continue
		}
		p := strings.TrimSuffix(dir, "/") + "/" + e.Name()
		if onlyDir && !b.isDir(p, e) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// isDir reports whether the entry e at p is a directory, following a
// symbolic link.
func (b *builder) isDir(p string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	_, fi, err := b.root.Stat(p)
	return err == nil && fi.IsDir()
}

// hasMeta reports an unquoted wildcard.
func hasMeta(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

// unescape removes the backslashes that quote characters.
func unescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// fnmatch reports whether name matches pattern as fnmatch(3) with
// FNM_PERIOD does, byte by byte as in the C locale.
func fnmatch(pattern, name string) bool {
	return match(pattern, name, true)
}

// match matches pattern against name; leading says name[0] is the start
// of the name, where a "." must be matched literally.
func match(p, n string, leading bool) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			if leading && len(n) > 0 && n[0] == '.' {
				return false
			}
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			for k := 0; k <= len(n); k++ {
				if match(p, n[k:], false) {
					return true
				}
			}
			return false
		case '?':
			if len(n) == 0 || leading && n[0] == '.' {
				return false
			}
		case '[':
			ok, rest, valid := bracket(p, n, leading)
			if valid {
				if !ok {
					return false
				}
				p, n, leading = rest, n[1:], false
				continue
			}
			if len(n) == 0 || n[0] != '[' {
				return false
			}
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(n) == 0 || n[0] != p[0] {
				return false
			}
		}
		p, n, leading = p[1:], n[1:], false
	}
	return len(n) == 0
}

// bracket matches n[0] against the bracket expression at the start of p.
// valid is false when p has no closing bracket: "[" is then literal.
func bracket(p, n string, leading bool) (ok bool, rest string, valid bool) {
	i := 1
	negate := i < len(p) && (p[i] == '!' || p[i] == '^')
	if negate {
		i++
	}
	if len(n) == 0 {
		_, end := bracketEnd(p, i)
		return false, "", end >= 0
	}
	c := n[0]
	matched, end := bracketScan(p, i, c)
	if end < 0 {
		return false, "", false
	}
	if leading && c == '.' {
		return false, p[end:], true
	}
	return matched != negate, p[end:], true
}

// bracketEnd returns the index just past the closing bracket, or -1.
func bracketEnd(p string, i int) (bool, int) {
	return bracketScan(p, i, 0)
}

// bracketScan walks the bracket expression starting at p[i] (after "["
// and any negation) and reports whether c is in it and where it ends.
func bracketScan(p string, i int, c byte) (bool, int) {
	matched := false
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return matched, i + 1
		}
		first = false
		if p[i] == '[' && i+1 < len(p) && p[i+1] == ':' {
			if j := strings.Index(p[i+2:], ":]"); j >= 0 {
				if class, ok := charClasses[p[i+2:i+2+j]]; ok {
					matched = matched || class(c)
					i += j + 4
					continue
				}
			}
		}
		lo, next := bracketChar(p, i)
		if next < 0 {
			return false, -1
		}
		i = next
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi, i = bracketChar(p, i+1)
			if i < 0 {
				return false, -1
			}
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return false, -1
}

// bracketChar reads one, possibly quoted, character of a bracket
// expression.
func bracketChar(p string, i int) (byte, int) {
	if p[i] == '\\' {
		if i+1 >= len(p) {
			return 0, -1
		}
		return p[i+1], i + 2
	}
	return p[i], i + 1
}

// charClasses are the [:name:] classes of the C locale.
var charClasses = map[string]func(byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  isSpace,
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' },
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isSpace is isspace(3) in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
