package fidelity

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteSummary writes one Markdown table row per report: effects present
// of total, content that differs, users and groups present of total, and
// the score.
func WriteSummary(w io.Writer, reports []*Report) error {
	var b strings.Builder
	b.WriteString("| set | arch | effects present/total | of which content differs | owner/mode differs | users present/total | groups present/total | score |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range reports {
		s := r.Summary
		fmt.Fprintf(&b, "| %s | %s | %d/%d | %d | %d | %d/%d | %d/%d | %.2f |\n", r.Set, r.Arch,
			s.Present, s.Effects, s.ContentDiffers, s.OwnerDiffers, s.UsersPresent, s.Users, s.GroupsPresent, s.Groups, s.Score())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// collapseAbove is the size above which WriteDetails writes a group of
// results with the same package, mechanism and status as one row.
const collapseAbove = 10

// WriteDetails writes a report's effects in Markdown: those not identical
// in the image (every one, with all set to true) with their origin, the
// users and groups, and what the exclusions dropped. Without all, more
// than collapseAbove results of one package, mechanism and status (the
// byte-compiled files of python3, the alternatives of a PostgreSQL client)
// are one row that counts them and names their common directory and a few
// examples; the JSON has every one.
func WriteDetails(w io.Writer, r *Report, all bool) error {
	var b strings.Builder
	s := r.Summary
	fmt.Fprintf(&b, "### %s (%s)\n\n", r.Set, r.Arch)
	fmt.Fprintf(&b, "effects %d/%d present (%d with other content, %d with another owner or mode); users %d/%d; groups %d/%d\n\n",
		s.Present, s.Effects, s.ContentDiffers, s.OwnerDiffers, s.UsersPresent, s.Users, s.GroupsPresent, s.Groups)
	writeMechanisms(&b, r)
	rows := r.NotIdentical()
	title := "missing, or present with other content or owner"
	if all {
		rows, title = r.Paths, "all effects"
	}
	if len(rows) > 0 {
		fmt.Fprintf(&b, "%s:\n\n| path | kind | change | owner mode | status | origin | evidence |\n|---|---|---|---|---|---|---|\n", title)
		for _, g := range groupResults(rows, all) {
			if len(g) == 1 {
				writeResult(&b, g[0])
			} else {
				writeGroup(&b, g)
			}
		}
		b.WriteString("\n")
	}
	writeAccounts(&b, "users", r.Users)
	writeAccounts(&b, "groups", r.Groups)
	writeExcluded(&b, r.Excluded)
	_, err := io.WriteString(w, b.String())
	return err
}

// groupResults returns the results in path order, as groups of one, or
// (unless all) with the results of a large group of one package,
// mechanism and status together where its first one was.
func groupResults(rows []PathResult, all bool) [][]PathResult {
	key := func(p PathResult) string {
		return p.Origin.Package + "\x00" + p.Origin.Mechanism + "\x00" + string(p.Status)
	}
	size := map[string]int{}
	for _, p := range rows {
		size[key(p)]++
	}
	var out [][]PathResult
	at := map[string]int{}
	for _, p := range rows {
		k := key(p)
		if all || size[k] <= collapseAbove {
			out = append(out, []PathResult{p})
			continue
		}
		if i, ok := at[k]; ok {
			out[i] = append(out[i], p)
			continue
		}
		at[k] = len(out)
		out = append(out, []PathResult{p})
	}
	return out
}

func writeResult(b *strings.Builder, p PathResult) {
	kind := string(p.Kind)
	if p.Kind == Symlink {
		kind += " → " + p.Target
	}
	status := string(p.Status)
	if p.Image != "" {
		status += " (image: " + p.Image + ")"
	}
	fmt.Fprintf(b, "| `%s` | %s | %s | %s %s | %s | %s | %s |\n", p.Path, cell(kind), p.Change, p.Owner, p.Mode,
		cell(status), cell(p.Origin.String()), cell(p.Origin.Detail))
}

// writeGroup writes a group of results as one row: how many, under which
// directory, of which kinds, and three examples.
func writeGroup(b *strings.Builder, g []PathResult) {
	prefix := g[0].Path
	kinds := map[string]int{}
	for _, p := range g {
		for !strings.HasPrefix(p.Path, prefix+"/") && prefix != "" {
			prefix = prefix[:strings.LastIndex(prefix, "/")]
		}
		kinds[string(p.Kind)]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(ks)
	var ex []string
	for _, p := range g[:3] {
		ex = append(ex, "`"+p.Path+"`")
	}
	fmt.Fprintf(b, "| %d paths under `%s/` | %s | %s | | %s | %s | e.g. %s |\n", len(g), prefix, strings.Join(ks, ", "),
		g[0].Change, cell(string(g[0].Status)), cell(g[0].Origin.Package+": "+g[0].Origin.Mechanism), strings.Join(ex, ", "))
}

// MechanismCount is how many effects of a report one mechanism accounts
// for, and how many of them the image lacks.
type MechanismCount struct {
	Mechanism      string
	Total, Missing int
}

// Mechanisms counts a report's path effects by the mechanism of their
// origin, most missing first.
func (r *Report) Mechanisms() []MechanismCount {
	by := map[string]*MechanismCount{}
	for _, p := range r.Paths {
		m := by[p.Origin.Mechanism]
		if m == nil {
			m = &MechanismCount{Mechanism: p.Origin.Mechanism}
			by[p.Origin.Mechanism] = m
		}
		m.Total++
		if !p.Status.Counts() {
			m.Missing++
		}
	}
	out := make([]MechanismCount, 0, len(by))
	for _, m := range by {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Missing != out[j].Missing {
			return out[i].Missing > out[j].Missing
		}
		return out[i].Mechanism < out[j].Mechanism
	})
	return out
}

func writeMechanisms(b *strings.Builder, r *Report) {
	ms := r.Mechanisms()
	if len(ms) == 0 {
		return
	}
	b.WriteString("by mechanism (missing/total):")
	for _, m := range ms {
		fmt.Fprintf(b, " %s %d/%d;", m.Mechanism, m.Missing, m.Total)
	}
	b.WriteString("\n\n")
}

func writeAccounts(b *strings.Builder, title string, accts []AccountResult) {
	if len(accts) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n\n| name | id | home | present | origin | evidence |\n|---|---|---|---|---|---|\n", title)
	for _, a := range accts {
		fmt.Fprintf(b, "| %s | %d | %s | %v | %s | %s |\n", a.Name, a.ID, a.Home, a.Present, cell(a.Origin.String()), cell(a.Origin.Detail))
	}
	b.WriteString("\n")
}

func writeExcluded(b *strings.Builder, excl map[string]int) {
	if len(excl) == 0 {
		return
	}
	keys := make([]string, 0, len(excl))
	for k := range excl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("excluded:")
	for _, k := range keys {
		fmt.Fprintf(b, " `%s` %d;", k, excl[k])
	}
	b.WriteString("\n\n")
}

// cell makes s safe in a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:157] + "…"
	}
	return s
}

// WriteJSON writes the reports as indented JSON.
func WriteJSON(w io.Writer, reports []*Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reports)
}

// WriteMarkdown writes a results file: the header, the summary table and
// each report's details (every effect with all, else the missing ones).
func WriteMarkdown(w io.Writer, header string, reports []*Report, all bool) error {
	if _, err := io.WriteString(w, header+"\n\n"); err != nil {
		return err
	}
	if err := WriteSummary(w, reports); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	for _, r := range reports {
		if err := WriteDetails(w, r, all); err != nil {
			return err
		}
	}
	return nil
}
