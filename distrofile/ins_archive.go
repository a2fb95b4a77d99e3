package distrofile

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/distrofile/distrofile/debextract"
)

// The instructions that say where packages come from and which to install:
// MIRROR, INSTALL, EXCLUDE and DROP (SOURCE: source.go).

// MirrorCmd is MIRROR url…
type MirrorCmd struct {
	loc
	URLs []string
	// Security is the --security=URL mirror for the -security suites.
	Security string
	// Snapshot is the --snapshot=URL snapshot service archive root for
	// FROM <distro>:<suite>@<snapshot> (http://<snapshot-host>/archive).
	Snapshot string
}

func parseMirror(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	security, snapshot := in.flags.string("security"), in.flags.string("snapshot")
	if len(ws) == 0 && security == "" && snapshot == "" {
		return nil, fmt.Errorf("MIRROR needs at least one URL, e.g. MIRROR http://<host>/debian")
	}
	for _, u := range append(slices.Clone(ws), security, snapshot) {
		if u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("MIRROR %q: only http:// and https:// URLs are supported", u)
		}
	}
	return &MirrorCmd{loc: in.loc, URLs: ws, Security: security, Snapshot: snapshot}, nil
}

func (c *MirrorCmd) apply(s *StageSpec) error {
	if len(c.URLs) > 0 {
		s.Mirrors = c.URLs
	}
	if c.Security != "" {
		s.SecurityMirror = c.Security
	}
	if c.Snapshot != "" {
		s.SnapshotMirror = c.Snapshot
	}
	return nil
}

// InstallCmd is INSTALL pkg…
type InstallCmd struct {
	loc
	Packages []string
}

func parseInstall(p *parseState, in *input) (Command, error) {
	ws, err := p.packageArgs(in, true)
	if err != nil {
		return nil, err
	}
	return &InstallCmd{loc: in.loc, Packages: ws}, nil
}

func (c *InstallCmd) apply(s *StageSpec) error {
	if s.Distro == "" && len(s.Sources) == 0 && s.Image == "" {
		return fmt.Errorf("INSTALL needs a package archive: start the stage FROM debian:<suite> or add a SOURCE before it (FROM scratch has none)")
	}
	for _, p := range c.Packages {
		s.Roots = append(s.Roots, Root{Package: p, Ranges: c.Location()})
	}
	return nil
}

// ExcludeCmd is EXCLUDE pkg…
type ExcludeCmd struct {
	loc
	Packages []string
}

func parseExclude(p *parseState, in *input) (Command, error) {
	ws, err := p.packageArgs(in, false)
	if err != nil {
		return nil, err
	}
	return &ExcludeCmd{loc: in.loc, Packages: ws}, nil
}

func (c *ExcludeCmd) apply(s *StageSpec) error {
	s.Excludes = append(s.Excludes, c.Packages...)
	return nil
}

// packageArgs reads the package arguments of INSTALL (with versions) or
// EXCLUDE.
func (p *parseState) packageArgs(in *input, versions bool) ([]string, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("%s needs at least one package name", in.loc.Instruction())
	}
	for _, w := range ws {
		if err := checkPackageArg(w, versions); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// DropCmd is DROP glob… | docs | locales.
type DropCmd struct {
	loc
	Globs []string
}

func parseDrop(p *parseState, in *input) (Command, error) {
	ws, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("DROP needs globs (absolute, e.g. /usr/share/doc/*) or a preset (docs, locales)")
	}
	for _, w := range ws {
		if w != "docs" && w != "locales" && !strings.HasPrefix(w, "/") {
			return nil, fmt.Errorf("DROP %q: want an absolute glob such as /usr/share/man/** or a preset (docs, locales)", w)
		}
		if _, err := path.Match(strings.ReplaceAll(w, "**", "*"), ""); err != nil {
			return nil, fmt.Errorf("DROP %q: %v", w, err)
		}
		// The extraction's own matcher, so that what it refuses is an
		// error on this line and not in an extraction step.
		if _, err := debextract.NewDropper(w); err != nil {
			return nil, fmt.Errorf("DROP %q: %v", w, err)
		}
	}
	return &DropCmd{loc: in.loc, Globs: ws}, nil
}

func (c *DropCmd) apply(s *StageSpec) error {
	for _, g := range c.Globs {
		if !slices.Contains(s.Drops, g) {
			s.Drops = append(s.Drops, g)
		}
	}
	return nil
}
