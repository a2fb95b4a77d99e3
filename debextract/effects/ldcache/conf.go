package ldcache

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// ConfPath is the configuration ldconfig reads.
const ConfPath = "/etc/ld.so.conf"

// Bounds on the configuration: ldconfig has none, but recursion without
// one would only end with its stack.
const (
	maxConfSize  = 1 << 20
	maxConfDepth = 32
	maxConfFiles = 1024
)

// parseConf reads a configuration file as parse_conf does: "#" starts a
// comment, "include" lines name glob patterns of more files (relative
// ones against the including file's directory), "hwcap" lines are
// ignored, any other non-blank line is a directory.
func (b *builder) parseConf(name string, depth int) {
	if depth > maxConfDepth || b.confFiles >= maxConfFiles {
		b.warnf("%s: not read: more than %d nested includes or %d files", name, maxConfDepth, maxConfFiles)
		return
	}
	b.confFiles++
	data, err := b.root.ReadFile(name, maxConfSize)
	if err != nil {
		if !ignoredConfError(b.root, name, err) {
			b.warnf("Warning: ignoring configuration file that cannot be opened: %s: %v", name, err)
		}
		return
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, line := range lines {
		b.confLine(name, i+1, line, depth)
	}
}

// ignoredConfError reports the errors ldconfig is silent about: a missing
// file (ENOENT), and a directory, which it opens but cannot read.
func ignoredConfError(root FS, name string, err error) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	_, fi, serr := root.Stat(name)
	return serr == nil && fi.IsDir()
}

// confLine handles one line of a configuration file.
func (b *builder) confLine(name string, lineno int, line string, depth int) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i] // C string
	}
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	cp := strings.TrimLeftFunc(line, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	switch {
	case cp == "":
	case strings.HasPrefix(cp, "include") && len(cp) > 7 && isBlank(cp[7]):
		for _, pat := range strings.FieldsFunc(cp[8:], func(r rune) bool { return r == ' ' || r == '\t' }) {
			b.include(name, pat, depth)
		}
	case len(cp) > 5 && strings.EqualFold(cp[:5], "hwcap") && isBlank(cp[5]):
		b.warnf("%s:%d: hwcap directive ignored", name, lineno)
	default:
		b.addDir(cp)
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// include reads the files a pattern of an include line matches.
func (b *builder) include(from, pattern string, depth int) {
	if !strings.HasPrefix(pattern, "/") {
		pattern = path.Dir(from) + "/" + pattern
		if !strings.HasPrefix(pattern, "/") {
			pattern = "/" + pattern // relative to ldconfig's working directory, the root
		}
	}
	for _, p := range b.glob(pattern) {
		b.parseConf(p, depth+1)
	}
}

func (b *builder) warnf(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}
