package plan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/distrofile/distrofile/debextract"
	"github.com/distrofile/distrofile/debresolve"
	"github.com/klauspost/compress/gzip"
	"pault.ag/go/debian/changelog"
	"pault.ag/go/debian/version"
)

// Change is one package that differs between two locks: changed, added
// (Old empty) or removed (New empty).
type Change struct {
	Stage   string `json:"stage"`
	Arch    string `json:"arch"`
	Package string `json:"package"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	// Suite is the new version's suite, pocket included.
	Suite string `json:"suite,omitempty"`
	// IDs are the CVE, DSA and DLA ids the Debian changelog entries after
	// Old up to New name, in the order they first appear.
	IDs []string `json:"ids,omitempty"`
	// Note says why IDs could not be read, when they could not.
	Note string `json:"note,omitempty"`
}

// Changes lists what differs between the closures of two locks, by
// stage, architecture and package.
func Changes(old, cur *debresolve.Lock) []Change {
	var out []Change
	for _, ns := range cur.Stages {
		os := old.Stage(ns.Stage)
		for _, na := range ns.Archs {
			was := map[string]debresolve.LockPackage{}
			if os != nil {
				if oa := os.Arch(na.Arch); oa != nil {
					for _, p := range oa.Packages {
						was[p.Name] = p
					}
				}
			}
			for _, p := range na.Packages {
				o, ok := was[p.Name]
				delete(was, p.Name)
				if ok && o.Version == p.Version {
					continue
				}
				out = append(out, Change{Stage: ns.Stage, Arch: na.Arch, Package: p.Name, Old: o.Version, New: p.Version, Suite: p.Suite})
			}
			for _, o := range was {
				out = append(out, Change{Stage: ns.Stage, Arch: na.Arch, Package: o.Name, Old: o.Version})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Package < b.Package
	})
	return out
}

// reIDs are the security advisory ids a changelog entry names.
var reIDs = regexp.MustCompile(`\b(CVE-\d{4}-\d{4,}|DSA-\d+-\d+|DLA-\d+-\d+)\b`)

// maxChangelog bounds a changelog.Debian.gz as fetched.
const maxChangelog = 16 << 20

// AddIDs fills the IDs of the changed packages of cs from the Debian
// changelogs of their new versions in cur: each new .deb is fetched with
// fetch, verified by the sha256 the lock pins, and its
// /usr/share/doc/<package>/changelog.Debian.gz read; a package whose doc
// directory is a link to a sibling's takes the sibling's changelog, from
// the sibling's .deb in the same closure. What cannot be read is said in
// the change's Note.
func AddIDs(ctx context.Context, fetch debresolve.Fetcher, cur *debresolve.Lock, cs []Change) {
	for i := range cs {
		c := &cs[i]
		if c.Old == "" || c.New == "" {
			continue
		}
		ids, err := changeIDs(ctx, fetch, cur, c)
		if err != nil {
			c.Note = err.Error()
			continue
		}
		c.IDs = ids
	}
}

func changeIDs(ctx context.Context, fetch debresolve.Fetcher, cur *debresolve.Lock, c *Change) ([]string, error) {
	la := cur.Stage(c.Stage).Arch(c.Arch)
	pkg := c.Package
	for range 3 { // a link to a sibling's doc directory, followed twice at most
		doc := "/usr/share/doc/" + pkg
		log := doc + "/changelog.Debian.gz"
		files, links, err := fetchDataFiles(ctx, fetch, cur.Stage(c.Stage), la, pkg, doc, log)
		if err != nil {
			return nil, err
		}
		if data, ok := files[log]; ok {
			return changelogIDs(data, c.Old)
		}
		target, ok := links[doc]
		if !ok {
			return nil, fmt.Errorf("no %s in %s %s", log, pkg, c.New)
		}
		pkg = path.Base(target)
	}
	return nil, fmt.Errorf("%s: links to doc directories go on", c.Package)
}

// fetchDataFiles fetches pkg's .deb as la pins it and reads names from it.
func fetchDataFiles(ctx context.Context, fetch debresolve.Fetcher, ls *debresolve.LockStage, la *debresolve.LockArch, pkg string, names ...string) (map[string][]byte, map[string]string, error) {
	i := slices.IndexFunc(la.Packages, func(p debresolve.LockPackage) bool { return p.Name == pkg })
	if i < 0 {
		return nil, nil, fmt.Errorf("%s is not in the closure", pkg)
	}
	lp := la.Packages[i]
	url := strings.TrimRight(ls.Sources[lp.Source].URL, "/") + "/" + lp.Path
	deb, err := fetch.Fetch(ctx, debresolve.FetchRequest{URL: url, SHA256: lp.SHA256, Size: lp.Size, Name: pkg + " " + lp.Version})
	if err != nil {
		return nil, nil, err
	}
	files, links, err := debextract.ReadDataFiles(bytes.NewReader(deb), maxChangelog, names...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", url, err)
	}
	return files, links, nil
}

// changelogIDs returns the advisory ids of the entries of a gzipped Debian
// changelog that are newer than old, newest first as the file has them.
func changelogIDs(gz []byte, old string) ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("changelog.Debian.gz: %w", err)
	}
	oldV, err := version.Parse(old)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(io.LimitReader(zr, maxChangelog))
	var ids []string
	for {
		e, err := changelog.ParseOne(br)
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			if len(ids) > 0 {
				return ids, nil // an old entry the parser does not take
			}
			return nil, fmt.Errorf("changelog.Debian.gz: %w", err)
		}
		if version.Compare(e.Version, oldV) <= 0 {
			return ids, nil
		}
		for _, id := range reIDs.FindAllString(e.Changelog, -1) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
}

// ReviewTable writes cs as a table: plain text, or Markdown for a pull
// request's body.
func ReviewTable(w io.Writer, cs []Change, markdown bool) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "no package changes")
		return
	}
	row := func(cells ...string) {
		if markdown {
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
			return
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	row("stage", "arch", "package", "old → new", "suite", "fixes")
	if markdown {
		row("---", "---", "---", "---", "---", "---")
	}
	for _, c := range cs {
		change := c.Old + " → " + c.New
		switch {
		case c.Old == "":
			change = "added " + c.New
		case c.New == "":
			change = "removed " + c.Old
		}
		fixes := strings.Join(c.IDs, ", ")
		if c.Note != "" {
			fixes = "(" + c.Note + ")"
		}
		if markdown {
			change, fixes = "`"+change+"`", strings.ReplaceAll(fixes, "|", `\|`)
		}
		row(c.Stage, c.Arch, c.Package, change, c.Suite, fixes)
	}
}
