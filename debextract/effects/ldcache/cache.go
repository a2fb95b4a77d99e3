package ldcache

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
)

// The new cache format (sysdeps/generic/dl-cache.h).
const (
	cacheMagic       = "glibc-ld.so.cache" + "1.1"
	headerSize       = 48 // struct cache_file_new
	entrySize        = 24 // struct file_entry_new
	extensionMagic   = 0xeaa42174
	extensionHeader  = 8  // struct cache_extension
	extensionSection = 16 // struct cache_extension_section
	tagGenerator     = 0
	tagGlibcHwcaps   = 1
	hwcapExtension   = 1 << 62 // DL_CACHE_HWCAP_EXTENSION
	isaLevelMask     = 1<<10 - 1
	endianLittle     = 2
	endianBig        = 3
)

// hwcapsDir is a glibc-hwcaps subdirectory name seen while adding
// directories; index is its place among the used ones, sorted by name.
type hwcapsDir struct {
	name  string
	used  bool
	index uint32
}

// cacheEntry is one library of the cache.
type cacheEntry struct {
	lib    string // soname
	path   string // directory/file
	flags  int32
	isa    uint32
	hwcaps *hwcapsDir
}

// cache collects the entries, in ldconfig's order, and the strings.
type cache struct {
	signedChar bool
	entries    []*cacheEntry
	strs       map[string]bool
	hwcaps     map[string]*hwcapsDir
	// linear makes add scan the list as ldconfig does instead of
	// searching it, needed once a soname has a digit run that can wrap.
	linear bool
}

func newCache(signedChar bool) *cache {
	return &cache{signedChar: signedChar, strs: map[string]bool{}, hwcaps: map[string]*hwcapsDir{}}
}

// hwcapsSubdir interns a glibc-hwcaps subdirectory name, as
// new_glibc_hwcaps_subdirectory does: the name goes into the string
// table even when no library is found there.
func (c *cache) hwcapsSubdir(name string) *hwcapsDir {
	c.strs[name] = true
	if h, ok := c.hwcaps[name]; ok {
		return h
	}
	h := &hwcapsDir{name: name}
	c.hwcaps[name] = h
	return h
}

// compare is cache.c's compare: sonames in descending libcmp order, then
// higher flags first, then glibc-hwcaps entries (by subdirectory name)
// before the others.
func (c *cache) compare(e1, e2 *cacheEntry) int32 {
	res := libcmp(e2.lib, e1.lib, c.signedChar)
	if res != 0 {
		return res
	}
	switch {
	case e1.flags < e2.flags:
		return 1
	case e1.flags > e2.flags:
		return -1
	case e1.hwcaps != nil && e2.hwcaps == nil:
		return -1
	case e1.hwcaps == nil && e2.hwcaps != nil:
		return 1
	case e1.hwcaps != nil:
		return int32(strings.Compare(e1.hwcaps.name, e2.hwcaps.name))
	}
	return 0
}

// add inserts e before the first entry that compares greater than it, as
// add_to_cache does (so that equal entries keep their order of arrival).
func (c *cache) add(e *cacheEntry) {
	c.strs[e.lib] = true
	c.strs[e.path] = true
	if e.hwcaps != nil {
		e.hwcaps.used = true
	}
	if longDigits(e.lib) {
		c.linear = true
	}
	var i int
	if c.linear {
		for i < len(c.entries) && c.compare(c.entries[i], e) <= 0 {
			i++
		}
	} else {
		i = sort.Search(len(c.entries), func(k int) bool { return c.compare(c.entries[k], e) > 0 })
	}
	c.entries = slices.Insert(c.entries, i, e)
}

// stringTable is the finalized string table: offsets and bytes.
type stringTable struct {
	offset map[string]uint32
	data   []byte
}

// finalize lays the strings out as stringtable_finalize does: sorted by
// their reversed bytes, in descending order, each string that ends the
// one before it sharing its tail.
func finalize(strs map[string]bool) (*stringTable, error) {
	all := make([]string, 0, len(strs))
	for s := range strs {
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b string) int { return -compareReversed(a, b) })
	t := &stringTable{offset: make(map[string]uint32, len(all))}
	var size uint64
	for i, s := range all {
		off := size
		if i > 0 && strings.HasSuffix(all[i-1], s) {
			off = uint64(t.offset[all[i-1]]) + uint64(len(all[i-1])-len(s))
		} else {
			size += uint64(len(s)) + 1
		}
		if size > math.MaxUint32 {
			return nil, errors.New("string table is too large")
		}
		t.offset[s] = uint32(off)
	}
	t.data = make([]byte, size)
	for _, s := range all {
		copy(t.data[t.offset[s]:], s)
	}
	return t, nil
}

// compareReversed compares a and b read from their ends, bytes unsigned,
// a string that ends the other sorting before it.
func compareReversed(a, b string) int {
	for i := 1; i <= min(len(a), len(b)); i++ {
		if ca, cb := a[len(a)-i], b[len(b)-i]; ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// marshal writes the cache file in the new format, in the byte order of a,
// with the extension directory (generator string and, if any library is in
// a glibc-hwcaps subdirectory, the sorted subdirectory names).
func (c *cache) marshal(a *arch, generator string) ([]byte, error) {
	used := c.assignHwcaps()
	st, err := finalize(c.strs)
	if err != nil {
		return nil, err
	}
	strOff := uint64(headerSize + entrySize*len(c.entries))
	extOff := alignUp(strOff+uint64(len(st.data)), 4)
	total := extOff + extensionHeader + 2*extensionSection + 4*uint64(len(used)) + uint64(len(generator))
	if total > math.MaxUint32 || uint64(len(c.entries)) > math.MaxUint32 {
		return nil, errors.New("cache is too large")
	}
	w := &writer{order: a.order}
	c.header(w, a, uint32(len(st.data)), uint32(extOff))
	for _, e := range c.entries {
		if err := c.entry(w, e, st, uint32(strOff)); err != nil {
			return nil, err
		}
	}
	w.buf.Write(st.data)
	w.buf.Write(make([]byte, extOff-uint64(w.buf.Len())))
	c.extensions(w, used, st, uint32(strOff), uint32(extOff), generator)
	return w.buf.Bytes(), nil
}

// assignHwcaps numbers the used glibc-hwcaps subdirectories in name
// order and returns them in that order.
func (c *cache) assignHwcaps() []*hwcapsDir {
	var used []*hwcapsDir
	for _, h := range c.hwcaps {
		if h.used {
			used = append(used, h)
		}
	}
	slices.SortFunc(used, func(x, y *hwcapsDir) int { return strings.Compare(x.name, y.name) })
	for i, h := range used {
		h.index = uint32(i)
	}
	return used
}

func (c *cache) header(w *writer, a *arch, lenStrings, extOff uint32) {
	w.buf.WriteString(cacheMagic)
	w.u32(uint32(len(c.entries)))
	w.u32(lenStrings)
	endian := byte(endianLittle)
	if a.order.Uint16([]byte{0, 1}) == 1 {
		endian = endianBig
	}
	w.buf.Write([]byte{endian, 0, 0, 0})
	w.u32(extOff)
	w.buf.Write(make([]byte, 12))
}

func (c *cache) entry(w *writer, e *cacheEntry, st *stringTable, strOff uint32) error {
	var hwcap uint64
	if e.hwcaps != nil {
		if e.isa > isaLevelMask {
			return errors.New(e.path + ": ISA level is too high")
		}
		hwcap = hwcapExtension | uint64(e.isa)<<32 | uint64(e.hwcaps.index)
	}
	w.u32(uint32(e.flags))
	w.u32(strOff + st.offset[e.lib])
	w.u32(strOff + st.offset[e.path])
	w.u32(0) // osversion_unused
	w.u64(hwcap)
	return nil
}

// extensions writes the extension directory and its sections as
// write_extensions does: the directory is sized for every known section,
// the generator string follows the hwcaps array.
func (c *cache) extensions(w *writer, used []*hwcapsDir, st *stringTable, strOff, extOff uint32, generator string) {
	hwcapsOff := extOff + extensionHeader + 2*extensionSection
	genOff := hwcapsOff + 4*uint32(len(used))
	count := uint32(2)
	if len(used) == 0 {
		genOff -= extensionSection
		count = 1
	}
	w.u32(extensionMagic)
	w.u32(count)
	w.section(tagGenerator, genOff, uint32(len(generator)))
	if len(used) > 0 {
		w.section(tagGlibcHwcaps, hwcapsOff, 4*uint32(len(used)))
	}
	for _, h := range used {
		w.u32(strOff + st.offset[h.name])
	}
	w.buf.WriteString(generator)
}

// writer appends fixed-size fields in one byte order.
type writer struct {
	buf   bytes.Buffer
	order byteOrder
}

func (w *writer) u32(v uint32) { w.buf.Write(w.order.AppendUint32(nil, v)) }
func (w *writer) u64(v uint64) { w.buf.Write(w.order.AppendUint64(nil, v)) }

func (w *writer) section(tag, off, size uint32) {
	w.u32(tag)
	w.u32(0) // flags
	w.u32(off)
	w.u32(size)
}
