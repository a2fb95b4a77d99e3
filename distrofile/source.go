package distrofile

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// SourceCmd is SOURCE <url> <suite> [<component>…] [--keyring=<path>]
// [--arch=a,b] [--insecure]: an extra APT source.
type SourceCmd struct {
	loc
	URL, Suite string
	// Components default to main.
	Components []string
	// Keyring is a keyring file (binary or armored) in the build context;
	// "" means the distribution's built-in keyring.
	Keyring string
	// Archs restricts the source to these architectures (nil: all).
	Archs []string
	// Insecure skips the InRelease signature check.
	Insecure bool
}

// sourceFlags are the flags of SOURCE.
var sourceFlags = []flagSpec{{"keyring", flagString}, {"arch", flagString}, {"insecure", flagBool}}

// parseSource parses a SOURCE instruction.
func parseSource(p *parseState, in *input) (Command, error) {
	n, fl := in.node, in.flags
	all, err := p.words(in, true)
	if err != nil {
		return nil, err
	}
	// The spec writes the flags after the arguments; the Dockerfile parser
	// only takes them from the front.
	var ws, trailing []string
	for _, w := range all {
		if strings.HasPrefix(w, "--") {
			trailing = append(trailing, w)
		} else {
			ws = append(ws, w)
		}
	}
	if len(trailing) > 0 {
		more, err := parseFlags(append(slices.Clone(n.Flags), trailing...), sourceFlags)
		if err != nil {
			return nil, fmt.Errorf("SOURCE: %w", err)
		}
		fl = more
	}
	if len(ws) < 2 {
		return nil, fmt.Errorf("SOURCE needs a URL and a suite, e.g. SOURCE http://<host>/debian trixie-backports main")
	}
	c := &SourceCmd{loc: in.loc, URL: strings.TrimRight(ws[0], "/"), Suite: ws[1], Components: ws[2:], Keyring: fl.string("keyring")}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return nil, fmt.Errorf("SOURCE %q: only http:// and https:// URLs are supported", ws[0])
	}
	if strings.HasSuffix(c.Suite, "/") || strings.Contains(c.Suite, "..") {
		return nil, fmt.Errorf("SOURCE suite %q: flat repositories (a suite ending in /) are not supported", c.Suite)
	}
	for _, comp := range c.Components {
		if comp == "" || strings.Contains(comp, "..") || strings.HasPrefix(comp, "/") {
			return nil, fmt.Errorf("SOURCE: invalid component %q", comp)
		}
	}
	if len(c.Components) == 0 {
		c.Components = []string{"main"}
	}
	if insecure, ok := fl.bool("insecure"); ok {
		if !insecure {
			return nil, fmt.Errorf("SOURCE --insecure=false: leave the flag out to check the signature")
		}
		c.Insecure = true
	}
	if c.Insecure && c.Keyring != "" {
		return nil, fmt.Errorf("SOURCE: --keyring and --insecure exclude each other")
	}
	if c.Keyring != "" {
		k := path.Clean("/" + c.Keyring)[1:]
		if k == "" || strings.HasPrefix(c.Keyring, "../") || c.Keyring == ".." {
			return nil, fmt.Errorf("SOURCE --keyring=%s: want a file path inside the build context", c.Keyring)
		}
		c.Keyring = k
	}
	if v := fl.string("arch"); fl.given("arch") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.Archs = append(c.Archs, a)
			}
		}
		if len(c.Archs) == 0 {
			return nil, fmt.Errorf("SOURCE --arch needs Debian architectures, e.g. --arch=amd64,arm64")
		}
	}
	return c, nil
}

func (c *SourceCmd) apply(s *StageSpec) error {
	s.Sources = append(s.Sources, c)
	return nil
}
