// Package debrel parses Debian relationship fields as dpkg accepts them:
// pault.ag/go/debian/dependency, after rewriting the obsolete operators.
package debrel

import (
	"strings"

	"pault.ag/go/debian/dependency"
)

// Parse parses a relationship field (Depends, Replaces…), accepting the obsolete
// "<" and ">" operators (meaning "<=" and ">=") that dependency.Parse rejects.
func Parse(s string) (dependency.Dependency, error) {
	if strings.TrimSpace(s) == "" {
		return dependency.Dependency{}, nil
	}
	d, err := dependency.Parse(NormalizeLegacyOperators(s))
	if err != nil {
		return dependency.Dependency{}, err
	}
	return *d, nil
}

// NormalizeLegacyOperators rewrites a lone "<" or ">" inside a version
// restriction to "<=" / ">=".
func NormalizeLegacyOperators(s string) string {
	if !strings.ContainsAny(s, "<>") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case '<', '>':
			if depth <= 0 {
				continue
			}
			prevSame := i > 0 && s[i-1] == c
			next := byte(0)
			if i+1 < len(s) {
				next = s[i+1]
			}
			if !prevSame && next != c && next != '=' {
				b.WriteByte('=')
			}
		}
	}
	return b.String()
}
