package ldcache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// decoded is a cache file read back, as "ldconfig -p" shows it.
type decoded struct {
	entries   []decodedEntry
	generator string
	hwcaps    []string
}

type decodedEntry struct {
	soname, path string
	flags        int32
	hwcap        uint64
	hwcaps       string // subdirectory name of an extension entry
}

func (e decodedEntry) String() string {
	s := fmt.Sprintf("%s (%#x) => %s", e.soname, e.flags, e.path)
	if e.hwcap != 0 {
		s += fmt.Sprintf(" hwcap %#x %q", e.hwcap, e.hwcaps)
	}
	return s
}

// decode parses a new-format cache, checking every offset.
func decode(data []byte) (*decoded, error) {
	if len(data) < headerSize || string(data[:20]) != cacheMagic {
		return nil, errors.New("not a new-format cache")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[28] == endianBig {
		order = binary.BigEndian
	}
	n := uint64(order.Uint32(data[20:]))
	lenStrings := uint64(order.Uint32(data[24:]))
	extOff := uint64(order.Uint32(data[32:]))
	if headerSize+n*entrySize+lenStrings > uint64(len(data)) {
		return nil, errors.New("entries or strings past the end")
	}
	str := func(off uint32) (string, error) {
		if uint64(off) >= uint64(len(data)) {
			return "", fmt.Errorf("string offset %d past the end", off)
		}
		end := bytes.IndexByte(data[off:], 0)
		if end < 0 {
			return "", errors.New("unterminated string")
		}
		return string(data[off : int(off)+end]), nil
	}
	d := &decoded{}
	if err := d.extensions(data, order, extOff, str); err != nil {
		return nil, err
	}
	for i := range n {
		e := data[headerSize+i*entrySize:]
		var de decodedEntry
		var err error
		de.flags = int32(order.Uint32(e))
		if de.soname, err = str(order.Uint32(e[4:])); err != nil {
			return nil, err
		}
		if de.path, err = str(order.Uint32(e[8:])); err != nil {
			return nil, err
		}
		de.hwcap = order.Uint64(e[16:])
		if de.hwcap>>32&^isaLevelMask == hwcapExtension>>32 {
			idx := uint32(de.hwcap)
			if int(idx) >= len(d.hwcaps) {
				return nil, errors.New("hwcaps index out of range")
			}
			de.hwcaps = d.hwcaps[idx]
		}
		d.entries = append(d.entries, de)
	}
	return d, nil
}

func (d *decoded) extensions(data []byte, order binary.ByteOrder, off uint64, str func(uint32) (string, error)) error {
	if off == 0 {
		return nil
	}
	if off%4 != 0 || off+extensionHeader > uint64(len(data)) || order.Uint32(data[off:]) != extensionMagic {
		return errors.New("bad extension directory")
	}
	count := uint64(order.Uint32(data[off+4:]))
	if off+extensionHeader+count*extensionSection > uint64(len(data)) {
		return errors.New("extension directory past the end")
	}
	for i := range count {
		s := data[off+extensionHeader+i*extensionSection:]
		tag, soff, size := order.Uint32(s), uint64(order.Uint32(s[8:])), uint64(order.Uint32(s[12:]))
		if soff+size > uint64(len(data)) {
			return errors.New("extension section past the end")
		}
		switch tag {
		case tagGenerator:
			d.generator = string(data[soff : soff+size])
		case tagGlibcHwcaps:
			for k := uint64(0); k+4 <= size; k += 4 {
				name, err := str(order.Uint32(data[soff+k:]))
				if err != nil {
					return err
				}
				d.hwcaps = append(d.hwcaps, name)
			}
		}
	}
	return nil
}

// String shows the cache one entry a line.
func (d *decoded) String() string {
	var sb strings.Builder
	for _, e := range d.entries {
		sb.WriteString(e.String() + "\n")
	}
	fmt.Fprintf(&sb, "generator %q hwcaps %q\n", d.generator, d.hwcaps)
	return sb.String()
}
