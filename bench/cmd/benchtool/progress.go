package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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
	Statuses []struct {
		ID        string     `json:"id"`
		Vertex    string     `json:"vertex"`
		Started   *time.Time `json:"started"`
		Completed *time.Time `json:"completed"`
	} `json:"statuses"`
	Logs []struct {
		Vertex string `json:"vertex"`
	} `json:"logs"`
}

// status is a progress item of a vertex ("exporting layers", "pushing
// layers", ...): its first start and last completion.
type status struct {
	id, vertex         string
	started, completed time.Time
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
	return summarizeProgress(f, os.Stdout)
}

// summarizeProgress reads a rawjson stream from r and writes the shell
// assignments to w.
func summarizeProgress(r io.Reader, w io.Writer) error {
	vs := map[string]*vertex{}
	var order []string
	sts := map[string]*status{}
	var stOrder []string
	sc := bufio.NewScanner(r)
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
		for _, x := range st.Statuses {
			k := x.Vertex + "\x00" + x.ID
			s := sts[k]
			if s == nil {
				s = &status{id: x.ID, vertex: x.Vertex}
				sts[k] = s
				stOrder = append(stOrder, k)
			}
			if x.Started != nil && (s.started.IsZero() || x.Started.Before(s.started)) {
				s.started = *x.Started
			}
			if x.Completed != nil && x.Completed.After(s.completed) {
				s.completed = *x.Completed
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
	fmt.Fprintf(w, "fetch_run=%d\nfetch_cached=%d\n", fetchRun, fetchCached)
	fmt.Fprintf(w, "extract_run=%d\nextract_cached=%d\nextract_loaded=%d\nextract_ops_run=%d\n", extractRun, extractCached, extractLoaded, extractOpsRun)
	fmt.Fprintf(w, "ran=%q\n", strings.Join(ran, "; "))
	fmt.Fprintf(w, "span=%s\n", secs(begin, end))
	// The frontend's own time: from its image being ready to the first
	// package vertex it returned being solved. Split into the container's
	// start (to its first own vertex), the archive metadata (InRelease and
	// Packages fetches, or the lock file) and resolving plus LLB generation.
	fmt.Fprintf(w, "frontend=%s\n", secs(feReady, firstFetch))
	fmt.Fprintf(w, "fe_start=%s\n", secs(feReady, firstDistro))
	fmt.Fprintf(w, "fe_index=%s\n", secs(firstDistro, indexEnd))
	fmt.Fprintf(w, "fe_resolve=%s\n", secs(indexEnd, firstFetch))
	fmt.Fprintf(w, "after_frontend=%s\n", secs(firstFetch, end))
	// Downloads: first package vertex to the last download's end;
	// extractions: first to last helper run.
	fmt.Fprintf(w, "fetch_phase=%s\n", secs(firstFetch, fetchEnd))
	fmt.Fprintf(w, "extract_phase=%s\n", secs(exStart, exEnd))

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
	fmt.Fprintf(w, "slowest=%q\n", strings.Join(top, "; "))

	// What was not cached, in the order the vertices started: every
	// vertex that ran (the exporter and the client's [internal] loads
	// included), and of those the ones that started a container. A
	// checksummed HTTP source (a package or an index) that only had its
	// cache key computed (one interval) did not run: it is left out.
	run := make([]string, 0, len(vs))
	for d, v := range vs {
		if v.cached || v.last().IsZero() {
			continue
		}
		if isHTTPSource(v.name) && len(v.intervals) < 2 {
			continue
		}
		run = append(run, d)
	}
	sort.SliceStable(run, func(i, j int) bool { return vs[run[i]].first().Before(vs[run[j]].first()) })
	var uncached, containers []string
	for _, d := range run {
		v := vs[d]
		n := fmt.Sprintf("%s %.2fs", short(v.name, 80), v.busy().Seconds())
		uncached = append(uncached, n)
		if isContainer(v.name) {
			containers = append(containers, n)
		}
	}
	fmt.Fprintf(w, "uncached_n=%d\nuncached=%s\n", len(uncached), shq(strings.Join(uncached, "; ")))
	fmt.Fprintf(w, "containers_n=%d\ncontainers=%s\n", len(containers), shq(strings.Join(containers, "; ")))

	// The exporter's progress items ("exporting layers", "pushing layers",
	// ...), under the vertices named "exporting to ...": where the export
	// and push time goes.
	exporter := map[string]bool{}
	var xBegin, xEnd time.Time
	for d, v := range vs {
		if strings.HasPrefix(v.name, "exporting to ") {
			exporter[d] = true
			minT(&xBegin, v.first())
			maxT(&xEnd, v.last())
		}
	}
	var items []string
	sum := map[string]time.Duration{}
	for _, k := range stOrder {
		s := sts[k]
		if !exporter[s.vertex] || s.started.IsZero() || s.completed.IsZero() {
			continue
		}
		d := s.completed.Sub(s.started)
		name := statusName(s.id)
		sum[name] += d
		items = append(items, fmt.Sprintf("%s %.2fs", name, d.Seconds()))
	}
	dur := func(name string) string {
		if d, ok := sum[name]; ok {
			return fmt.Sprintf("%.3f", d.Seconds())
		}
		return "n/a"
	}
	fmt.Fprintf(w, "export_total=%s\n", secs(xBegin, xEnd))
	fmt.Fprintf(w, "export_layers=%s\npush_layers=%s\npush_manifest=%s\n", dur("exporting layers"), dur("pushing layers"), dur("pushing manifest"))
	fmt.Fprintf(w, "export_items=%s\n", shq(strings.Join(items, "; ")))
	return nil
}

// shq quotes s for the shell (eval), whatever it holds.
func shq(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// short cuts s to n runes, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// statusName is a progress item's id without its digest or image
// reference: "pushing manifest for REF@sha256:..." is "pushing manifest".
func statusName(id string) string {
	for _, sep := range []string{" sha256:", " for ", " to "} {
		if i := strings.Index(id, sep); i >= 0 {
			id = id[:i]
		}
	}
	return id
}

// isHTTPSource says whether a vertex of that name is one of Distrofile's
// llb.HTTP sources: a package, or a Packages index of the resolve step.
func isHTTPSource(name string) bool {
	return strings.HasPrefix(name, "fetch ") || strings.HasPrefix(name, "[distrofile] index ")
}

// isContainer says whether a vertex of that name is an ExecOp, which
// starts a container when it runs: Dockerfile and Distrofile RUN lines,
// and the ExecOps Distrofile's LLB names (llbgen, frontend): package
// extractions and the C.utf8 locale's, DROP scans, the resolve step, the
// maintainer-scripts layer and the generated-files layer. (rawjson has no
// op types: a new ExecOp name of llbgen's has to be added here.)
func isContainer(name string) bool {
	if _, after, ok := strings.Cut(name, "] "); ok && strings.HasPrefix(name, "[") && strings.HasPrefix(after, "RUN ") {
		return true // a Dockerfile step: "[build 3/4] RUN ..."
	}
	for _, p := range []string{"RUN ", "extract ", "scan ", "[distrofile] resolve stage ", "[distrofile] maintainer scripts", "[distrofile] the C.utf8 locale"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "[distrofile] generated files" || name == "[distrofile] generated files and update-ca-certificates"
}
