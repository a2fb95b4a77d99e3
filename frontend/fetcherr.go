package frontend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
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
		lp, src, locked := b.lockRecord(p.SHA256)
		b.mu.Lock()
		retried := b.fromSnapshot[p.SHA256] != ""
		b.mu.Unlock()
		if locked && d.snapshot != "" && !retried {
			if u, ok := debresolve.SnapshotURL(d.snapshot, src.URL, src.Date, lp.Path); ok {
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
		if retried {
			hint = fmt.Sprintf("the snapshot archive does not have it either; update the lock (`distrofile lock --update %s`)", p.Name)
		}
		if locked {
			return distrofile.ErrAt(d.ranges, "%s answers HTTP %s: the mirror no longer has the version %s pins (its sources date from %s; Debian's mirrors keep only the current version of a package); %s",
				what, m[1], debresolve.LockFileName, src.Date, hint)
		}
		return distrofile.ErrAt(d.ranges, "%s answers HTTP %s, though the mirror's index lists it: the mirror is inconsistent or changing; try again, or another MIRROR", what, m[1])
	case probe == nil:
		return distrofile.ErrAt(d.ranges, "%s: the file differs from the sha256 the signed index (or %s) pins, %s: it was changed or tampered with on the mirror (%v)",
			what, debresolve.LockFileName, p.SHA256, err)
	default:
		return distrofile.ErrAt(d.ranges, "%s: %v (fetched again: %v)", what, err, probe)
	}
}

// lockRecord finds the lock's record of the package with sha256 sum and
// the source it was resolved from; false without a lock or a record.
func (b *builder) lockRecord(sum string) (debresolve.LockPackage, debresolve.LockSource, bool) {
	if b.lock == nil {
		return debresolve.LockPackage{}, debresolve.LockSource{}, false
	}
	for _, ls := range b.lock.Stages {
		for _, la := range ls.Archs {
			pkgs := la.Packages
			if la.Locale != nil {
				pkgs = append(slices.Clone(pkgs), *la.Locale)
			}
			for _, lp := range pkgs {
				if lp.SHA256 == sum && lp.Source >= 0 && lp.Source < len(ls.Sources) {
					return lp, ls.Sources[lp.Source], true
				}
			}
		}
	}
	return debresolve.LockPackage{}, debresolve.LockSource{}, false
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
