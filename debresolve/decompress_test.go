package debresolve

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// parseChunked parses data with parseIndex as if it arrived chunk bytes at
// a time.
func parseChunked(data string, chunk int) (*Index, error) {
	avail := 0
	more := func() int {
		avail = min(avail+chunk, len(data))
		return avail
	}
	return parseIndex(data, more, "http://archive.invalid/debian", "trixie")
}

// bigIndex is a Packages text of several MiB (decompressParse reports its
// progress every MiB), with folded relation fields.
func bigIndex(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(archivetest.Stanza(fmt.Sprintf("pkg%d", i), "1.0-1",
			fmt.Sprintf("Depends: pkg%d (>= 1.0),\n pkg%d | pkg%d", (i+1)%n, (i+2)%n, (i+3)%n),
			"Provides: virt"+fmt.Sprint(i%7),
			"Description: "+strings.Repeat("words and more words ", 20)))
		b.WriteString("\n")
	}
	return b.String()
}

func compressIndex(t *testing.T, name, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch {
	case strings.HasSuffix(name, ".gz"):
		w := gzip.NewWriter(&buf)
		_, _ = w.Write([]byte(text))
		w.Close()
	case strings.HasSuffix(name, ".xz"):
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(text))
		w.Close()
	}
	return buf.Bytes()
}

// TestDecompressParse: parsing while decompressing gives what parsing the
// decompressed text gives, and the same errors for a wrong size, a cut or
// corrupt stream and a bad stanza.
func TestDecompressParse(t *testing.T) {
	text := bigIndex(6000)
	if len(text) < 3<<20 {
		t.Fatalf("index of %d bytes: want several MiB", len(text))
	}
	const root, suite = "http://archive.invalid/debian", "trixie"
	want, err := parseIndexString(text, root, suite)
	if err != nil {
		t.Fatal(err)
	}
	bad := text[:len(text)/2] + "no colon here\n" + text[len(text)/2:]
	_, badErr := parseIndexString(bad, root, suite)
	if badErr == nil {
		t.Fatal("the bad index parsed")
	}
	for _, name := range []string{"Packages.gz", "Packages.xz"} {
		t.Run(name, func(t *testing.T) {
			data := compressIndex(t, name, text)
			got, err := decompressParse(name, data, len(text), root, suite)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Packages, want.Packages) {
				t.Fatal("packages differ from parsing the decompressed text")
			}
			if p := got.Lookup("pkg5999"); len(p) != 1 || len(got.providers("virt3")) == 0 {
				t.Errorf("lookups: %v, virt3 %v", p, got.providers("virt3"))
			}
			for _, tc := range []struct {
				name string
				data []byte
				size int
				want string
			}{
				{"shorter than InRelease says", data, len(text) + 1, fmt.Sprintf("decompressed size %d, InRelease says %d", len(text), len(text)+1)},
				{"longer than InRelease says", data, len(text) - 1, fmt.Sprintf("decompressed size %d, InRelease says %d", len(text), len(text)-1)},
				{"cut", data[:len(data)/2], len(text), "decompress"},
				{"bad stanza", compressIndex(t, name, bad), len(bad), badErr.Error()},
			} {
				_, err := decompressParse(name, tc.data, tc.size, root, suite)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
				}
			}
			// A corrupt byte in the middle: gzip fails its CRC or its
			// decoding, xz its check.
			corrupt := bytes.Clone(data)
			corrupt[len(corrupt)/2] ^= 0xff
			if _, err := decompressParse(name, corrupt, len(text), root, suite); err == nil {
				t.Error("a corrupt stream parsed")
			}
		})
	}
}
