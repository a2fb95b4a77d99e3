package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// The subset of BuildKit's client.SolveStatus that --progress=rawjson
// prints, one JSON document per line.
type solveStatus struct {
	Vertexes []struct {
		Digest    string     `json:"digest"`
		Name      string     `json:"name"`
		Started   *time.Time `json:"started"`
		Completed *time.Time `json:"completed"`
		Cached    bool       `json:"cached"`
		Error     string     `json:"error"`
	} `json:"vertexes"`
	Logs []struct {
		Vertex string `json:"vertex"`
	} `json:"logs"`
}

type vertex struct {
	name      string
	cached    bool
	errored   bool
	logs      int
	intervals map[time.Time]time.Time // started -> completed (zero while running)
}

func (v *vertex) first() time.Time {
	var t time.Time
	for s := range v.intervals {
		if t.IsZero() || s.Before(t) {
			t = s
		}
	}
	return t
}

func (v *vertex) last() time.Time {
	var t time.Time
	for _, e := range v.intervals {
		if e.After(t) {
			t = e
		}
	}
	return t
}

// busy is the sum of the vertex's intervals.
func (v *vertex) busy() time.Duration {
	var d time.Duration
	for s, e := range v.intervals {
		if !e.IsZero() {
			d += e.Sub(s)
		}
	}
	return d
}

// progressCmd summarises a rawjson progress stream as shell assignments.
func progressCmd(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: benchtool progress FILE")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	vs := map[string]*vertex{}
	var order []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var st solveStatus
		if err := json.Unmarshal(line, &st); err != nil {
			continue
		}
		for _, x := range st.Vertexes {
			v := vs[x.Digest]
			if v == nil {
				v = &vertex{intervals: map[time.Time]time.Time{}}
				vs[x.Digest] = v
				order = append(order, x.Digest)
			}
			// "fetch perl 5.40 from <url>": keep the package, not the
			// mirror, in what is reported.
			v.name, _, _ = strings.Cut(x.Name, " from http")
			v.cached = v.cached || x.Cached
			v.errored = v.errored || x.Error != ""
			if x.Started != nil {
				e := v.intervals[*x.Started]
				if x.Completed != nil {
					e = *x.Completed
				}
				v.intervals[*x.Started] = e
			}
		}
		for _, l := range st.Logs {
			if v := vs[l.Vertex]; v != nil {
				v.logs++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}

	var (
		fetchRun, fetchCached, extractRun, extractCached, extractLoaded int
		extractOpsRun                                                   int
		ran                                                             []string
		begin, end, feReady, firstDistro, indexEnd, firstFetch          time.Time
		fetchEnd, exStart, exEnd                                        time.Time
	)
	minT := func(a *time.Time, t time.Time) {
		if !t.IsZero() && (a.IsZero() || t.Before(*a)) {
			*a = t
		}
	}
	maxT := func(a *time.Time, t time.Time) {
		if t.After(*a) {
			*a = t
		}
	}
	for _, d := range order {
		v := vs[d]
		minT(&begin, v.first())
		maxT(&end, v.last())
		switch {
		case strings.HasPrefix(v.name, "docker-image://") && strings.Contains(v.name, "distrofile"):
			maxT(&feReady, v.last())
		case strings.HasPrefix(v.name, "[distrofile] fetch "), strings.HasPrefix(v.name, "[distrofile] load "):
			minT(&firstDistro, v.first())
			maxT(&indexEnd, v.last())
		case strings.HasPrefix(v.name, "[distrofile] "):
			minT(&firstDistro, v.first())
		case strings.HasPrefix(v.name, "fetch "):
			minT(&firstFetch, v.first())
			// A checksummed HTTP source shows one instant interval for
			// its cache key; a download is a second interval.
			if !v.cached && len(v.intervals) >= 2 {
				maxT(&fetchEnd, v.last())
				fetchRun++
				ran = append(ran, v.name)
			} else {
				fetchCached++
			}
		case strings.HasPrefix(v.name, "extract "):
			// "extract a 1, b 2": one ExecOp extracts the packages of a
			// source, or a few small ones; the counts are of packages.
			n := strings.Count(v.name, ", ") + 1
			// The helper prints a summary line when it runs.
			switch {
			case v.logs > 0:
				minT(&exStart, v.first())
				maxT(&exEnd, v.last())
				extractRun += n
				extractOpsRun++
				ran = append(ran, v.name)
			case v.cached:
				extractCached += n
			default:
				extractLoaded += n // not run, not marked cached: loaded from an imported cache
			}
		}
	}
	secs := func(a, b time.Time) string {
		if a.IsZero() || b.IsZero() {
			return "n/a"
		}
		return fmt.Sprintf("%.3f", b.Sub(a).Seconds())
	}
	fmt.Printf("fetch_run=%d\nfetch_cached=%d\n", fetchRun, fetchCached)
	fmt.Printf("extract_run=%d\nextract_cached=%d\nextract_loaded=%d\nextract_ops_run=%d\n", extractRun, extractCached, extractLoaded, extractOpsRun)
	fmt.Printf("ran=%q\n", strings.Join(ran, "; "))
	fmt.Printf("span=%s\n", secs(begin, end))
	// The frontend's own time: from its image being ready to the first
	// package vertex it returned being solved. Split into the container's
	// start (to its first own vertex), the archive metadata (InRelease and
	// Packages fetches, or the lock file) and resolving plus LLB generation.
	fmt.Printf("frontend=%s\n", secs(feReady, firstFetch))
	fmt.Printf("fe_start=%s\n", secs(feReady, firstDistro))
	fmt.Printf("fe_index=%s\n", secs(firstDistro, indexEnd))
	fmt.Printf("fe_resolve=%s\n", secs(indexEnd, firstFetch))
	fmt.Printf("after_frontend=%s\n", secs(firstFetch, end))
	// Downloads: first package vertex to the last download's end;
	// extractions: first to last helper run.
	fmt.Printf("fetch_phase=%s\n", secs(firstFetch, fetchEnd))
	fmt.Printf("extract_phase=%s\n", secs(exStart, exEnd))

	// The slowest vertices by busy time.
	sort.SliceStable(order, func(i, j int) bool { return vs[order[i]].busy() > vs[order[j]].busy() })
	var top []string
	for _, d := range order {
		if len(top) == 6 {
			break
		}
		if b := vs[d].busy(); b > 0 {
			top = append(top, fmt.Sprintf("%s %.2fs", vs[d].name, b.Seconds()))
		}
	}
	fmt.Printf("slowest=%q\n", strings.Join(top, "; "))
	return nil
}
