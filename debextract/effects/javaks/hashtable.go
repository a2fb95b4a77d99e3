package javaks

import "unicode/utf16"

// hashtable reproduces the iteration order of a java.util.Hashtable made
// with "new Hashtable<>()" (capacity 11, load factor 0.75), the map in
// which JavaKeyStore keeps its entries and whose keys() enumeration
// decides the order of the entries in the file. It holds indexes into the
// caller's slice of values.
type hashtable struct {
	// buckets are chains, head first, of entries.
	buckets   [][]*htEntry
	count     int
	threshold int
}

type htEntry struct {
	hash int32
	key  string
	val  int
}

func newHashtable() *hashtable {
	const capacity = 11
	return &hashtable{buckets: make([][]*htEntry, capacity), threshold: threshold(capacity)}
}

// threshold is (int)(capacity * 0.75f), exact for any capacity used here.
func threshold(capacity int) int { return capacity * 3 / 4 }

// javaHash is String.hashCode: s[0]*31^(n-1) + … + s[n-1] over the UTF-16
// code units, in 32-bit arithmetic.
func javaHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}

func (t *hashtable) index(hash int32) int {
	return int(hash&0x7fffffff) % len(t.buckets)
}

// put is Hashtable.put: an existing key keeps its place and takes the new
// value; a new key goes to the head of its bucket's chain, after a rehash
// when the table is full.
func (t *hashtable) put(key string, val int) {
	h := javaHash(key)
	for _, e := range t.buckets[t.index(h)] {
		if e.hash == h && e.key == key {
			e.val = val
			return
		}
	}
	if t.count >= t.threshold {
		t.rehash()
	}
	i := t.index(h)
	t.buckets[i] = prepend(t.buckets[i], &htEntry{hash: h, key: key, val: val})
	t.count++
}

// remove is Hashtable.remove.
func (t *hashtable) remove(key string) bool {
	h := javaHash(key)
	i := t.index(h)
	for j, e := range t.buckets[i] {
		if e.hash == h && e.key == key {
			t.buckets[i] = append(t.buckets[i][:j:j], t.buckets[i][j+1:]...)
			t.count--
			return true
		}
	}
	return false
}

// rehash is Hashtable.rehash: capacity 2n+1, the old buckets walked from
// the last, each chain from its head, every entry moved to the head of
// its new chain.
func (t *hashtable) rehash() {
	old := t.buckets
	t.buckets = make([][]*htEntry, 2*len(old)+1)
	t.threshold = threshold(len(t.buckets))
	for i := len(old) - 1; i >= 0; i-- {
		for _, e := range old[i] {
			j := t.index(e.hash)
			t.buckets[j] = prepend(t.buckets[j], e)
		}
	}
}

// values returns the values in the order of Hashtable.keys(): buckets
// from the last to the first, each chain from its head.
func (t *hashtable) values() []int {
	var vs []int
	for i := len(t.buckets) - 1; i >= 0; i-- {
		for _, e := range t.buckets[i] {
			vs = append(vs, e.val)
		}
	}
	return vs
}

func prepend(chain []*htEntry, e *htEntry) []*htEntry {
	return append([]*htEntry{e}, chain...)
}
