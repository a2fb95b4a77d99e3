package debtest

import (
	"math/bits"
	"sort"
)

// bzip2Compress returns data compressed in the bzip2 format.
//
// The standard library only has a bzip2 decoder, and data.tar.bz2 members
// must be produced for tests, so this is a deliberately small encoder:
// RLE1, a prefix-doubling BWT, MTF/RLE2 and a fixed-length (but complete)
// Huffman code. It trades compression ratio for brevity; the output is a
// valid bzip2 stream that any decoder accepts.
func bzip2Compress(data []byte) []byte {
	w := &bitWriter{}
	w.bytes([]byte("BZh9"))
	var combined uint32
	// Reference bzip2 uses 100000*level-19 as the largest block after
	// RLE1; one RLE1 run emits at most 5 bytes, so stop a little earlier.
	const maxBlock = 900000 - 19 - 5
	for len(data) > 0 {
		block, consumed := rle1(data, maxBlock)
		crc := bzip2CRC(data[:consumed])
		combined = (combined<<1 | combined>>31) ^ crc
		writeBzip2Block(w, block, crc)
		data = data[consumed:]
	}
	w.bits(0x177245, 24)
	w.bits(0x385090, 24)
	w.bits(uint64(combined), 32)
	return w.flush()
}

// rle1 applies bzip2's initial run-length encoding to a prefix of data,
// producing at most about max bytes, and reports how much input it used.
func rle1(data []byte, max int) (out []byte, consumed int) {
	i := 0
	for i < len(data) && len(out) < max {
		b := data[i]
		run := 1
		for i+run < len(data) && data[i+run] == b && run < 255 {
			run++
		}
		if run < 4 {
			for j := 0; j < run; j++ {
				out = append(out, b)
			}
		} else {
			out = append(out, b, b, b, b, byte(run-4))
		}
		i += run
	}
	return out, i
}

func writeBzip2Block(w *bitWriter, block []byte, crc uint32) {
	last, origPtr := bwt(block)

	var inUse [256]bool
	for _, b := range block {
		inUse[b] = true
	}
	var mtf []byte
	for i := 0; i < 256; i++ {
		if inUse[i] {
			mtf = append(mtf, byte(i))
		}
	}
	numInUse := len(mtf)
	alphaSize := numInUse + 2
	eob := uint16(numInUse + 1)

	// MTF and RLE2 (zero runs as bijective base-2 RUNA/RUNB digits).
	var syms []uint16
	zeros := 0
	flushZeros := func() {
		for zeros > 0 {
			if zeros&1 == 1 {
				syms = append(syms, 0)
				zeros = (zeros - 1) / 2
			} else {
				syms = append(syms, 1)
				zeros = (zeros - 2) / 2
			}
		}
	}
	for _, b := range last {
		j := 0
		for mtf[j] != b {
			j++
		}
		copy(mtf[1:j+1], mtf[:j])
		mtf[0] = b
		if j == 0 {
			zeros++
			continue
		}
		flushZeros()
		syms = append(syms, uint16(j+1))
	}
	flushZeros()
	syms = append(syms, eob)

	// A complete prefix code with lengths L-1 and L.
	l := bits.Len(uint(alphaSize - 1))
	short := (1 << l) - alphaSize
	lengths := make([]int, alphaSize)
	for i := range lengths {
		if i < short {
			lengths[i] = l - 1
		} else {
			lengths[i] = l
		}
	}
	// Canonical code assignment as in the reference implementation.
	codes := make([]uint64, alphaSize)
	vec := uint64(0)
	for n := 1; n <= l; n++ {
		for i, ln := range lengths {
			if ln == n {
				codes[i] = vec
				vec++
			}
		}
		vec <<= 1
	}

	w.bits(0x314159, 24)
	w.bits(0x265359, 24)
	w.bits(uint64(crc), 32)
	w.bits(0, 1) // not randomised
	w.bits(uint64(origPtr), 24)
	var ranges uint64
	for r := 0; r < 16; r++ {
		for s := 0; s < 16; s++ {
			if inUse[r*16+s] {
				ranges |= 1 << (15 - r)
				break
			}
		}
	}
	w.bits(ranges, 16)
	for r := 0; r < 16; r++ {
		if ranges&(1<<(15-r)) == 0 {
			continue
		}
		var m uint64
		for s := 0; s < 16; s++ {
			if inUse[r*16+s] {
				m |= 1 << (15 - s)
			}
		}
		w.bits(m, 16)
	}
	const nGroups = 2
	w.bits(nGroups, 3)
	nSelectors := (len(syms) + 49) / 50
	w.bits(uint64(nSelectors), 15)
	for i := 0; i < nSelectors; i++ {
		w.bits(0, 1) // always table 0: MTF index 0, unary "0"
	}
	for g := 0; g < nGroups; g++ {
		cur := lengths[0]
		w.bits(uint64(cur), 5)
		for _, ln := range lengths {
			for cur < ln {
				w.bits(2, 2)
				cur++
			}
			for cur > ln {
				w.bits(3, 2)
				cur--
			}
			w.bits(0, 1)
		}
	}
	for _, s := range syms {
		w.bits(codes[s], uint(lengths[s]))
	}
}

// bwt returns the last column of the sorted rotations of s and the row
// of s itself in that order.
func bwt(s []byte) ([]byte, int) {
	n := len(s)
	idx := make([]int, n)
	rank := make([]int, n)
	tmp := make([]int, n)
	for i := range idx {
		idx[i] = i
		rank[i] = int(s[i])
	}
	for k := 1; ; k *= 2 {
		key := func(i int) (int, int) { return rank[i], rank[(i+k)%n] }
		sort.Slice(idx, func(a, b int) bool {
			a1, a2 := key(idx[a])
			b1, b2 := key(idx[b])
			if a1 != b1 {
				return a1 < b1
			}
			return a2 < b2
		})
		tmp[idx[0]] = 0
		for i := 1; i < n; i++ {
			p1, p2 := key(idx[i-1])
			c1, c2 := key(idx[i])
			tmp[idx[i]] = tmp[idx[i-1]]
			if p1 != c1 || p2 != c2 {
				tmp[idx[i]]++
			}
		}
		copy(rank, tmp)
		if rank[idx[n-1]] == n-1 || k >= n {
			break
		}
	}
	last := make([]byte, n)
	orig := 0
	for i, p := range idx {
		last[i] = s[(p+n-1)%n]
		if p == 0 {
			orig = i
		}
	}
	return last, orig
}

var bzip2CRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func bzip2CRC(b []byte) uint32 {
	crc := ^uint32(0)
	for _, v := range b {
		crc = bzip2CRCTable[byte(crc>>24)^v] ^ crc<<8
	}
	return ^crc
}

// bitWriter packs bits most-significant first.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	for n > 0 {
		take := n
		if take > 32 {
			take = 32
		}
		n -= take
		w.acc = w.acc<<take | (v>>n)&(1<<take-1)
		w.nacc += take
		for w.nacc >= 8 {
			w.nacc -= 8
			w.out = append(w.out, byte(w.acc>>w.nacc))
		}
	}
}

func (w *bitWriter) bytes(b []byte) {
	for _, c := range b {
		w.bits(uint64(c), 8)
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc<<(8-w.nacc)))
		w.nacc = 0
	}
	return w.out
}
