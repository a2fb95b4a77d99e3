package mimedb

import (
	"bytes"
	"encoding/binary"
	"slices"
	"unicode/utf8"
)

// mime.cache's version (shared-mime-info's spec, "The mime.cache file").
const (
	cacheMajor = 1
	cacheMinor = 2
)

// cacheWriter builds mime.cache as write_cache does, section after
// section, with the offsets of the string pool.
type cacheWriter struct {
	b       bytes.Buffer
	strings *strTable[uint32]
	d       *db
}

func (w *cacheWriter) card32(n uint32) { w.b.Write(binary.BigEndian.AppendUint32(nil, n)) }

// data is write_data: padded with zeros to four bytes.
func (w *cacheWriter) data(p []byte) {
	w.b.Write(p)
	w.b.Write(make([]byte, align4(len(p))-len(p)))
}

func align4(n int) int { return (n + 3) &^ 3 }

func (w *cacheWriter) offset() uint32 { return uint32(w.b.Len()) }

// str is the pool offset of s; 0 (and a warning) when it is missing.
func (w *cacheWriter) str(s string) uint32 {
	off, ok := w.strings.get(s)
	if !ok {
		w.d.warnf("Missing string: '%s'", s)
	}
	return off
}

// cache is write_cache.
func (d *db) cache() []byte {
	w := &cacheWriter{strings: newStrTable[uint32](), d: d}
	w.b.Write(make([]byte, 44))
	d.collectStrings(w.strings)
	w.strings.each(func(s string, _ uint32) {
		off := w.offset()
		w.data(append([]byte(s), 0))
		w.strings.insert(s, off)
	})
	var offsets [10]uint32
	offsets[0] = w.offset()
	keyedMap(w, d.aliases, func(k string, t *mimeType) []string { return []string{k, t.String()} })
	offsets[1] = w.offset()
	w.parents()
	offsets[2] = w.offset()
	w.globMap(globLiteral)
	offsets[3] = w.offset()
	w.suffixes()
	offsets[4] = w.offset()
	w.globMap(globFull)
	offsets[5] = w.offset()
	w.magic()
	offsets[6] = w.offset()
	keyedMap(w, d.namespaces, func(k string, t *mimeType) []string {
		uri, local, _ := cutSpace(k)
		return []string{uri, local, t.String()}
	})
	offsets[7] = w.offset()
	iconMap(w, d.icons)
	offsets[8] = w.offset()
	iconMap(w, d.genericIcon)
	offsets[9] = w.offset()
	// write_types_cache looks the types up with their line's "\n": none
	// is in the pool, and every offset is 0.
	lines := d.typeLines()
	w.card32(uint32(len(lines)))
	for _, l := range lines {
		off, _ := w.strings.get(l)
		w.card32(off)
	}
	out := w.b.Bytes()
	binary.BigEndian.PutUint16(out[0:], cacheMajor)
	binary.BigEndian.PutUint16(out[2:], cacheMinor)
	for i, off := range offsets {
		binary.BigEndian.PutUint32(out[4+4*i:], off)
	}
	return out
}

func cutSpace(k string) (string, string, bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == ' ' {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

func iconMap(w *cacheWriter, t *strTable[string]) {
	keyedMap(w, t, func(k, icon string) []string { return []string{k, icon} })
}

// keyedMap is write_map without weights: the count of keys, then for
// each key, sorted, the offsets of the strings of its entry.
func keyedMap[V any](w *cacheWriter, t *strTable[V], entry func(string, V) []string) {
	var keys []string
	t.each(func(k string, _ V) { keys = append(keys, k) })
	slices.Sort(keys)
	w.card32(uint32(len(keys)))
	for _, k := range keys {
		v, _ := t.get(k)
		for _, s := range entry(k, v) {
			w.card32(w.str(s))
		}
	}
}

// parents is write_parent_cache.
func (w *cacheWriter) parents() {
	var keys []string
	w.d.subclasses.each(func(k string, _ []string) { keys = append(keys, k) })
	slices.Sort(keys)
	w.card32(uint32(len(keys)))
	list := w.offset() + uint32(8*len(keys))
	for _, k := range keys {
		ps, _ := w.d.subclasses.get(k)
		w.card32(w.str(k))
		w.card32(list)
		list += 4 + 4*uint32(len(ps))
	}
	for _, k := range keys {
		ps, _ := w.d.subclasses.get(k)
		w.card32(uint32(len(ps)))
		for _, p := range ps {
			w.card32(w.str(p))
		}
	}
}

type globKind int

const (
	globLiteral globKind = iota
	globSimple
	globFull
)

// globType is glob_type: "*.ext" with nothing special after the star
// is simple, anything with \ [ ? or another * is full.
func globType(p string) globKind {
	simple := false
	first := true
	for i := 0; i < len(p); {
		c := p[i]
		if c == '*' && first {
			simple = true
		} else if c == '\\' || c == '[' || c == '?' || c == '*' {
			return globFull
		}
		first = false
		i += utf8SkipC(p[i])
	}
	if simple {
		return globSimple
	}
	return globLiteral
}

// utf8SkipC is g_utf8_skip: the length a lead byte announces.
func utf8SkipC(c byte) int {
	switch {
	case c < 0xc0:
		return 1
	case c < 0xe0:
		return 2
	case c < 0xf0:
		return 3
	case c < 0xf8:
		return 4
	case c < 0xfc:
		return 5
	case c < 0xfe:
		return 6
	}
	return 1
}

// globWeight is get_glob_weight_and_flags.
func globWeight(g *glob) uint32 {
	w := uint32(g.weight) & 0xff
	if g.caseSensitive {
		w |= 0x100
	}
	return w
}

// globMap is write_map over the globs of one kind, with weights.
func (w *cacheWriter) globMap(kind globKind) {
	var keys []string
	w.d.globs.each(func(k string, _ []*glob) {
		if globType(k) == kind {
			keys = append(keys, k)
		}
	})
	slices.Sort(keys)
	n := 0
	for _, k := range keys {
		l, _ := w.d.globs.get(k)
		n += len(l)
	}
	w.card32(uint32(n))
	for _, k := range keys {
		l, _ := w.d.globs.get(k)
		for _, g := range l {
			w.card32(w.str(g.pattern))
			w.card32(w.str(g.typ.String()))
			w.card32(globWeight(g))
		}
	}
}

// suffixEntry is a node of the reversed-suffix tree of the simple
// globs; character 0 is a leaf naming a type.
type suffixEntry struct {
	character rune
	mimetype  string
	weight    int
	flags     uint32
	children  []*suffixEntry
	depth     int
}

// insertSuffix is insert_suffix.
func insertSuffix(suffix []rune, mimetype string, weight int, flags uint32, list []*suffixEntry) []*suffixEntry {
	i := 0
	for i < len(list) && list[i].character < suffix[0] {
		i++
	}
	if i == len(list) || list[i].character != suffix[0] {
		list = slices.Insert(list, i, &suffixEntry{character: suffix[0]})
	}
	s := list[i]
	if len(suffix) == 1 {
		j := 0
		for ; j < len(s.children) && s.children[j].character == 0; j++ {
			if s.children[j].mimetype == mimetype {
				if s.children[j].weight < weight {
					s.children[j].weight = weight
				}
				return list
			}
		}
		s.children = slices.Insert(s.children, j, &suffixEntry{mimetype: mimetype, weight: weight, flags: flags})
		return list
	}
	s.children = insertSuffix(suffix[1:], mimetype, weight, flags, s.children)
	return list
}

func (e *suffixEntry) calcDepth() {
	e.depth = 0
	for _, c := range e.children {
		c.calcDepth()
		e.depth = max(e.depth, c.depth+1)
	}
}

// suffixes is write_suffix_cache: the tree, level by level.
func (w *cacheWriter) suffixes() {
	var roots []*suffixEntry
	w.d.globs.each(func(pattern string, l []*glob) {
		if globType(pattern) != globSimple {
			return
		}
		if !utf8.ValidString(pattern[1:]) {
			w.d.warnf("Glob '%s' is not valid UTF-8", pattern)
			return
		}
		suffix := []rune(pattern[1:])
		if len(suffix) == 0 {
			// "*": update-mime-database reads past the end of the
			// suffix here; no entry is the only defined outcome.
			w.d.warnf("Glob '%s' has no suffix: left out of mime.cache", pattern)
			return
		}
		slices.Reverse(suffix)
		for _, g := range l {
			var flags uint32
			if g.caseSensitive {
				flags = 0x100
			}
			roots = insertSuffix(suffix, g.typ.String(), g.weight, flags, roots)
		}
	})
	depth := 0
	for _, r := range roots {
		r.calcDepth()
		depth = max(depth, r.depth+1)
	}
	start := w.offset() + 8
	w.card32(uint32(len(roots)))
	w.card32(start)
	child := start + 12*uint32(len(roots))
	var write func(e *suffixEntry, d int)
	write = func(e *suffixEntry, d int) {
		if d > 0 {
			for _, c := range e.children {
				write(c, d-1)
			}
			return
		}
		if e.character == 0 {
			w.card32(0)
			w.card32(w.str(e.mimetype))
			w.card32(uint32(e.weight)&0xff | e.flags)
		} else {
			w.card32(uint32(e.character))
			w.card32(uint32(len(e.children)))
			w.card32(child)
		}
		child += 12 * uint32(len(e.children))
	}
	for d := 0; d < depth; d++ {
		for _, r := range roots {
			write(r, d)
		}
	}
}

// magic is write_magic_cache (the magic sorted as for the magic file).
func (w *cacheWriter) magic() {
	var all []*match
	var collect func(l []*match)
	collect = func(l []*match) {
		all = append(all, l...)
		for _, m := range l {
			collect(m.matches)
		}
	}
	for _, m := range w.d.magic {
		collect(m.matches)
	}
	index := map[*match]int{}
	for i, m := range all {
		index[m] = i
	}
	var maxExtent uint32 // a guint compared with a long
	for _, m := range all {
		if v := int64(len(m.data)) + m.rangeStart + int64(m.rangeLength); int64(maxExtent) < v {
			maxExtent = uint32(v)
		}
	}
	first := w.offset() + 12
	w.card32(uint32(len(w.d.magic)))
	w.card32(maxExtent)
	w.card32(first)
	matchlets := first + 16*uint32(len(w.d.magic))
	for _, m := range w.d.magic {
		w.card32(uint32(m.priority))
		w.card32(w.str(m.typ.String()))
		w.card32(uint32(len(m.matches)))
		w.card32(matchlets + 32*uint32(index[m.matches[0]]))
	}
	data := matchlets + 32*uint32(len(all))
	for _, m := range all {
		w.card32(uint32(m.rangeStart))
		w.card32(uint32(m.rangeLength))
		w.card32(uint32(m.wordSize))
		w.card32(uint32(len(m.data)))
		w.card32(data)
		data += uint32(align4(len(m.data)))
		if m.mask != nil {
			w.card32(data)
			data += uint32(align4(len(m.data)))
		} else {
			w.card32(0)
		}
		if len(m.matches) > 0 {
			w.card32(uint32(len(m.matches)))
			w.card32(matchlets + 32*uint32(index[m.matches[0]]))
		} else {
			w.card32(0)
			w.card32(0)
		}
	}
	for _, m := range all {
		w.data(m.data)
		if m.mask != nil {
			w.data(m.mask)
		}
	}
}

// collectStrings is collect_strings: the pool's strings in the order
// update-mime-database adds them to its table.
func (d *db) collectStrings(s *strTable[uint32]) {
	d.aliases.each(func(k string, t *mimeType) {
		s.insert(k, 0)
		s.insert(t.String(), 0)
	})
	d.subclasses.each(func(k string, ps []string) {
		s.insert(k, 0)
		for _, p := range ps {
			s.insert(p, 0)
		}
	})
	d.globs.each(func(k string, l []*glob) {
		if globType(k) != globSimple {
			s.insert(k, 0)
		}
		for _, g := range l {
			s.insert(g.typ.String(), 0)
		}
	})
	for _, m := range d.magic {
		s.insert(m.typ.String(), 0)
	}
	d.namespaces.each(func(k string, t *mimeType) {
		s.insert(t.String(), 0)
		uri, local, _ := cutSpace(k)
		s.insert(uri, 0)
		s.insert(local, 0)
	})
	d.genericIcon.each(func(k, icon string) {
		s.insert(k, 0)
		s.insert(icon, 0)
	})
	d.icons.each(func(k, icon string) {
		s.insert(k, 0)
		s.insert(icon, 0)
	})
}
