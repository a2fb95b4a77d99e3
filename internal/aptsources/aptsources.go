// Package aptsources reads the Debian mirror this machine's APT is
// configured with, for tests and tools that talk to the live archive: the
// repository never names a mirror host itself.
package aptsources

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/distrofile/distrofile/internal/deb822"
)

// Mirrors reads this machine's APT configuration: the first URI of the
// first deb822 .sources entry (else of a `deb` line of sources.list) that
// is not a -security suite, and likewise the first -security one. The
// repository never names a mirror host itself.
func Mirrors() (mirror, security string) {
	consider := func(uri string, suites []string) {
		uri = strings.TrimRight(uri, "/")
		isSec := false
		for _, s := range suites {
			if strings.HasSuffix(s, "-security") || strings.HasSuffix(s, "/updates") {
				isSec = true
			}
		}
		switch {
		case isSec && security == "":
			security = uri
		case !isSec && mirror == "":
			mirror = uri
		}
	}
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// A file APT cannot read either is passed over.
		paras, _ := deb822.Parse(string(data))
		for _, p := range paras {
			if strings.EqualFold(p.Value("Enabled"), "no") || !slices.Contains(strings.Fields(p.Value("Types")), "deb") {
				continue
			}
			if uris := strings.Fields(p.Value("URIs")); len(uris) > 0 {
				consider(uris[0], strings.Fields(p.Value("Suites")))
			}
		}
	}
	if f, err := os.Open("/etc/apt/sources.list"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			w := strings.Fields(sc.Text())
			if len(w) < 3 || w[0] != "deb" {
				continue
			}
			w = w[1:]
			if strings.HasPrefix(w[0], "[") { // [options]
				for len(w) > 0 && !strings.HasSuffix(w[0], "]") {
					w = w[1:]
				}
				if len(w) > 0 {
					w = w[1:]
				}
			}
			if len(w) >= 2 {
				consider(w[0], w[1:2])
			}
		}
	}
	return mirror, security
}
