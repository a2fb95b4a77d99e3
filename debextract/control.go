package debextract

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"syscall"
)

// maxScript bounds each maintainer script and control file the effects
// read: Debian's largest postinst scripts are a few tens of KB.
const maxScript = 4 << 20

// ControlFiles are the control.tar files that say what dpkg would do
// beyond unpacking: the maintainer scripts and the trigger and debconf
// declarations.
var ControlFiles = []string{"control", "preinst", "postinst", "config", "templates", "triggers", "conffiles", "shlibs"}

// ControlArchive is what a package's control.tar says.
type ControlArchive struct {
	// Package, Version and Architecture are the control file's fields.
	Package, Version, Architecture string
	// Files are the members of ControlFiles the package ships, by name
	// ("postinst", "triggers"…).
	Files map[string][]byte
}

// ReadControlArchive reads a .deb from r up to the end of its control.tar
// member (the data member is not read) and returns its ControlFiles.
func ReadControlArchive(r io.Reader) (*ControlArchive, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	arErr := func(err error) error { return &Error{Member: "ar archive", Err: err} }
	a, err := newArReader(br)
	if err != nil {
		return nil, arErr(err)
	}
	name, m, err := a.next()
	if errors.Is(err, io.EOF) {
		return nil, arErr(fmt.Errorf("%w: empty archive", ErrFormat))
	}
	if err != nil {
		return nil, arErr(err)
	}
	if name != "debian-binary" {
		return nil, arErr(fmt.Errorf("%w: first member is %q, not debian-binary", ErrFormat, name))
	}
	if err := checkBinaryVersion(m); err != nil {
		return nil, &Error{Member: name, Err: err}
	}
	name, m, err = nextMember(a)
	if errors.Is(err, io.EOF) {
		return nil, arErr(fmt.Errorf("%w: no control.tar member", ErrFormat))
	}
	if err != nil {
		return nil, arErr(err)
	}
	if !strings.HasPrefix(name, "control.tar") {
		return nil, arErr(fmt.Errorf("%w: member %q where control.tar was expected", ErrFormat, name))
	}
	keep := map[string]int64{}
	for _, f := range ControlFiles {
		keep[f] = maxScript
	}
	files, err := readControlTar(name, m, keep)
	if err != nil {
		return nil, err
	}
	ca := &ControlArchive{Files: map[string][]byte{}}
	for n, f := range files {
		ca.Files[n] = f.data
	}
	x := &extractor{res: &Result{}}
	x.res.Control = ca.Files["control"]
	if x.res.Control == nil {
		return nil, &Error{Member: name, Err: fmt.Errorf("%w: no control file", ErrFormat)}
	}
	if err := x.parseControl(name); err != nil {
		return nil, err
	}
	ca.Package, ca.Version, ca.Architecture = x.res.Package, x.res.Version, x.res.Architecture
	return ca, nil
}

// ModeBits is m's permission bits with setuid, setgid and sticky: what a
// file's mode is, without its type.
func ModeBits(m fs.FileMode) fs.FileMode {
	return m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// Owner is the uid and gid of a file read from disk (0, 0 when fi does not
// carry them).
func Owner(fi fs.FileInfo) (uid, gid int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return 0, 0
}

// UnixMode is m's permission bits with setuid, setgid and sticky, as
// chmod's octal number and a tar header's mode.
func UnixMode(m fs.FileMode) int64 {
	u := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// DpkgStatusFile is dpkg's database of a regular Debian system, one stanza
// per package; a distroless image has a status.d directory instead.
const DpkgStatusFile = "/var/lib/dpkg/status"

// StatusStanza returns a package's control file as a stanza of
// DpkgStatusFile: with "Status: install ok installed" after its Package
// field, as dpkg records an installed package, and a blank line after it.
func StatusStanza(control []byte) ([]byte, error) {
	s := strings.TrimRight(string(control), "\n")
	first, rest, _ := strings.Cut(s, "\n")
	if !strings.HasPrefix(first, "Package:") {
		return nil, fmt.Errorf("%w: the control file does not start with Package", ErrFormat)
	}
	out := first + "\nStatus: install ok installed\n"
	if rest != "" {
		out += rest + "\n"
	}
	return []byte(out + "\n"), nil
}

// AppendStatus returns status (the content of DpkgStatusFile) with the
// stanzas of the control files after its own, separated as dpkg does.
func AppendStatus(status []byte, controls ...[]byte) ([]byte, error) {
	out := []byte(strings.TrimRight(string(status), "\n"))
	if len(out) > 0 {
		out = append(out, "\n\n"...)
	}
	for _, c := range controls {
		st, err := StatusStanza(c)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	return out, nil
}
