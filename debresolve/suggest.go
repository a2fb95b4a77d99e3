package debresolve

// suggestion is a candidate name for "did you mean".
type suggestion struct {
	name string
	dist int
	rank int // Priority rank of the real package (0 for virtual names)
}

// suggest returns the known package or virtual name closest to name by edit
// distance, or "" when nothing is close enough. Ties prefer packages with a
// higher Priority (base packages are more likely meant), then a longer
// common prefix, then a closer length, then alphabetical order.
//
// It is not BuildKit's util/suggest, which the Distrofile language uses for
// its dozen instruction names: over the 60,000 names of an archive it
// stops each distance at the best so far, reuses one row, and ranks ties
// by Priority.
func (r *resolver) suggest(name string) string {
	maxDist := len(name) / 3
	if maxDist < 2 {
		maxDist = 2
	}
	best := suggestion{dist: maxDist + 1}
	seen := map[string]bool{}
	var row []int
	for _, x := range r.indexes {
		x.names(func(n string, p *Package) {
			if n == name {
				return
			}
			if seen[n] {
				return
			}
			seen[n] = true
			if abs(len(n)-len(name)) > best.dist {
				return
			}
			c := suggestion{name: n, dist: editDistance(name, n, best.dist, &row)}
			if c.dist > best.dist {
				return
			}
			for q := p; q != nil; q = q.nextSame {
				c.rank = max(c.rank, priorityRank(q.Priority))
			}
			if better(c, best, name) {
				best = c
			}
		})
	}
	if best.dist > maxDist {
		return ""
	}
	return best.name
}

// better reports whether suggestion a beats b for the misspelt name.
func better(a, b suggestion, name string) bool {
	if b.name == "" || a.dist != b.dist {
		return a.dist < b.dist
	}
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if pa, pb := commonPrefix(a.name, name), commonPrefix(b.name, name); pa != pb {
		return pa > pb
	}
	if da, db := abs(len(a.name)-len(name)), abs(len(b.name)-len(name)); da != db {
		return da < db
	}
	return a.name < b.name
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && lower(a[n]) == lower(b[n]) {
		n++
	}
	return n
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Levenshtein distance between a and b (bytes, ASCII
// case-insensitive); it returns limit+1 as soon as the distance is known to
// exceed limit.
func editDistance(a, b string, limit int, rowp *[]int) int {
	if cap(*rowp) < len(b)+1 {
		*rowp = make([]int, len(b)+1)
	}
	row := (*rowp)[:len(b)+1]
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		rowMin := row[0]
		ca := lower(a[i-1])
		for j := 1; j <= len(b); j++ {
			cost := 1
			if ca == lower(b[j-1]) {
				cost = 0
			}
			v := min(row[j]+1, row[j-1]+1, prev+cost)
			prev = row[j]
			row[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > limit {
			return limit + 1
		}
	}
	if row[len(b)] > limit {
		return limit + 1
	}
	return row[len(b)]
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
