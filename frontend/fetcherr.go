package frontend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/distrofile"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// pinnedDeb is a .deb the build fetches pinned by its sha256, with the
// INSTALL lines that pulled it in.
type pinnedDeb struct {
	pkg    *debresolve.Package
	ranges []parser.Range
	// snapshot is the stage's snapshot service root ("" for none).
	snapshot string
}

// pinDeb records p for explainFetch, and points p at the snapshot archive
// when an earlier attempt found it gone from the mirror (which it
// reports).
func (b *builder) pinDeb(p *debresolve.Package, ranges []parser.Range, snapshot string) (fromSnapshot bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pinned == nil {
		b.pinned = map[string]pinnedDeb{}
	}
	if u, ok := b.fromSnapshot[p.SHA256]; ok {
		p.URL, fromSnapshot = u, true
	}
	b.pinned[p.SHA256] = pinnedDeb{pkg: p, ranges: ranges, snapshot: snapshot}
	return fromSnapshot
}

// errFromSnapshot is explainFetch's answer when the build should run again
// with a gone .deb fetched from the snapshot archive.
var errFromSnapshot = errors.New("fetch from the snapshot archive")

var (
	reDigest = regexp.MustCompile(`sha256:([0-9a-f]{64})`)
	reStatus = regexp.MustCompile(`invalid response status (\d+)`)
)

// explainFetch turns BuildKit's "digest mismatch" of a pinned .deb into
// an error that says what happened, located on the INSTALL line that
// pulled the package in: BuildKit saves the body of any answer to a
// fetch pinned by checksum, so a file the mirror no longer has (404)
// reads as a digest mismatch of an empty page. The URL is fetched again
// without the checksum to learn the HTTP status. It returns nil when err
// is not about a .deb of the build.
func (b *builder) explainFetch(ctx context.Context, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "digest mismatch") {
		return nil
	}
	var d pinnedDeb
	b.mu.Lock()
	for _, m := range reDigest.FindAllStringSubmatch(msg, -1) {
		if p, ok := b.pinned[m[1]]; ok {
			d = p
		}
	}
	b.mu.Unlock()
	if d.pkg == nil {
		return nil
	}
	p := d.pkg
	what := fmt.Sprintf("package %s %s: %s", p.Name, p.Version, p.URL)
	probe := b.evaluate(ctx, llb.HTTP(p.URL, llb.Filename("probe-"+p.SHA256[:12]+".deb"), llb.WithCustomName("[distrofile] fetch "+p.Name+" "+p.Version+" again, to see what the mirror answers")))
	switch m := reStatus.FindStringSubmatch(fmt.Sprint(probe)); {
	case m != nil:
		if src, ok := b.lockSource(p.SHA256); ok && d.snapshot != "" && b.fromSnapshot[p.SHA256] == "" {
			if u, ok := debresolve.SnapshotURL(d.snapshot, src.URL, src.Date, b.lockPath(p.SHA256)); ok {
				b.mu.Lock()
				if b.fromSnapshot == nil {
					b.fromSnapshot = map[string]string{}
				}
				b.fromSnapshot[p.SHA256] = u
				b.mu.Unlock()
				b.src.Warn(ctx, fmt.Sprintf("%s answers HTTP %s: fetching it from the snapshot archive as of %s, %s (same sha256)", what, m[1], src.Date, u),
					client.WarnOpts{Level: 1, Range: pbRanges(d.ranges)})
				return errFromSnapshot
			}
		}
		hint := fmt.Sprintf("configure a snapshot mirror (MIRROR --snapshot=<url> or --build-arg %s), or update the lock (`distrofile lock --update %s`, or `docker buildx build --target=%s -o . .`)",
			plan.ArgSnapshotMirror, p.Name, plan.LockTarget)
		if b.fromSnapshot[p.SHA256] != "" {
			hint = fmt.Sprintf("the snapshot archive does not have it either; update the lock (`distrofile lock --update %s`)", p.Name)
		}
		if date := b.lockDate(p.SHA256); date != "" {
			return distrofile.ErrAt(d.ranges, "%s answers HTTP %s: the mirror no longer has the version %s pins (its sources date from %s; Debian's mirrors keep only the current version of a package); %s",
				what, m[1], debresolve.LockFileName, date, hint)
		}
		return distrofile.ErrAt(d.ranges, "%s answers HTTP %s, though the mirror's index lists it: the mirror is inconsistent or changing; try again, or another MIRROR", what, m[1])
	case probe == nil:
		return distrofile.ErrAt(d.ranges, "%s: the file differs from the sha256 the signed index (or %s) pins, %s: it was changed or tampered with on the mirror (%v)",
			what, debresolve.LockFileName, p.SHA256, err)
	default:
		return distrofile.ErrAt(d.ranges, "%s: %v (fetched again: %v)", what, err, probe)
	}
}

// lockDate is the date of the InRelease that the lock's record of the
// package with sha256 sum was resolved against, "" without a lock.
func (b *builder) lockDate(sum string) string {
	src, _ := b.lockSource(sum)
	return src.Date
}

// lockPath is the archive path the lock pins the package with sha256 sum
// at, "" without a lock.
func (b *builder) lockPath(sum string) string {
	lp, _ := b.lockPackage(sum)
	return lp.Path
}

// lockSource is the source the lock's record of the package with sha256
// sum came from.
func (b *builder) lockSource(sum string) (debresolve.LockSource, bool) {
	lp, ls := b.lockPackage(sum)
	if ls == nil || lp.Source < 0 || lp.Source >= len(ls.Sources) {
		return debresolve.LockSource{}, false
	}
	return ls.Sources[lp.Source], true
}

// lockPackage finds the lock's record of the package with sha256 sum.
func (b *builder) lockPackage(sum string) (debresolve.LockPackage, *debresolve.LockStage) {
	if b.lock == nil {
		return debresolve.LockPackage{}, nil
	}
	for _, ls := range b.lock.Stages {
		for _, la := range ls.Archs {
			for _, lp := range la.Packages {
				if lp.SHA256 == sum {
					return lp, ls
				}
			}
			if lp := la.Locale; lp != nil && lp.SHA256 == sum {
				return *lp, ls
			}
		}
	}
	return debresolve.LockPackage{}, nil
}

// evaluate solves st now (not lazily) and returns the solve's error.
func (b *builder) evaluate(ctx context.Context, st llb.State) error {
	def, err := st.Marshal(ctx)
	if err != nil {
		return err
	}
	_, err = b.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), Evaluate: true})
	return err
}
