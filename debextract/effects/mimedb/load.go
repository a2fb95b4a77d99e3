package mimedb

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The pseudo-patterns and values glob-deleteall and magic-deleteall
// leave in the files, for the readers to act on.
const (
	noGlobs = "__NOGLOBS__"
	noMagic = "__NOMAGIC__"
)

// mediaTypes are the media update-mime-database knows: it removes the
// stale per-type files of these directories only.
var mediaTypes = []string{
	"all", "uri", "print", "text", "application", "image", "audio", "inode", "video",
	"message", "model", "multipart", "x-content", "x-epoc", "x-scheme-handler", "font", "chemical",
}

// mimeType is one MIME type and its per-type document.
type mimeType struct {
	media, subtype string
	out            typeDoc
}

func (t *mimeType) String() string { return t.media + "/" + t.subtype }

type glob struct {
	weight        int
	pattern       string
	typ           *mimeType
	noGlob        bool
	caseSensitive bool
}

type magic struct {
	priority int
	typ      *mimeType
	matches  []*match
	noMagic  bool
}

type match struct {
	rangeStart  int64
	rangeLength int32
	wordSize    int
	data        []byte
	mask        []byte // nil for none
	matches     []*match
}

type treeMagic struct {
	priority int
	typ      *mimeType
	matches  []*treeMatch
}

type treeMatch struct {
	path                            string
	matchCase, executable, nonEmpty bool
	typ                             int
	mimetype                        *string
	matches                         []*treeMatch
}

// db is update-mime-database's state: its hash tables and arrays.
type db struct {
	types       *strTable[*mimeType]
	globs       *strTable[[]*glob]
	namespaces  *strTable[*mimeType]
	magic       []*magic
	treeMagic   []*treeMagic
	subclasses  *strTable[[]string]
	aliases     *strTable[*mimeType]
	icons       *strTable[string]
	genericIcon *strTable[string]
	warnings    []string
}

func newDB() *db {
	return &db{
		types: newStrTable[*mimeType](), globs: newStrTable[[]*glob](), namespaces: newStrTable[*mimeType](),
		subclasses: newStrTable[[]string](), aliases: newStrTable[*mimeType](),
		icons: newStrTable[string](), genericIcon: newStrTable[string](),
	}
}

func (d *db) warnf(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// mimeError is a GError of update-mime-database's: the first one set is
// the one reported.
type mimeError struct{ err error }

func (e *mimeError) set(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf(format, args...)
	}
}

// getType is get_type: the type of that name, made on first use.
func (d *db) getType(name string) (*mimeType, error) {
	slash := strings.IndexByte(name, '/')
	if slash < 0 || strings.IndexByte(name[slash+1:], '/') >= 0 {
		return nil, fmt.Errorf("Invalid MIME-type '%s'", name)
	}
	if t, ok := d.types.get(name); ok {
		return t, nil
	}
	t := &mimeType{media: name[:slash], subtype: name[slash+1:]}
	t.out.children = []*node{{kind: commentNode, text: "Created automatically by update-mime-database. DO NOT EDIT!"}}
	d.types.insert(name, t)
	return t, nil
}

// loadFile is load_source_file for a parsed document.
func (d *db) loadFile(name string, doc *document) {
	root := doc.root
	if root.ns == nil || root.ns.href != freeNS {
		d.warnf("Wrong namespace on document element in '%s' (should be %s)", name, freeNS)
		return
	}
	if root.name != "mime-info" {
		d.warnf("Root element <%s> is not <mime-info> (in '%s')", root.name, name)
		return
	}
	for _, n := range root.children {
		if n.kind != elemNode {
			continue
		}
		var e mimeError
		var t *mimeType
		if !n.is(freeNS, "mime-type") {
			e.set("Excepted <mime-type>, but got wrong name or namespace")
		}
		var typeName string
		var hasName bool
		if e.err == nil {
			typeName, hasName = n.prop("type")
			if !hasName {
				e.set("<mime-type> element has no 'type' attribute")
			}
		}
		if hasName {
			var err error
			if t, err = d.getType(typeName); err != nil {
				e.set("%s", err)
			}
		}
		if e.err == nil {
			d.loadType(t, n, &e)
		}
		if e.err != nil {
			media, sub := "unknown", "unknown"
			if t != nil {
				media, sub = t.media, t.subtype
			}
			d.warnf("Error in type '%s/%s' (in %s): %s.", media, sub, name, e.err)
		}
	}
}

// loadType is load_type: the fields of one <mime-type>.
func (d *db) loadType(t *mimeType, n *node, e *mimeError) {
	for _, f := range n.children {
		if f.kind != elemNode {
			continue
		}
		if f.ns != nil && f.ns.href == freeNS {
			if d.freedesktopField(t, f, e) {
				continue
			}
		}
		if e.err != nil {
			return
		}
		c := copyNode(f, nil)
		if c.ns != nil && !c.ns.hasPrefix && c.ns.href == freeNS {
			c.nsDef = nil
		}
		t.out.removeOld(f)
		t.out.children = append(t.out.children, c)
	}
}

// removeOld is remove_old: a <comment> replaces the type's earlier one
// in the same language.
func (o *typeDoc) removeOld(f *node) {
	if f.ns == nil || f.ns.href != freeNS || f.name != "comment" {
		return
	}
	lang, hasLang := f.lang()
	for i, c := range o.children {
		if !c.is(freeNS, "comment") {
			continue
		}
		l2, has2 := c.lang()
		if has2 && hasLang && l2 == lang || !has2 && !hasLang {
			o.children = append(o.children[:i:i], o.children[i+1:]...)
			return
		}
	}
}

// getIntAttr is get_int_attribute: 50 when absent, -1 when not a number
// from 0 to 100.
func getIntAttr(n *node, name string) int {
	s, ok := n.prop(name)
	if !ok {
		return 50
	}
	p, rest, _ := strtol(s, 10)
	if s == "" || rest != "" || p < 0 || p > 100 {
		return -1
	}
	return int(p)
}

func boolAttr(n *node, name string) bool {
	s, ok := n.prop(name)
	return ok && s == "true"
}

// freedesktopField is process_freedesktop_node: true when the field is
// used up and not copied into the type's document.
func (d *db) freedesktopField(t *mimeType, f *node, e *mimeError) bool {
	copyToXML := false
	switch f.name {
	case "glob":
		weight := getIntAttr(f, "weight")
		cs := boolAttr(f, "case-sensitive")
		if weight == -1 {
			e.set("Bad weight (%d) in <glob> element", weight)
		}
		pattern, ok := f.prop("pattern")
		if ok && pattern != "" {
			if !cs {
				pattern = asciiLower(pattern)
			}
			list, _ := d.globs.get(pattern)
			d.globs.insert(pattern, append(list, &glob{pattern: pattern, typ: t, weight: weight, caseSensitive: cs}))
			copyToXML = true
		} else {
			e.set("Missing 'pattern' attribute in <glob> element")
		}
	case "glob-deleteall":
		list, _ := d.globs.get(noGlobs)
		d.globs.insert(noGlobs, append(list, &glob{pattern: noGlobs, typ: t, noGlob: true}))
		copyToXML = true
	case "magic":
		if m := newMagic(f, t, e); e.err == nil {
			d.magic = append(d.magic, m)
		}
	case "magic-deleteall":
		d.magic = append(d.magic, &magic{typ: t, noMagic: true,
			matches: []*match{{rangeLength: 1, wordSize: 1, data: []byte(noMagic)}}})
	case "treemagic":
		if m := newTreeMagic(f, t, e); e.err == nil {
			d.treeMagic = append(d.treeMagic, m)
		}
	case "comment", "acronym", "expanded-acronym":
		copyToXML = true
	case "alias", "sub-class-of":
		other, ok := f.prop("type")
		if ok && strings.Contains(other, "/") {
			name := t.String()
			if f.name == "alias" {
				d.aliases.insert(other, t)
			} else {
				list, ok := d.subclasses.get(name)
				list = append(list, other)
				if !ok {
					d.subclasses.insert(name, list)
				} else {
					d.subclasses.insert(name, list) // the same list, longer
				}
			}
			copyToXML = true
		} else {
			e.set("Incorrect or missing 'type' attribute in <%s>", f.name)
		}
	case "root-XML":
		uri, hasURI := f.prop("namespaceURI")
		local, hasLocal := f.prop("localName")
		switch {
		case !hasURI:
			e.set("Missing 'namespaceURI' attribute'")
		case !hasLocal:
			e.set("Missing 'localName' attribute'")
		case uri == "" && local == "":
			e.set("namespaceURI and localName attributes can't both be empty")
		case strings.ContainsAny(uri, " \n") || strings.ContainsAny(local, " \n"):
			e.set("namespaceURI and localName cannot contain spaces or newlines")
		default:
			d.namespaces.insert(uri+" "+local, t)
		}
	case "generic-icon", "icon":
		if icon, ok := f.prop("name"); ok {
			if f.name == "icon" {
				d.icons.insert(t.String(), icon)
			} else {
				d.genericIcon.insert(t.String(), icon)
			}
			copyToXML = true
		}
	}
	if e.err != nil {
		return false
	}
	return !copyToXML
}

// asciiLower is g_ascii_strdown.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// ruleMatches is what magic_new and tree_magic_new share: the
// element's priority and its matches, their error prefixed.
func ruleMatches[M any](f *node, e *mimeError, child string, build func(*node, *mimeError) []M) (int, []M, bool) {
	prio := getIntAttr(f, "priority")
	if prio == -1 {
		e.set("Bad priority (%d) in <%s> element", prio, f.name)
		return 0, nil, false
	}
	var inner mimeError
	ms := build(f, &inner)
	if inner.err != nil {
		e.set("Error in <%s> element: %s", child, inner.err)
		return 0, nil, false
	}
	return prio, ms, true
}

// eachChild is the loop of build_matches and build_tree_matches: fn
// for each element child of parent, which must be a freedesktop.org
// <name>; the first error ends it.
func eachChild(parent *node, name string, e *mimeError, fn func(n *node)) {
	for _, n := range parent.children {
		if n.kind != elemNode {
			continue
		}
		if n.ns == nil || n.ns.href != freeNS {
			e.set("Element found with non-freedesktop.org namespace")
			return
		}
		if n.name != name {
			e.set("Expected <%s> element, but found <%s> instead", name, n.name)
			return
		}
		if fn(n); e.err != nil {
			return
		}
	}
}

// newMagic is magic_new.
func newMagic(f *node, t *mimeType, e *mimeError) *magic {
	prio, ms, ok := ruleMatches(f, e, "match", buildMatches)
	if !ok {
		return nil
	}
	if len(ms) == 0 {
		e.set("Incomplete <magic> element")
		return nil
	}
	return &magic{priority: prio, typ: t, matches: ms}
}

// buildMatches is build_matches: the <match> children of parent.
func buildMatches(parent *node, e *mimeError) []*match {
	var out []*match
	eachChild(parent, "match", e, func(n *node) {
		m := &match{rangeLength: 1, wordSize: 1}
		matchOffset(m, n, e)
		if e.err == nil {
			matchWordSize(m, n, e)
		}
		if e.err == nil {
			matchValueAndMask(m, n, e)
		}
		if e.err == nil {
			out = append(out, m)
			m.matches = buildMatches(n, e)
		}
	})
	return out
}

// matchOffset is match_offset: "start" or "start:end".
func matchOffset(m *match, n *node, e *mimeError) {
	offset, ok := n.prop("offset")
	if !ok || offset == "" {
		e.set("Missing 'offset' attribute")
		return
	}
	start, rest, overflow := strtol(offset, 10)
	m.rangeStart = start
	if overflow {
		e.set("Number out-of-range (%s should fit in 4 bytes)", offset[:len(offset)-len(rest)])
		return
	}
	if strings.HasPrefix(rest, ":") && len(rest) > 1 && start >= 0 {
		last64, rest2, overflow := strtol(rest[1:], 10)
		if overflow {
			e.set("Number out-of-range (%s should fit in 8 bytes)", rest[1:len(rest)-len(rest2)])
			return
		}
		last := int64(int32(last64))
		if rest2 == "" && last >= start {
			m.rangeLength = int32(last - start + 1)
		} else {
			e.set("Invalid offset")
		}
	} else if rest != "" {
		e.set("Invalid offset")
	}
}

// matchWordSize is match_word_size.
func matchWordSize(m *match, n *node, e *mimeError) {
	typ, ok := n.prop("type")
	if !ok {
		e.set("Missing 'type' attribute in <match>")
		return
	}
	switch typ {
	case "host16":
		m.wordSize = 2
	case "host32":
		m.wordSize = 4
	case "big16", "big32", "little16", "little32", "string", "byte":
	default:
		e.set("Unknown magic type '%s'", typ)
	}
}

// matchValueAndMask is match_value_and_mask with parse_value.
func matchValueAndMask(m *match, n *node, e *mimeError) {
	typ, _ := n.prop("type")
	mask, hasMask := n.prop("mask")
	value, hasValue := n.prop("value")
	if !hasValue || value == "" {
		e.set("No value specified")
		return
	}
	var data, maskData []byte
	var err error
	switch {
	case strings.Contains(typ, "16"):
		data, maskData, err = parseIntValue(2, value, mask, hasMask, typ[0] != 'l')
	case strings.Contains(typ, "32"):
		data, maskData, err = parseIntValue(4, value, mask, hasMask, typ[0] != 'l')
	case typ == "byte":
		data, maskData, err = parseIntValue(1, value, mask, hasMask, false)
	case typ == "string":
		data = getstr(value)
		if hasMask && len(data) > 0 {
			maskData, err = parseStringMask(mask, len(data))
		}
	}
	if err != nil {
		e.set("%s", err)
		return
	}
	m.data, m.mask = data, maskData
}

// parseIntValue is parse_int_value: a number of n bytes and its mask.
func parseIntValue(n int, in, inMask string, hasMask, bigEndian bool) ([]byte, []byte, error) {
	value, err := parseNumber(in, "Number", "Value", n)
	if err != nil {
		return nil, nil, err
	}
	if n == 1 && value&^0xff != 0 || n == 2 && value&^0xffff != 0 {
		return nil, nil, fmt.Errorf("Number out-of-range (%x should fit in %d bytes)", value, n)
	}
	if !hasMask {
		return intBytes(value, n, bigEndian), nil, nil
	}
	mask, err := parseNumber(inMask, "Mask", "Mask", n)
	if err != nil {
		return nil, nil, err
	}
	return intBytes(value, n, bigEndian), intBytes(mask, n, bigEndian), nil
}

// parseNumber reads a value or mask with strtoul(s, &end, 0).
func parseNumber(s, what, name string, n int) (uint64, error) {
	v, rest, overflow := strtoul(s)
	if overflow {
		return 0, fmt.Errorf("%s out-of-range (%s should fit in %d bytes)", what, s, n)
	}
	if rest != "" {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	return v, nil
}

// intBytes is the n low bytes of v, in the order asked.
func intBytes(v uint64, n int, bigEndian bool) []byte {
	out := make([]byte, n)
	for b := range n {
		shift := b * 8
		if bigEndian {
			shift = (n - b - 1) * 8
		}
		out[b] = byte(v >> shift)
	}
	return out
}

// parseStringMask is parse_string_mask: "0x" and hex digits, at most
// two a byte of the value; missing digits are zero.
func parseStringMask(mask string, n int) ([]byte, error) {
	if !strings.HasPrefix(mask, "0x") {
		return nil, errors.New("String masks must be in base 16 (starting with 0x)")
	}
	mask = mask[2:]
	out := make([]byte, n)
	for i := 0; i < len(mask); i++ {
		c := hexToInt(mask[i])
		if c < 0 {
			return nil, fmt.Errorf("'%c' is not a valid hex digit", mask[i])
		}
		if i >= n*2 {
			return nil, errors.New("Mask is longer than value")
		}
		if i&1 != 0 {
			out[i>>1] |= byte(c)
		} else {
			out[i>>1] |= byte(c << 4)
		}
	}
	return out, nil
}

func hexToInt(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// getstr is getstr: C escapes (\n, \x41, \101…) in a string value.
func getstr(s string) []byte {
	var out []byte
	for i := 0; i < len(s); {
		c := s[i]
		i++
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i >= len(s) {
			return out
		}
		c = s[i]
		i++
		if k := strings.IndexByte("nrbtfv", c); k >= 0 {
			out = append(out, "\n\r\b\t\f\v"[k])
			continue
		}
		switch c {
		case '0', '1', '2', '3', '4', '5', '6', '7':
			val := int(c - '0')
			if i < len(s) && s[i] >= '0' && s[i] <= '7' {
				val = val<<3 | int(s[i]-'0')
				i++
				if i < len(s) && s[i] >= '0' && s[i] <= '7' {
					val = val<<3 | int(s[i]-'0')
					i++
				}
			}
			out = append(out, byte(val))
		case 'x':
			val := int('x')
			if i < len(s) && hexToInt(s[i]) >= 0 {
				val = hexToInt(s[i])
				i++
				if i < len(s) && hexToInt(s[i]) >= 0 {
					val = val<<4 + hexToInt(s[i])
					i++
				}
			}
			out = append(out, byte(val))
		default:
			out = append(out, c)
		}
	}
	return out
}

// newTreeMagic is tree_magic_new.
func newTreeMagic(f *node, t *mimeType, e *mimeError) *treeMagic {
	prio, ms, ok := ruleMatches(f, e, "treematch", buildTreeMatches)
	if !ok {
		return nil
	}
	return &treeMagic{priority: prio, typ: t, matches: ms}
}

// buildTreeMatches is build_tree_matches.
func buildTreeMatches(parent *node, e *mimeError) []*treeMatch {
	var out []*treeMatch
	eachChild(parent, "treematch", e, func(n *node) {
		m := &treeMatch{}
		p, ok := n.prop("path")
		if !ok {
			e.set("Missing 'path' attribute in <treematch>")
			return
		}
		m.path = p
		if typ, ok := n.prop("type"); ok {
			m.typ = slices.Index([]string{"", "file", "directory", "link"}, typ)
			if m.typ <= 0 {
				e.set("Invalid 'type' attribute in <treematch>")
				return
			}
		}
		m.executable = boolAttr(n, "executable")
		m.matchCase = boolAttr(n, "match-case")
		m.nonEmpty = boolAttr(n, "non-empty")
		if mt, ok := n.prop("mimetype"); ok {
			m.mimetype = &mt
		}
		out = append(out, m)
		m.matches = buildTreeMatches(n, e)
	})
	return out
}

// cSpace is C's isspace.
func cSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// strtol is C's strtol for a 64-bit long: the value, what is left
// after the number (all of s when there is none), and whether it
// overflowed (ERANGE).
func strtol(s string, base int) (int64, string, bool) {
	u, rest, neg, overflow, ok := scanNumber(s, base)
	if !ok {
		return 0, s, false
	}
	if neg {
		if overflow || u > 1<<63 {
			return -1 << 63, rest, true
		}
		return -int64(u), rest, false
	}
	if overflow || u > 1<<63-1 {
		return 1<<63 - 1, rest, true
	}
	return int64(u), rest, false
}

// strtoul is C's strtoul(s, &end, 0) for a 64-bit unsigned long.
func strtoul(s string) (uint64, string, bool) {
	u, rest, neg, overflow, ok := scanNumber(s, 0)
	if !ok {
		return 0, s, false
	}
	if overflow {
		return ^uint64(0), rest, true
	}
	if neg {
		u = -u
	}
	return u, rest, false
}

// scanNumber reads blanks, a sign and digits in base (0: C's prefixes).
func scanNumber(s string, base int) (u uint64, rest string, neg, overflow, ok bool) {
	i := 0
	for i < len(s) && cSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		if i+2 < len(s) && hexToInt(s[i+2]) >= 0 {
			base = 16
			i += 2
		} else {
			// "0x" without a digit: the number is the 0.
			return 0, s[i+1:], neg, false, true
		}
	}
	if base == 0 {
		base = 10
		if i < len(s) && s[i] == '0' {
			base = 8
		}
	}
	start := i
	for i < len(s) {
		d := hexToInt(s[i])
		if d < 0 || d >= base {
			break
		}
		if u > (^uint64(0)-uint64(d))/uint64(base) {
			overflow = true
		}
		u = u*uint64(base) + uint64(d)
		i++
	}
	if i == start {
		return 0, s, false, false, false
	}
	return u, s[i:], neg, overflow, true
}
