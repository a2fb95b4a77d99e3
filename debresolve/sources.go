package debresolve

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/distrofile/distrofile/debsuite"
)

// Source is one APT source: an archive root, a suite and its components, as in
// a deb822 .sources entry with a single suite.
type Source struct {
	// URL is the archive root, e.g. http://<mirror>/debian (no trailing slash
	// needed). Pool paths from the index are appended to it.
	URL string
	// Suite is the suite or codename under dists/, e.g. "trixie-security".
	Suite string
	// Components lists the components to load, e.g. ["main"]; empty means
	// main. (Flat repositories, whose suite ends in "/", are not supported.)
	Components []string
	// Keyring, when non-nil, is the only keyring accepted for this source's
	// InRelease (like apt's Signed-By); nil means the Client's keyring.
	Keyring openpgp.EntityList
	// Insecure skips the signature check of InRelease (SOURCE --insecure).
	// Index and package hashes are still checked against InRelease.
	Insecure bool
}

// String returns the source in sources.list style: "URL suite comp...".
func (s Source) String() string {
	return strings.TrimSpace(s.URL + " " + s.Suite + " " + strings.Join(s.Components, " "))
}

// snapshotStamp matches a snapshot archive timestamp path element.
var snapshotStamp = regexp.MustCompile(`^[0-9]{8}(T[0-9]{6}Z)?$`)

// DefaultSources returns the sources a stage `FROM <distro>:<suite>` gets.
//
// For debian, the suites debsuite.Pockets names: <suite> and <suite>-updates
// on mirror, and <suite>-security (buster/updates for buster) on
// securityMirror. When securityMirror is empty it is derived from mirror by
// replacing a final path element "debian" with "debian-security" (also inside
// a snapshot URL ending in .../debian/<timestamp>); if that is not possible an
// error asks the user to set it. sid, unstable and experimental get only the
// suite itself. For ubuntu: <suite>, <suite>-updates and <suite>-security,
// all on mirror, verified with the embedded Ubuntu keyring. The component
// is always main.
func DefaultSources(distro, suite, mirror, securityMirror string) ([]Source, error) {
	if suite == "" {
		return nil, fmt.Errorf("no suite given for %s (e.g. %s:trixie)", distro, distro)
	}
	if strings.ContainsAny(suite, "/ \t") {
		return nil, fmt.Errorf("invalid suite %q", suite)
	}
	mirror = strings.TrimRight(strings.TrimSpace(mirror), "/")
	if mirror == "" {
		return nil, fmt.Errorf("no mirror configured for %s: set MIRROR in the Distrofile or the DISTROFILE_MIRROR build arg to an archive root such as http://<mirror>/%s", distro, distro)
	}
	if err := checkArchiveURL(mirror); err != nil {
		return nil, err
	}
	main := []string{"main"}
	src := func(u, s string) Source { return Source{URL: u, Suite: s, Components: main} }
	switch distro {
	case "debian":
		archive, security := debsuite.Pockets(suite)
		var out []Source
		for _, s := range archive {
			out = append(out, src(mirror, s))
		}
		if security == "" {
			return out, nil
		}
		sec := strings.TrimRight(strings.TrimSpace(securityMirror), "/")
		if sec == "" {
			var ok bool
			if sec, ok = deriveSecurityMirror(mirror); !ok {
				return nil, fmt.Errorf("cannot derive the security mirror from %q (its last path element is not \"debian\"): set the security mirror explicitly (an archive root such as http://<mirror>/debian-security)", mirror)
			}
		} else if err := checkArchiveURL(sec); err != nil {
			return nil, err
		}
		return append(out, src(sec, security)), nil
	case "ubuntu":
		kr, err := UbuntuKeyring()
		if err != nil {
			return nil, fmt.Errorf("embedded Ubuntu keyring: %v", err)
		}
		out := []Source{src(mirror, suite), src(mirror, suite+"-updates"), src(mirror, suite+"-security")}
		for i := range out {
			out[i].Keyring = kr
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unknown distribution %q (known: debian, ubuntu)", distro)
	}
}

// SnapshotLayout is the time format of a snapshot timestamp: FROM
// debian:trixie@20250520T000000Z.
const SnapshotLayout = "20060102T150405Z"

// ParseSnapshot parses a snapshot timestamp (YYYYMMDDTHHMMSSZ).
func ParseSnapshot(stamp string) (time.Time, error) {
	t, err := time.Parse(SnapshotLayout, stamp)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid snapshot %q: want YYYYMMDDTHHMMSSZ, e.g. 20250520T000000Z", stamp)
	}
	return t, nil
}

// SnapshotSources returns the sources of `FROM <distro>:<suite>@<stamp>` on
// a snapshot service laid out like Debian's snapshot archive: snapshotRoot is the
// URL under which archives are named (http://<snapshot-host>/archive), and
// an archive's state at a time is <snapshotRoot>/<archive>/<stamp>/ followed
// by the usual dists/ and pool/. Debian's security suite comes from the
// debian-security archive of the same time.
func SnapshotSources(distro, suite, snapshotRoot, stamp string) ([]Source, error) {
	if _, err := ParseSnapshot(stamp); err != nil {
		return nil, err
	}
	snapshotRoot = strings.TrimRight(strings.TrimSpace(snapshotRoot), "/")
	if snapshotRoot == "" {
		return nil, fmt.Errorf("no snapshot mirror configured for %s:%s@%s: set `MIRROR --snapshot=<url>` in the Distrofile or the DISTROFILE_SNAPSHOT_MIRROR build arg to the snapshot service's archive root (http://<snapshot-host>/archive)", distro, suite, stamp)
	}
	if err := checkArchiveURL(snapshotRoot); err != nil {
		return nil, err
	}
	switch distro {
	case "debian":
		return DefaultSources(distro, suite, snapshotRoot+"/debian/"+stamp, snapshotRoot+"/debian-security/"+stamp)
	case "ubuntu":
		return DefaultSources(distro, suite, snapshotRoot+"/ubuntu/"+stamp, "")
	}
	return nil, fmt.Errorf("unknown distribution %q (known: debian, ubuntu)", distro)
}

func checkArchiveURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("invalid archive URL %q: %v", u, err)
	}
	if p.Scheme != "http" && p.Scheme != "https" || p.Host == "" {
		return fmt.Errorf("invalid archive URL %q: want http:// or https://<host>/<path>", u)
	}
	return nil
}

// deriveSecurityMirror turns .../debian into .../debian-security, and
// .../debian/<snapshot-timestamp> into .../debian-security/<timestamp>.
func deriveSecurityMirror(mirror string) (string, bool) {
	i := strings.LastIndexByte(mirror, '/')
	if i < 0 {
		return "", false
	}
	head, last := mirror[:i], mirror[i+1:]
	if last == "debian" && !strings.HasSuffix(head, "/") {
		return head + "/debian-security", true
	}
	if snapshotStamp.MatchString(last) {
		if j := strings.LastIndexByte(head, '/'); j >= 0 && head[j+1:] == "debian" {
			return head[:j] + "/debian-security/" + last, true
		}
	}
	return "", false
}

// SnapshotURL returns the URL of the file at path of the archive
// archiveURL (…/debian, …/debian-security or …/ubuntu) in the snapshot
// service snapshotRoot, as the archive was at date (RFC 3339, the Date of
// the InRelease a lock was made against): the layout SnapshotSources
// reads. It is false for another archive (a SOURCE's), a bad date or no
// snapshot root.
func SnapshotURL(snapshotRoot, archiveURL, date, path string) (string, bool) {
	snapshotRoot = strings.TrimRight(strings.TrimSpace(snapshotRoot), "/")
	name := archiveURL[strings.LastIndex(strings.TrimRight(archiveURL, "/"), "/")+1:]
	name = strings.TrimRight(name, "/")
	switch name {
	case "debian", "debian-security", "ubuntu":
	default:
		return "", false
	}
	t, err := time.Parse(time.RFC3339, date)
	if snapshotRoot == "" || err != nil || checkArchiveURL(snapshotRoot) != nil {
		return "", false
	}
	return snapshotRoot + "/" + name + "/" + t.UTC().Format("20060102T150405Z") + "/" + path, true
}
