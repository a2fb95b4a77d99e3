package fidelity

import (
	"fmt"
	"sort"
)

// Status is what the image has of an effect.
type Status string

// The statuses of an effect in the image.
const (
	// Present: the image has the path, of the same kind, a link to the same
	// place, a file with the same content; for a statoverride, the same
	// owner and mode.
	Present Status = "present"
	// ContentDiffers: the image has a regular file there, with other bytes
	// (ld.so.cache lists libraries in another order, a config lists other
	// entries). It counts as present.
	ContentDiffers Status = "present, content differs"
	// Missing: the image has no such path.
	Missing Status = "missing"
	// WrongKind: the image has the path as another kind (a file for a link).
	WrongKind Status = "wrong kind"
	// WrongTarget: the image has a link there, pointing elsewhere.
	WrongTarget Status = "wrong target"
	// Unmodified: the image has the package's own file where a script
	// edited it (a Modified effect whose content differs).
	Unmodified Status = "package's content (the script's edit is missing)"
	// WrongOwner: (statoverride, chown) the path's owner or mode is not the
	// apt root's.
	WrongOwner Status = "wrong owner or mode"
)

// Counts reports whether the status counts as present in the score.
func (s Status) Counts() bool { return s == Present || s == ContentDiffers }

// PathResult is an effect and what the image has of it.
type PathResult struct {
	Effect
	Status Status `json:"status"`
	// OwnerDiffers reports, for a present effect, that the image's owner or
	// mode is not the apt root's (e.g. /var/lib/redis owned by root, not
	// redis): it still counts as present, and is listed.
	OwnerDiffers bool   `json:"owner_differs,omitempty"`
	Image        string `json:"image,omitempty"` // what the image has, when not present
}

// AccountResult is an added user or group and whether the image has it.
type AccountResult struct {
	AccountEffect
	Present bool `json:"present"`
}

// Report is the oracle's answer for one set on one architecture.
type Report struct {
	Set      string          `json:"set"`
	Arch     string          `json:"arch"`
	Paths    []PathResult    `json:"paths"`
	Users    []AccountResult `json:"users"`
	Groups   []AccountResult `json:"groups"`
	Excluded map[string]int  `json:"excluded"`
	Summary  Summary         `json:"summary"`
}

// Summary counts a report.
type Summary struct {
	Effects        int `json:"effects"`
	Present        int `json:"present"` // including ContentDiffers
	ContentDiffers int `json:"content_differs"`
	OwnerDiffers   int `json:"owner_differs"`
	Users          int `json:"users"`
	UsersPresent   int `json:"users_present"`
	Groups         int `json:"groups"`
	GroupsPresent  int `json:"groups_present"`
}

// Score is the share of effects, users and groups the image has, from 0 to
// 1 (1 when the set has none).
func (s Summary) Score() float64 {
	total := s.Effects + s.Users + s.Groups
	if total == 0 {
		return 1
	}
	return float64(s.Present+s.UsersPresent+s.GroupsPresent) / float64(total)
}

// Compare looks each effect up in the image. rename maps the apt root's
// paths to the image's architecture (nil: the same architecture).
func Compare(set, arch string, effs *Effects, image *Tree, rename Renamer) *Report {
	if rename == nil {
		rename = func(s string) string { return s }
	}
	r := &Report{Set: set, Arch: arch, Excluded: effs.Excluded}
	users, groups := readAccounts(image, "/etc/passwd"), readAccounts(image, "/etc/group")
	uids, gids := idNames(users), idNames(groups)
	for _, e := range effs.Paths {
		pr := comparePath(e, image, rename, uids, gids)
		r.Paths = append(r.Paths, pr)
	}
	for _, u := range effs.Users {
		_, ok := users[u.Name]
		r.Users = append(r.Users, AccountResult{u, ok})
	}
	for _, g := range effs.Groups {
		_, ok := groups[g.Name]
		r.Groups = append(r.Groups, AccountResult{g, ok})
	}
	r.Summary = summarize(r)
	return r
}

func comparePath(e Effect, image *Tree, rename Renamer, uids, gids map[int]string) PathResult {
	pr := PathResult{Effect: e}
	p := rename(e.Path)
	got, ok := image.Lookup(p)
	switch {
	case !ok:
		pr.Status = Missing
		return pr
	case got.Kind != e.Kind:
		pr.Status, pr.Image = WrongKind, string(got.Kind)
		return pr
	}
	imgOwner, imgMode := owner(got, uids, gids), fmt.Sprintf("%04o", modeBits(got.Mode))
	if e.Change == Overridden || e.Change == Chowned {
		pr.Status = Present
		if imgOwner != e.Owner || imgMode != e.Mode {
			pr.Status, pr.Image = WrongOwner, imgOwner+" "+imgMode
		}
		return pr
	}
	pr.Status = Present
	switch e.Kind {
	case Symlink:
		want := rename(e.Resolved)
		if have := ResolveTarget(p, got.Target, image.Merged()); have != want {
			pr.Status, pr.Image = WrongTarget, got.Target
			return pr
		}
	case File:
		pr.Status = ContentDiffers // unless proven equal below
		if d, err := image.Digest(p); err == nil && d == e.SHA256 {
			pr.Status = Present
		} else if e.Change == Modified {
			pr.Status = Unmodified
		}
	}
	if e.Kind != Symlink && (imgOwner != e.Owner || imgMode != e.Mode) {
		pr.OwnerDiffers, pr.Image = true, imgOwner+" "+imgMode
	}
	return pr
}

func summarize(r *Report) Summary {
	s := Summary{Effects: len(r.Paths), Users: len(r.Users), Groups: len(r.Groups)}
	for _, p := range r.Paths {
		if p.Status.Counts() {
			s.Present++
		}
		if p.Status == ContentDiffers {
			s.ContentDiffers++
		}
		if p.OwnerDiffers {
			s.OwnerDiffers++
		}
	}
	for _, u := range r.Users {
		if u.Present {
			s.UsersPresent++
		}
	}
	for _, g := range r.Groups {
		if g.Present {
			s.GroupsPresent++
		}
	}
	return s
}

// Missing returns the results that do not count as present, sorted by path.
func (r *Report) Missing() []PathResult {
	var out []PathResult
	for _, p := range r.Paths {
		if !p.Status.Counts() {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// NotIdentical returns the results that are missing, or present with
// other content or another owner or mode, sorted by path.
func (r *Report) NotIdentical() []PathResult {
	var out []PathResult
	for _, p := range r.Paths {
		if p.Status != Present || p.OwnerDiffers {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
