package distrofile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// LintConfig says which rules report and whether a finding fails the
// build. As in a Dockerfile, it comes from the check directive at the top
// of the file,
//
//	# check=skip=DuplicateExpose,UndefinedUser;error=true
//
// or from the BUILDKIT_DOCKERFILE_CHECK build argument, which wins.
type LintConfig struct {
	// Skip names the rules that do not report; SkipAll silences all.
	Skip    []string
	SkipAll bool
	// Error makes any finding an error of the build.
	Error bool
}

// ParseLintConfig reads the check directive of a Distrofile (BuildKit's
// directive and option syntax). Rules it names that do not exist are
// returned as warnings on the directive's line, with the closest rule.
func ParseLintConfig(dt []byte) (LintConfig, []Warning, error) {
	v, _, rs, ok := parser.ParseDirective("check", dt)
	if !ok {
		return LintConfig{}, nil, nil
	}
	c, err := linter.ParseLintOptions(v)
	if err != nil {
		return LintConfig{}, nil, &LocatedError{Err: fmt.Errorf("# check=%s: %w", v, err), Ranges: rs}
	}
	lc := FromLinterConfig(c)
	return lc, lc.unknownRules(rs), nil
}

// LintConfigOf is the lint configuration of the Distrofile dt, with the
// check directive's warnings: the directive's, or override's when it is
// not nil (the BUILDKIT_DOCKERFILE_CHECK build argument as dockerui read
// it), which wins. A malformed directive is an error either way.
func LintConfigOf(dt []byte, override *linter.Config) (LintConfig, []Warning, error) {
	lc, lw, err := ParseLintConfig(dt)
	if err != nil || override == nil {
		return lc, lw, err
	}
	return FromLinterConfig(override), nil, nil
}

// FromLinterConfig takes the options dockerui read from the
// BUILDKIT_DOCKERFILE_CHECK build argument.
func FromLinterConfig(c *linter.Config) LintConfig {
	return LintConfig{Skip: c.SkipRules, SkipAll: c.SkipAll, Error: c.ReturnAsError}
}

// unknownRules warns of skipped rule names no rule has.
func (c LintConfig) unknownRules(rs []parser.Range) []Warning {
	var names []string
	for _, r := range LintRules {
		names = append(names, r.Name)
	}
	var out []Warning
	for _, s := range c.Skip {
		if s != "" && !slices.Contains(names, s) {
			msg := fmt.Sprintf("# check=skip=%s: no Distrofile rule has that name%s", s, didYouMeanRule(s, names))
			out = append(out, Warning{Message: msg, Ranges: rs})
		}
	}
	return out
}

// didYouMeanRule is didYouMean for rule names, which keep their case.
func didYouMeanRule(word string, names []string) string {
	m := didYouMean(word, names)
	for _, n := range names {
		if strings.EqualFold(" (did you mean "+n+"?)", m) {
			return " (did you mean " + n + "?)"
		}
	}
	return m
}

// Apply returns the findings the configuration lets through and, with
// Error, the error that fails the build because of them.
func (c LintConfig) Apply(ws []LintWarning) ([]LintWarning, error) {
	if c.SkipAll {
		return nil, nil
	}
	var out []LintWarning
	var rules []string
	for _, w := range ws {
		if slices.Contains(c.Skip, w.Rule.Name) {
			continue
		}
		out = append(out, w)
		if !slices.Contains(rules, w.Rule.Name) {
			rules = append(rules, w.Rule.Name)
		}
	}
	if c.Error && len(out) > 0 {
		return out, &LocatedError{Err: fmt.Errorf("lint: %s (check=error=true makes findings errors; see --call=check)", strings.Join(rules, ", ")), Ranges: out[0].Ranges}
	}
	return out, nil
}
