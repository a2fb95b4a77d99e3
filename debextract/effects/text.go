package effects

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// inputs returns the contents of the files named (standard input for
// none or "-"), for the text filters.
func (c *call) inputs(files []string) ([][]byte, int) {
	if len(files) == 0 {
		files = []string{"-"}
	}
	var out [][]byte
	status := 0
	for _, p := range files {
		if p == "-" {
			b, _ := io.ReadAll(io.LimitReader(c.stdin, maxFile))
			out = append(out, b)
			continue
		}
		b, err := c.e.fs.readFile(c.abs(p))
		if err != nil {
			fmt.Fprintf(c.stderr, "%s: %s: %v\n", c.args[0], p, err)
			status = 2
			continue
		}
		out = append(out, b)
	}
	return out, status
}

// lines splits b into lines without their newlines.
func lines(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// breToGo translates a POSIX basic regular expression (with GNU's \+ \?
// \|) to Go's syntax; ere says it is extended already.
func breToGo(re string, ere bool) string {
	if ere {
		return re
	}
	var b strings.Builder
	inBracket := false
	for i := 0; i < len(re); i++ {
		ch := re[i]
		switch {
		case inBracket:
			b.WriteByte(ch)
			if ch == '[' && i+1 < len(re) && (re[i+1] == ':' || re[i+1] == '=' || re[i+1] == '.') {
				end := strings.Index(re[i+2:], string(re[i+1])+"]")
				if end >= 0 {
					b.WriteString(re[i+1 : i+2+end+2])
					i += 1 + end + 2
				}
			} else if ch == ']' {
				inBracket = false
			}
		case ch == '[':
			inBracket = true
			b.WriteByte(ch)
			if i+1 < len(re) && re[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(re) && re[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case ch == '\\' && i+1 < len(re):
			i++
			switch n := re[i]; n {
			case '(', ')', '{', '}', '+', '?', '|':
				b.WriteByte(n)
			case '<', '>':
				b.WriteString(`\b`)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case ch == '(' || ch == ')' || ch == '{' || ch == '}' || ch == '+' || ch == '?' || ch == '|':
			b.WriteByte('\\')
			b.WriteByte(ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// grepCmd stands in for grep, egrep and fgrep: -q -v -c -E -F -x -w -i
// -l -s -e, exit 0 when a line matched, 1 when none, 2 on errors.
func grepCmd(c *call) int {
	f := parseFlags(c.args[1:], "ef", "regexp", "file")
	ere := f.has('E', "extended-regexp") || c.args[0] == "egrep"
	fixed := f.has('F', "fixed-strings") || c.args[0] == "fgrep"
	ops := f.operands
	var pats []string
	if p, ok := f.value('e', "regexp"); ok {
		pats = append(pats, p)
	} else if len(ops) > 0 {
		pats, ops = strings.Split(ops[0], "\n"), ops[1:]
	} else {
		return c.failf("no pattern")
	}
	var res []*regexp.Regexp
	for _, p := range pats {
		if fixed {
			p = regexp.QuoteMeta(p)
		} else {
			p = breToGo(p, ere)
		}
		if f.has('x', "line-regexp") {
			p = "^(?:" + p + ")$"
		} else if f.has('w', "word-regexp") {
			p = `\b(?:` + p + `)\b`
		}
		if f.has('i', "ignore-case") {
			p = "(?i)" + p
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return c.failf("bad pattern %q: %v", pats, err)
		}
		res = append(res, re)
	}
	ins, status := c.inputs(ops)
	n := 0
	for i, in := range ins {
		for _, l := range lines(in) {
			m := false
			for _, re := range res {
				m = m || re.MatchString(l)
			}
			if m == f.has('v', "invert-match") {
				continue
			}
			n++
			switch {
			case f.has('q', "quiet"), f.has('c', "count"):
			case f.has('l', "files-with-matches"):
				if i < len(ops) {
					fmt.Fprintln(c.stdout, ops[i])
				}
			default:
				fmt.Fprintln(c.stdout, l)
			}
		}
	}
	if f.has('c', "count") {
		fmt.Fprintln(c.stdout, n)
	}
	if status != 0 && !f.has('s', "no-messages") {
		return status
	}
	if n > 0 {
		return 0
	}
	return 1
}

// sedAddr is a sed address: a line number (0 only as GNU's "0,/re/"
// start), the last line, or a regular expression.
type sedAddr struct {
	line int // -1: "$"
	re   *regexp.Regexp
	set  bool
}

func (a sedAddr) match(l string, n, last int) bool {
	switch {
	case a.re != nil:
		return a.re.MatchString(l)
	case a.line == -1:
		return n == last
	}
	return a.line == n
}

// sedCommand is one command of a sed script.
type sedCommand struct {
	from, to sedAddr
	negate   bool
	inRange  bool // between from and to
	zeroUsed bool // a 0,/re/ range has started
	cmd      byte
	re       *regexp.Regexp
	repl     string
	global   bool
	print    bool
	nth      int
	src, dst string // y
}

// selects reports whether the command applies to line n (1-based) of
// last, updating its range state: a range starts where from matches and
// ends where to matches on a later line (or at line to), as GNU sed's;
// 0,/re/ may end on the first line.
func (sc *sedCommand) selects(l string, n, last int) bool {
	var ok bool
	switch {
	case !sc.from.set:
		ok = true
	case !sc.to.set:
		ok = sc.from.match(l, n, last)
	case sc.inRange:
		ok = true
		if sc.to.re != nil && sc.to.re.MatchString(l) || sc.to.re == nil && (sc.to.line == -1 && n == last || sc.to.line >= 0 && n >= sc.to.line) {
			sc.inRange = false
		}
	case sc.from.re == nil && sc.from.line == 0:
		if n == 1 && !sc.zeroUsed {
			sc.zeroUsed, ok = true, true
			sc.inRange = !(sc.to.re != nil && sc.to.re.MatchString(l))
		}
	case sc.from.match(l, n, last):
		ok, sc.inRange = true, true
		if sc.to.re == nil && sc.to.line >= 0 && sc.to.line <= n {
			sc.inRange = false
		}
	}
	return ok != sc.negate
}

// parseAddr reads an address at the start of s.
func parseAddr(s string, ere bool) (sedAddr, string, error) {
	switch {
	case s == "":
		return sedAddr{}, s, nil
	case s[0] == '/':
		end := unescapedIndex(s[1:], '/')
		if end < 0 {
			return sedAddr{}, "", fmt.Errorf("unterminated address regex")
		}
		re, err := regexp.Compile(breToGo(s[1:1+end], ere))
		if err != nil {
			return sedAddr{}, "", err
		}
		return sedAddr{re: re, set: true}, s[2+end:], nil
	case s[0] == '$':
		return sedAddr{line: -1, set: true}, s[1:], nil
	case s[0] >= '0' && s[0] <= '9':
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, _ := strconv.Atoi(s[:i])
		return sedAddr{line: n, set: true}, s[i:], nil
	}
	return sedAddr{}, s, nil
}

// parseSed parses the sed scripts maintainer scripts use: s, y, p, d and
// q commands, each with an optional address or range (/regex/, N, $,
// GNU's 0,/regex/) and "!", separated by ";" or newlines.
func parseSed(script string, ere bool) ([]sedCommand, error) {
	var cmds []sedCommand
	s := script
	for {
		s = strings.TrimLeft(s, " \t\n;")
		if s == "" {
			return cmds, nil
		}
		var sc sedCommand
		var err error
		if sc.from, s, err = parseAddr(s, ere); err != nil {
			return nil, err
		}
		if sc.from.set && strings.HasPrefix(s, ",") {
			if sc.to, s, err = parseAddr(s[1:], ere); err != nil {
				return nil, err
			}
			if !sc.to.set {
				return nil, fmt.Errorf("bad range in %q", script)
			}
		}
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, "!") {
			sc.negate, s = true, strings.TrimLeft(s[1:], " ")
		}
		if s == "" {
			return nil, fmt.Errorf("missing command in %q", script)
		}
		sc.cmd, s = s[0], s[1:]
		switch sc.cmd {
		case 'p', 'd', 'q':
		case 's', 'y':
			if s == "" {
				return nil, fmt.Errorf("unterminated %c in %q", sc.cmd, script)
			}
			delim := s[0]
			parts, rest, err := splitDelim(s[1:], delim, 2)
			if err != nil {
				return nil, fmt.Errorf("%v in %q", err, script)
			}
			s = rest
			if sc.cmd == 'y' {
				sc.src, sc.dst = parts[0], parts[1]
				break
			}
			flags := ""
			for s != "" && strings.IndexByte("gpIi0123456789", s[0]) >= 0 {
				flags, s = flags+s[:1], s[1:]
			}
			pat := breToGo(parts[0], ere)
			if strings.ContainsAny(flags, "Ii") {
				pat = "(?i)" + pat
			}
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, err
			}
			sc.re, sc.repl = re, sedReplacement(parts[1])
			sc.global, sc.print = strings.Contains(flags, "g"), strings.Contains(flags, "p")
			if n := strings.Trim(flags, "gpIi"); n != "" {
				sc.nth, _ = strconv.Atoi(n)
			}
		default:
			return nil, fmt.Errorf("sed command %q not reproduced", sc.cmd)
		}
		cmds = append(cmds, sc)
	}
}

// unescapedIndex is the index of the first c in s not behind a backslash.
func unescapedIndex(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

// splitDelim reads n fields of s ended by delim (a backslash escapes it).
func splitDelim(s string, delim byte, n int) ([]string, string, error) {
	var parts []string
	for range n {
		i := unescapedIndex(s, delim)
		if i < 0 {
			return nil, "", fmt.Errorf("unterminated command")
		}
		parts = append(parts, strings.ReplaceAll(s[:i], `\`+string(delim), string(delim)))
		s = s[i+1:]
	}
	return parts, s, nil
}

// sedReplacement turns sed's \1 and & into Go's ${1} and ${0}.
func sedReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		switch ch := r[i]; {
		case ch == '\\' && i+1 < len(r):
			i++
			switch n := r[i]; {
			case n >= '0' && n <= '9':
				b.WriteString("${" + string(n) + "}")
			case n == 'n':
				b.WriteByte('\n')
			case n == 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(n)
			}
		case ch == '&':
			b.WriteString("${0}")
		case ch == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// sedCmd stands in for sed with -n, -e, -E/-r, -i and the commands of
// parseSed.
func sedCmd(c *call) int {
	var scripts, files []string
	quiet, ere, inPlace := false, false, false
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--expression":
			i++
			scripts = append(scripts, arg(args, i))
		case strings.HasPrefix(a, "--expression="):
			scripts = append(scripts, strings.TrimPrefix(a, "--expression="))
		case a == "--quiet" || a == "--silent":
			quiet = true
		case a == "--regexp-extended":
			ere = true
		case strings.HasPrefix(a, "--in-place"):
			inPlace = true
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// A cluster of short options: -n, -E, -r, -s, -u, -i[SUFFIX], -e SCRIPT.
		cluster:
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'n':
					quiet = true
				case 'E', 'r':
					ere = true
				case 's', 'u', 'z':
				case 'i':
					inPlace = true
					break cluster
				case 'e':
					if j+1 < len(a) {
						scripts = append(scripts, a[j+1:])
					} else {
						i++
						scripts = append(scripts, arg(args, i))
					}
					break cluster
				default:
					c.e.skipped(c)
					return 0
				}
			}
		default:
			files = append(files, a)
		}
	}
	if len(scripts) == 0 && len(files) > 0 {
		scripts, files = files[:1], files[1:]
	}
	cmds, err := parseSed(strings.Join(scripts, "\n"), ere)
	if err != nil {
		c.e.warnf(c.sc.pkg, "%s: sed: %v: not run", c.sc.name, err)
		return 1
	}
	if inPlace {
		for _, p := range files {
			data, err := c.e.fs.readFile(c.abs(p))
			if err != nil {
				return c.failf("%v", err)
			}
			var out bytes.Buffer
			runSed(cmds, lines(data), quiet, &out)
			if err := c.e.fs.writeFile(c.abs(p), out.Bytes(), 0o644); err != nil {
				return c.failf("%v", err)
			}
		}
		return 0
	}
	ins, status := c.inputs(files)
	var all []string
	for _, in := range ins {
		all = append(all, lines(in)...)
	}
	runSed(cmds, all, quiet, c.stdout)
	return status
}

// runSed runs cmds over the lines, as sed does.
func runSed(cmds []sedCommand, ls []string, quiet bool, w io.Writer) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for n, l := range ls {
		deleted, quit := false, false
		for i := range cmds {
			sc := &cmds[i]
			if !sc.selects(l, n+1, len(ls)) {
				continue
			}
			switch sc.cmd {
			case 'p':
				fmt.Fprintln(bw, l)
			case 'd':
				deleted = true
			case 'q':
				quit = true
			case 'y':
				l = transliterate(l, sc.src, sc.dst)
			case 's':
				count := 0
				done := false
				l = sc.re.ReplaceAllStringFunc(l, func(m string) string {
					count++
					if done || sc.nth > 0 && count != sc.nth {
						return m
					}
					if !sc.global {
						done = true
					}
					return sc.re.ReplaceAllString(m, sc.repl)
				})
				if count > 0 && sc.print && (sc.nth == 0 || count >= sc.nth) {
					fmt.Fprintln(bw, l)
				}
			}
			if deleted || quit {
				break
			}
		}
		if !deleted && !quiet {
			fmt.Fprintln(bw, l)
		}
		if quit {
			return
		}
	}
}

// transliterate is tr's and sed y's mapping of from's characters to to's.
func transliterate(s, from, to string) string {
	f, t := []rune(from), []rune(to)
	m := map[rune]rune{}
	for i, r := range f {
		if i < len(t) {
			m[r] = t[i]
		} else if len(t) > 0 {
			m[r] = t[len(t)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if x, ok := m[r]; ok {
			return x
		}
		return r
	}, s)
}

// trSet expands a tr set: ranges and the classes scripts use.
func trSet(s string) string {
	for class, chars := range map[string]string{
		"[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
		"[:digit:]": "0123456789", "[:space:]": " \t\n\r\f\v", "[:blank:]": " \t",
	} {
		s = strings.ReplaceAll(s, class, chars)
	}
	s = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(s)
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if i+2 < len(r) && r[i+1] == '-' && r[i] <= r[i+2] {
			for x := r[i]; x <= r[i+2]; x++ {
				b.WriteRune(x)
			}
			i += 2
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

// trCmd stands in for tr SET1 SET2, tr -d SET and tr -s SET.
func trCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	in, _ := io.ReadAll(io.LimitReader(c.stdin, maxFile))
	s := string(in)
	switch {
	case f.has('d', "delete") && len(f.operands) == 1:
		set := trSet(f.operands[0])
		s = strings.Map(func(r rune) rune {
			if strings.ContainsRune(set, r) {
				return -1
			}
			return r
		}, s)
	case f.has('s', "squeeze-repeats") && len(f.operands) == 1:
		set := trSet(f.operands[0])
		var b strings.Builder
		var last rune = -1
		for _, r := range s {
			if r == last && strings.ContainsRune(set, r) {
				continue
			}
			b.WriteRune(r)
			last = r
		}
		s = b.String()
	case len(f.operands) == 2:
		s = transliterate(s, trSet(f.operands[0]), trSet(f.operands[1]))
	default:
		c.e.skipped(c)
	}
	fmt.Fprint(c.stdout, s)
	return 0
}

// headCmd stands in for head -n N and head -c N.
func headCmd(c *call) int {
	f := parseFlags(c.args[1:], "nc", "lines", "bytes")
	ins, status := c.inputs(f.operands)
	all := bytes.Join(ins, nil)
	if v, ok := f.value('c', "bytes"); ok {
		n, _ := strconv.Atoi(v)
		if n < len(all) {
			all = all[:n]
		}
		_, _ = c.stdout.Write(all)
		return status
	}
	n := 10
	if v, ok := f.value('n', "lines"); ok {
		n, _ = strconv.Atoi(v)
	}
	for i, l := range lines(all) {
		if i >= n {
			break
		}
		fmt.Fprintln(c.stdout, l)
	}
	return status
}

// cutCmd stands in for cut -d D -f LIST.
func cutCmd(c *call) int {
	f := parseFlags(c.args[1:], "dfc", "delimiter", "fields", "characters")
	d, _ := f.value('d', "delimiter")
	if d == "" {
		d = "\t"
	}
	list, ok := f.value('f', "fields")
	if !ok {
		c.e.skipped(c)
		return 0
	}
	want := map[int]bool{}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
			if hi == "" {
				b = 1 << 20
			}
			if lo == "" {
				a = 1
			}
		}
		for i := a; i <= b && i < a+4096; i++ {
			want[i] = true
		}
	}
	ins, status := c.inputs(f.operands)
	for _, in := range ins {
		for _, l := range lines(in) {
			fields := strings.Split(l, d[:1])
			var out []string
			for i, fl := range fields {
				if want[i+1] {
					out = append(out, fl)
				}
			}
			fmt.Fprintln(c.stdout, strings.Join(out, d[:1]))
		}
	}
	return status
}

// sumCmd stands in for md5sum, sha1sum, sha256sum and sha512sum.
func sumCmd(newHash func() hash.Hash) func(c *call) int {
	return func(c *call) int {
		f := parseFlags(c.args[1:], "")
		if f.has('c', "check") {
			c.e.skipped(c)
			return 0
		}
		ops := f.operands
		if len(ops) == 0 {
			ops = []string{"-"}
		}
		ins, status := c.inputs(ops)
		for i, in := range ins {
			h := newHash()
			h.Write(in)
			fmt.Fprintf(c.stdout, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), ops[i])
		}
		return status
	}
}

// uniqCmd stands in for uniq.
func uniqCmd(c *call) int {
	ins, status := c.inputs(parseFlags(c.args[1:], "").operands)
	prev, first := "", true
	for _, in := range ins {
		for _, l := range lines(in) {
			if first || l != prev {
				fmt.Fprintln(c.stdout, l)
			}
			prev, first = l, false
		}
	}
	return status
}

// cmpCmd stands in for cmp -s A B.
func cmpCmd(c *call) int {
	f := parseFlags(c.args[1:], "")
	if len(f.operands) != 2 {
		return c.failf("want two files")
	}
	ins, status := c.inputs(f.operands)
	if status != 0 || len(ins) != 2 {
		return 2
	}
	if bytes.Equal(ins[0], ins[1]) {
		return 0
	}
	return 1
}

// mktempCmd makes a file (or, -d, a directory) in /tmp with a name
// counted up from 1: the same run gives the same names.
func mktempCmd(c *call) int {
	f := parseFlags(c.args[1:], "pt", "tmpdir")
	c.e.temps++
	name := fmt.Sprintf("/tmp/tmp.distrofile%d", c.e.temps)
	if len(f.operands) == 1 {
		tmpl := f.operands[0]
		x := strings.TrimRight(tmpl, "X")
		name = fmt.Sprintf("%s%0*d", x, len(tmpl)-len(x), c.e.temps)
		if !strings.HasPrefix(name, "/") {
			name = "/tmp/" + name
		}
	}
	var err error
	if f.has('d', "directory") {
		err = c.e.fs.mkdir(name, 0o700, false)
	} else {
		err = c.e.fs.writeFile(name, nil, 0o600)
	}
	if err != nil {
		return c.failf("%v", err)
	}
	fmt.Fprintln(c.stdout, name)
	return 0
}

// statCmd stands in for stat -c FORMAT with %a %u %g %U %G %n %F.
func statCmd(c *call) int {
	f := parseFlags(c.args[1:], "c", "format")
	format, ok := f.value('c', "format")
	if !ok {
		c.e.skipped(c)
		return 0
	}
	status := 0
	for _, p := range f.operands {
		_, in, err := c.e.fs.stat(c.abs(p), !f.has('L', "dereference") || true)
		if err != nil {
			status = c.failf("cannot stat '%s'", p)
			continue
		}
		user, group := strconv.Itoa(in.uid), strconv.Itoa(in.gid)
		if u := c.e.accounts.userByID(in.uid); u != nil {
			user = u.name
		}
		if g := c.e.accounts.groupByID(in.gid); g != nil {
			group = g.name
		}
		typ := map[kind]string{kindFile: "regular file", kindDir: "directory", kindLink: "symbolic link"}[in.kind]
		r := strings.NewReplacer("%a", strconv.FormatInt(int64(unixPerm(in.mode)), 8), "%u", strconv.Itoa(in.uid),
			"%g", strconv.Itoa(in.gid), "%U", user, "%G", group, "%n", p, "%F", typ)
		fmt.Fprintln(c.stdout, r.Replace(format))
	}
	return status
}

// exprCmd stands in for expr with integer arithmetic and comparisons.
func exprCmd(c *call) int {
	a := c.args[1:]
	if len(a) != 3 {
		c.e.skipped(c)
		return 2
	}
	x, err1 := strconv.Atoi(a[0])
	y, err2 := strconv.Atoi(a[2])
	var v int
	if err1 != nil || err2 != nil {
		switch a[1] {
		case "=":
			v = b2i(a[0] == a[2])
		case "!=":
			v = b2i(a[0] != a[2])
		default:
			c.e.skipped(c)
			return 2
		}
	} else {
		switch a[1] {
		case "+":
			v = x + y
		case "-":
			v = x - y
		case "*":
			v = x * y
		case "/", "%":
			if y == 0 {
				return c.failf("division by zero")
			}
			if a[1] == "/" {
				v = x / y
			} else {
				v = x % y
			}
		case "<":
			v = b2i(x < y)
		case "<=":
			v = b2i(x <= y)
		case ">":
			v = b2i(x > y)
		case ">=":
			v = b2i(x >= y)
		case "=":
			v = b2i(x == y)
		case "!=":
			v = b2i(x != y)
		default:
			c.e.skipped(c)
			return 2
		}
	}
	fmt.Fprintln(c.stdout, v)
	if v == 0 {
		return 1
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tailCmd stands in for tail -n N (and the old tail -N).
func tailCmd(c *call) int {
	args := c.args[1:]
	n := 10
	var files []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-n":
			i++
			n, _ = strconv.Atoi(strings.TrimPrefix(arg(args, i), "-"))
		case strings.HasPrefix(a, "-n"):
			n, _ = strconv.Atoi(a[2:])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			v, err := strconv.Atoi(a[1:])
			if err != nil {
				c.e.skipped(c)
				return 0
			}
			n = v
		default:
			files = append(files, a)
		}
	}
	ins, status := c.inputs(files)
	var all []string
	for _, in := range ins {
		all = append(all, lines(in)...)
	}
	if len(all) > n {
		all = all[len(all)-n:]
	}
	for _, l := range all {
		fmt.Fprintln(c.stdout, l)
	}
	return status
}
