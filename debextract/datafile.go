package debextract

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ReadDataFiles reads a .deb from r and returns, for each of the absolute
// paths names, the content of the regular file the package ships there
// (at most max bytes each) or, for a symbolic link, its target as
// written; paths the package does not ship are absent. A package's
// /usr/share/doc/<pkg> is often a link to a sibling's directory: the
// caller finds the link among the results and reads the sibling's .deb.
func ReadDataFiles(r io.Reader, max int64, names ...string) (files map[string][]byte, links map[string]string, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	a, err := newArReader(br)
	if err != nil {
		return nil, nil, &Error{Member: "ar archive", Err: err}
	}
	want := map[string]bool{}
	for _, n := range names {
		want[path.Clean(n)] = true
	}
	files, links = map[string][]byte{}, map[string]string{}
	for {
		member, m, err := nextMember(a)
		if errors.Is(err, io.EOF) {
			return nil, nil, &Error{Member: "ar archive", Err: fmt.Errorf("%w: no data.tar member", ErrFormat)}
		}
		if err != nil {
			return nil, nil, &Error{Member: "ar archive", Err: err}
		}
		if !strings.HasPrefix(member, "data.tar") {
			continue
		}
		dec, closeDec, err := decompressor(member, "data.tar", []string{"", ".gz", ".xz", ".zst", ".bz2"}, m)
		if err != nil {
			return nil, nil, &Error{Member: member, Err: err}
		}
		defer closeDec()
		tr := tar.NewReader(dec)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return files, links, nil
			}
			if err != nil {
				return nil, nil, &Error{Member: member, Err: err}
			}
			p := path.Clean("/" + strings.TrimPrefix(h.Name, "./"))
			if !want[p] {
				continue
			}
			switch h.Typeflag {
			case tar.TypeReg:
				data, err := io.ReadAll(io.LimitReader(tr, max+1))
				if err != nil {
					return nil, nil, &Error{Member: member, Entry: h.Name, Err: err}
				}
				if int64(len(data)) > max {
					return nil, nil, &Error{Member: member, Entry: h.Name, Err: fmt.Errorf("%w: more than %d bytes", ErrLimit, max)}
				}
				files[p] = data
			case tar.TypeSymlink:
				links[p] = h.Linkname
			}
		}
	}
}
