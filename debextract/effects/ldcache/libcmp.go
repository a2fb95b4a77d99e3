package ldcache

// libcmp orders library names as glibc's _dl_cache_libcmp does: runs of
// digits compare as numbers (in a C int, wrapping as it does there), a
// digit sorts after any other character, other characters compare by
// value, as plain char of the architecture: signed on x86, MIPS and
// LoongArch, unsigned elsewhere. The sign of the result is what counts.
func libcmp(p1, p2 string, signedChar bool) int32 {
	i, j := 0, 0
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for at(p1, i) != 0 {
		c1, c2 := at(p1, i), at(p2, j)
		switch {
		case isDigit(c1) && isDigit(c2):
			var v1, v2 int32
			v1, i = number(p1, i)
			v2, j = number(p2, j)
			if v1 != v2 {
				return v1 - v2
			}
		case isDigit(c1):
			return 1
		case isDigit(c2):
			return -1
		case c1 != c2:
			return charValue(c1, signedChar) - charValue(c2, signedChar)
		default:
			i++
			j++
		}
	}
	return charValue(at(p1, i), signedChar) - charValue(at(p2, j), signedChar)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads the run of digits at s[i:] into a C int.
func number(s string, i int) (int32, int) {
	var v int32
	for ; i < len(s) && isDigit(s[i]); i++ {
		v = v*10 + int32(s[i]-'0')
	}
	return v, i
}

// charValue is c as a plain char of the architecture, promoted to int.
func charValue(c byte, signed bool) int32 {
	if signed {
		return int32(int8(c))
	}
	return int32(c)
}

// longDigits reports a run of ten or more digits, whose value can wrap in
// libcmp and so make its order inconsistent.
func longDigits(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if run++; run >= 10 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
