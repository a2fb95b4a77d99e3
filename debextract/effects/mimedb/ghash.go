package mimedb

// strTable is GLib's GHashTable with g_str_hash and g_str_equal, as
// update-mime-database uses it: several of its files are written in the
// order g_hash_table_foreach visits a table (subclasses, icons,
// generic-icons, the order of equal-weight globs, mime.cache's string
// pool and suffix tree), which is the order of the table's buckets. This
// is GLib 2.84's open addressing (ghash.c): a bucket is (hash*11) mod a
// prime, probing is quadratic modulo the power-of-two size, and the table
// grows in place when it fills. Nothing is ever removed from these
// tables, so tombstones never occur.
type strTable[V any] struct {
	size, mod, mask  uint32
	nnodes, occupied int
	hashes           []uint32
	keys             []string
	values           []V
}

// primeMod is ghash.c's prime_mod: the first prime below each power of two.
var primeMod = [...]uint32{1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381,
	32749, 65521, 131071, 262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213,
	33554393, 67108859, 134217689, 268435399, 536870909, 1073741789, 2147483647}

const minShift = 3

func newStrTable[V any]() *strTable[V] {
	t := &strTable[V]{}
	t.setShift(minShift)
	t.hashes = make([]uint32, t.size)
	t.keys = make([]string, t.size)
	t.values = make([]V, t.size)
	return t
}

func (t *strTable[V]) setShift(shift int) {
	t.size = 1 << shift
	t.mod = primeMod[shift]
	t.mask = t.size - 1
}

// strHash is g_str_hash: djb2 over signed chars.
func strHash(s string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(s); i++ {
		h = h<<5 + h + uint32(int32(int8(s[i])))
	}
	return h
}

func (t *strTable[V]) lookupNode(key string) (uint32, uint32) {
	h := strHash(key)
	if h <= 1 {
		h = 2
	}
	i := (h * 11) % t.mod
	step := uint32(0)
	for t.hashes[i] != 0 {
		if t.hashes[i] == h && t.keys[i] == key {
			return i, h
		}
		step++
		i = (i + step) & t.mask
	}
	return i, h
}

// get is g_hash_table_lookup.
func (t *strTable[V]) get(key string) (V, bool) {
	i, _ := t.lookupNode(key)
	if t.hashes[i] == 0 {
		var zero V
		return zero, false
	}
	return t.values[i], true
}

// insert is g_hash_table_insert: an existing key keeps its place and
// takes the new value.
func (t *strTable[V]) insert(key string, v V) {
	i, h := t.lookupNode(key)
	if t.hashes[i] != 0 {
		t.values[i] = v
		return
	}
	t.hashes[i] = h
	t.keys[i] = key
	t.values[i] = v
	t.nnodes++
	t.occupied++
	t.maybeResize()
}

// each is g_hash_table_foreach: fn may replace the value of the key it
// is given (set), as write_strings does.
func (t *strTable[V]) each(fn func(key string, v V)) {
	for i := uint32(0); i < t.size; i++ {
		if t.hashes[i] > 1 {
			fn(t.keys[i], t.values[i])
		}
	}
}

func (t *strTable[V]) maybeResize() {
	size := int(t.size)
	if (size > t.nnodes*4 && size > 1<<minShift) || size <= t.occupied+t.occupied/16 {
		t.resize()
	}
}

// resize is g_hash_table_resize: the buckets are moved in place, each
// evicting the one it lands on, with a bitmap of the buckets already
// placed.
func (t *strTable[V]) resize() {
	oldSize := t.size
	shift := 0
	for n := int(float64(t.nnodes) * 1.333); n != 0; n >>= 1 {
		shift++
	}
	t.setShift(max(shift, minShift))
	if t.size > oldSize {
		t.hashes = append(t.hashes, make([]uint32, t.size-oldSize)...)
		t.keys = append(t.keys, make([]string, t.size-oldSize)...)
		t.values = append(t.values, make([]V, t.size-oldSize)...)
	}
	placed := make([]bool, max(t.size, oldSize))
	for i := uint32(0); i < oldSize; i++ {
		h := t.hashes[i]
		if h <= 1 {
			t.hashes[i] = 0
			continue
		}
		if placed[i] {
			continue
		}
		t.hashes[i] = 0
		key, val := t.keys[i], t.values[i]
		var zk string
		var zv V
		t.keys[i], t.values[i] = zk, zv
		for {
			j := (h * 11) % t.mod
			step := uint32(0)
			for placed[j] {
				step++
				j = (j + step) & t.mask
			}
			placed[j] = true
			replaced := t.hashes[j]
			t.hashes[j] = h
			if replaced <= 1 {
				t.keys[j], t.values[j] = key, val
				break
			}
			h = replaced
			key, t.keys[j] = t.keys[j], key
			val, t.values[j] = t.values[j], val
		}
	}
	if t.size < oldSize {
		t.hashes = t.hashes[:t.size]
		t.keys = t.keys[:t.size]
		t.values = t.values[:t.size]
	}
	t.occupied = t.nnodes
}
