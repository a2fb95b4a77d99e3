package effects

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// maxDepth bounds scripts that run scripts (php_invoke runs phpenmod…).
const maxDepth = 8

// defaultPath is dpkg's PATH for maintainer scripts.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// script is one run of a maintainer script, or of a shell script of the
// image that one runs.
type script struct {
	pkg   *pkgState
	name  string // "postinst", or the image path of a script a script runs
	depth int
}

// shellScript reports whether data is a script for sh or bash, which the
// interpreter reads; other interpreters (perl) are not.
func shellScript(data []byte) bool {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("#!")))
	if !bytes.HasPrefix(data, []byte("#!")) {
		return true // dpkg runs it with sh
	}
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return false
	}
	prog := path.Base(f[0])
	if prog == "env" && len(f) > 1 {
		prog = f[1]
	}
	return prog == "sh" || prog == "bash" || prog == "dash"
}

// run interprets data with args as its parameters. Each command goes to a
// stand-in (commands), a shell script of the image, or is skipped with a
// warning: nothing of the image ever runs.
func (e *engine) run(ctx context.Context, sc script, data []byte, args []string, stdin io.Reader) (status int, err error) {
	defer func() {
		// The interpreter is a library that may fail on a script no
		// test has met: that script is not reproduced, the build goes on.
		if r := recover(); r != nil {
			e.warnf(sc.pkg, "%s: the shell interpreter failed (%v): not reproduced", sc.name, r)
			status, err = 1, nil
		}
	}()
	if !shellScript(data) {
		line, _, _ := bytes.Cut(data, []byte("\n"))
		e.warnf(sc.pkg, "%s: not a shell script (%s): not read", sc.name, line)
		return 0, nil
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(bytes.NewReader(data), sc.name)
	if err != nil {
		e.warnf(sc.pkg, "%s: %v: not read", sc.name, err)
		return 0, nil
	}
	rewrite(file)
	var stdout, stderr lockedBuffer
	r, err := interp.New(
		interp.Params(append([]string{"--"}, args...)...),
		interp.Env(expand.ListEnviron(e.environ(sc)...)),
		interp.StdIO(stdin, &stdout, &stderr),
		interp.Dir("/"),
		interp.CallHandler(e.callHandler(sc)),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return e.execHandler(sc) }),
		interp.OpenHandler(e.open),
		interp.StatHandler(e.statHandler),
		interp.ReadDirHandler2(e.readDirHandler),
		interp.AccessHandler(e.access),
	)
	if err != nil {
		return 0, err
	}
	err = r.Run(ctx, file)
	if es, ok := errors.AsType[interp.ExitStatus](err); ok {
		status := uint8(es)
		if status != 0 {
			e.warnf(sc.pkg, "%s exited with status %d: %s", sc.name, status, lastLine(stderr.String()))
		}
		return int(status), nil
	}
	if err != nil {
		e.warnf(sc.pkg, "%s: %v", sc.name, err)
		return 1, nil
	}
	return 0, nil
}

// lastLine is the last non-empty line of s, for a warning.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// environ is what dpkg gives a maintainer script.
func (e *engine) environ(sc script) []string {
	return []string{
		"PATH=" + defaultPath,
		"HOME=/root",
		"LANG=C.UTF-8",
		"DEBIAN_FRONTEND=noninteractive",
		"DPKG_ROOT=",
		"DPKG_ADMINDIR=/var/lib/dpkg",
		"DPKG_RUNNING_VERSION=1.22.21",
		"DPKG_MAINTSCRIPT_PACKAGE=" + sc.pkg.name,
		"DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1",
		"DPKG_MAINTSCRIPT_ARCH=" + sc.pkg.arch,
		"DPKG_MAINTSCRIPT_NAME=" + sc.pkg.script,
		"DPKG_MAINTSCRIPT_DEBUG=0",
	}
}

// callHandler answers the builtins that would look at the host: command
// -v, type and hash look commands up in the image.
func (e *engine) callHandler(sc script) interp.CallHandlerFunc {
	return func(ctx context.Context, args []string) ([]string, error) {
		switch {
		case args[0] == "command" && len(args) > 2 && (args[1] == "-v" || args[1] == "-V"),
			args[0] == "type" && len(args) > 1,
			args[0] == "hash" && len(args) > 1:
			return append([]string{"distrofile-lookup"}, args[1:]...), nil
		case (args[0] == "." || args[0] == "source") && len(args) > 1:
			return e.sourced(ctx, args), nil
		case args[0] == "trap":
			// No signal reaches a script here: only EXIT (0) and ERR
			// traps are kept, the interpreter's names for them.
			if len(args) < 3 {
				return args, nil
			}
			kept := args[:2]
			for _, sig := range args[2:] {
				switch strings.TrimPrefix(strings.ToUpper(sig), "SIG") {
				case "0", "EXIT":
					kept = append(kept, "EXIT")
				case "ERR":
					kept = append(kept, "ERR")
				}
			}
			if len(kept) == 2 {
				return []string{"true"}, nil
			}
			return kept, nil
		case args[0] == "umask":
			// The stand-ins give every file its mode explicitly.
			return []string{"true"}, nil
		}
		return args, nil
	}
}

// abs makes p absolute against the shell's directory.
func abs(ctx context.Context, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(interp.HandlerCtx(ctx).Dir, p)
}

func (e *engine) open(ctx context.Context, p string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p = abs(ctx, p)
	if p == "/dev/null" {
		return devNull{}, nil
	}
	if sub, ok := e.replacements[p]; ok && flag&(os.O_WRONLY|os.O_RDWR) == 0 {
		return &memFile{r: bytes.NewReader([]byte(sub))}, nil
	}
	f := &memFile{v: e.fs, mu: &e.mu, path: p, mode: perm & fs.ModePerm}
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		f.w = &bytes.Buffer{}
		f.append = flag&os.O_APPEND != 0
		if strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/") {
			return devNull{}, nil
		}
		if _, err := e.fs.parentDir(p); err != nil {
			return nil, err
		}
		if flag&os.O_TRUNC == 0 && !f.append {
			f.append = true // "<>" or a plain O_WRONLY keeps what is there
		}
		return f, nil
	}
	data, err := e.fs.readFile(p)
	if err != nil {
		return nil, err
	}
	f.r = bytes.NewReader(data)
	return f, nil
}

func (e *engine) statHandler(ctx context.Context, name string, follow bool) (fs.FileInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name == "" {
		return nil, errNotExist("stat", name)
	}
	p := abs(ctx, name)
	if p == "/dev/null" {
		return fileInfo{info{name: "null", kind: kindFile, mode: 0o666}}, nil
	}
	_, in, err := e.fs.stat(p, follow)
	if err != nil {
		return nil, err
	}
	return fileInfo{in}, nil
}

func (e *engine) readDirHandler(ctx context.Context, name string) ([]fs.DirEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ins, err := e.fs.readDir(abs(ctx, name))
	if err != nil {
		return nil, err
	}
	return dirEntries(ins), nil
}

// access answers test -r/-w/-x as root would: -x needs an execute bit.
func (e *engine) access(ctx context.Context, name string, mode interp.AccessMode) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name == "" {
		return errNotExist("access", name)
	}
	_, in, err := e.fs.stat(abs(ctx, name), true)
	if err != nil {
		return err
	}
	if mode&interp.AccessExec != 0 && in.kind != kindDir && in.mode&0o111 == 0 {
		return &fs.PathError{Op: "access", Path: name, Err: fs.ErrPermission}
	}
	return nil
}

// lookPath finds a command in the image, as the shell would.
func (e *engine) lookPath(name string) (string, bool) {
	if strings.Contains(name, "/") {
		_, in, err := e.fs.stat(name, true)
		return name, err == nil && in.kind == kindFile
	}
	for _, d := range strings.Split(defaultPath, ":") {
		p := path.Join(d, name)
		if _, in, err := e.fs.stat(p, true); err == nil && in.kind == kindFile && in.mode&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// execHandler runs a command that is not a builtin or a function. The
// interpreter runs the commands of a pipeline at the same time: a
// stand-in runs holding the engine's lock, lets it go while it waits for
// its input (unlockingReader), and writes its output once it has let the
// lock go, so that no two touch the image at once and none waits for
// another while holding it.
func (e *engine) execHandler(sc script) interp.ExecHandlerFunc {
	return func(ctx context.Context, args []string) error {
		hc := interp.HandlerCtx(ctx)
		var stdout, stderr bytes.Buffer
		c := &call{e: e, sc: sc, ctx: ctx, args: args, stdin: &unlockingReader{r: hc.Stdin, mu: &e.mu}, rawStdin: hc.Stdin, stdout: &stdout, stderr: &stderr, dir: hc.Dir}
		status := e.exec(c)
		_, _ = hc.Stdout.Write(stdout.Bytes())
		_, _ = hc.Stderr.Write(stderr.Bytes())
		if status != 0 {
			return interp.ExitStatus(uint8(status))
		}
		return nil
	}
}

// unlockingReader is a stand-in's standard input: reading lets the
// engine's lock go, as the command writing into the pipe needs it.
type unlockingReader struct {
	r  io.Reader
	mu *sync.Mutex
}

func (u *unlockingReader) Read(p []byte) (int, error) {
	u.mu.Unlock()
	defer u.mu.Lock()
	return u.r.Read(p)
}

// exec runs c: a stand-in when one stands for the command, else a shell
// script of the image, else nothing (a warning).
func (e *engine) exec(c *call) int {
	e.mu.Lock()
	name := path.Base(c.args[0])
	if pythonName.MatchString(name) {
		name = "python3"
	}
	if sub, ok := standIns[name]; ok {
		defer e.mu.Unlock()
		return sub.run(c)
	}
	p, found := e.lookPath(c.args[0])
	if !found {
		e.mu.Unlock()
		fmt.Fprintf(c.stderr, "%s: not found\n", c.args[0])
		return 127
	}
	data, err := e.fs.readFile(p)
	if err == nil && bytes.HasPrefix(data, []byte("#!")) && shellScript(data) && c.sc.depth < maxDepth {
		e.mu.Unlock()
		status, err := e.run(c.ctx, script{pkg: c.sc.pkg, name: p, depth: c.sc.depth + 1}, data, c.args[1:], c.rawStdin)
		if err != nil {
			fmt.Fprintln(c.stderr, err)
			return 1
		}
		return status
	}
	defer e.mu.Unlock()
	e.skipped(c)
	return 0
}

// skipped records a command that no stand-in replaces.
func (e *engine) skipped(c *call) {
	e.warnf(c.sc.pkg, "%s: did not run `%s`", c.sc.name, strings.Join(c.args, " "))
}

// subshellReturns rewrites "return" as "exit" in the functions whose body
// is a subshell, f() ( … ): the interpreter does not know it is in a
// function there (mvdan.cc/sh v3.14), and leaving the subshell with exit
// is what returning from such a function does.
func subshellReturns(file *syntax.File) {
	syntax.Walk(file, func(n syntax.Node) bool {
		fd, ok := n.(*syntax.FuncDecl)
		if !ok {
			return true
		}
		if _, ok := fd.Body.Cmd.(*syntax.Subshell); !ok {
			return true
		}
		syntax.Walk(fd.Body, func(m syntax.Node) bool {
			switch m := m.(type) {
			case *syntax.FuncDecl:
				return false
			case *syntax.CallExpr:
				if len(m.Args) > 0 && m.Args[0].Lit() == "return" {
					m.Args[0].Parts = []syntax.WordPart{&syntax.Lit{Value: "exit"}}
				}
			}
			return true
		})
		return false
	})
}

// sourced rewrites ". FILE" to source FILE as the engine reads scripts
// (see subshellReturns), from a copy the open handler serves.
func (e *engine) sourced(ctx context.Context, args []string) []string {
	p := abs(ctx, args[1])
	if _, ok := e.replacements[p]; ok {
		return args
	}
	data, err := e.fs.readFile(p)
	if err != nil {
		return args
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(bytes.NewReader(data), p)
	if err != nil {
		return args
	}
	rewrite(file)
	var b bytes.Buffer
	if err := syntax.NewPrinter().Print(&b, file); err != nil {
		return args
	}
	copyPath := sourcedDir + p
	e.replacements[copyPath] = b.String()
	return append([]string{args[0], copyPath}, args[2:]...)
}

// sourcedDir is where the open handler serves the rewritten copies of
// sourced scripts.
const sourcedDir = "/.distrofile-sourced"

// rewrite adapts a script to where the interpreter differs from dash and
// bash: see subshellReturns and andLists.
func rewrite(file *syntax.File) {
	subshellReturns(file)
	andLists(file.Stmts)
}

// andLists rewrites each statement "A && B" of a list (not a condition)
// as "if A; then B; fi". Under set -e, dash and bash do not exit when A
// fails, even when the list is the last command of an if or a loop body
// and so sets its status; the interpreter does (mvdan.cc/sh v3.14).
// Maintainer scripts rely on it: "which restorecon && restorecon …".
func andLists(stmts []*syntax.Stmt) {
	for _, st := range stmts {
		st.Background = false // deterministic: "cmd &" runs to its end first
		andListsCmd(st.Cmd)
		b, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.AndStmt || st.Negated || st.Background || st.Coprocess {
			continue
		}
		st.Cmd = &syntax.IfClause{Cond: []*syntax.Stmt{b.X}, Then: []*syntax.Stmt{b.Y}}
	}
}

// andListsCmd applies andLists to the statement lists inside cmd that are
// not conditions.
func andListsCmd(cmd syntax.Command) {
	switch c := cmd.(type) {
	case *syntax.Block:
		andLists(c.Stmts)
	case *syntax.Subshell:
		andLists(c.Stmts)
	case *syntax.IfClause:
		for ; c != nil; c = c.Else {
			andLists(c.Then)
		}
	case *syntax.WhileClause:
		andLists(c.Do)
	case *syntax.ForClause:
		andLists(c.Do)
	case *syntax.CaseClause:
		for _, it := range c.Items {
			andLists(it.Stmts)
		}
	case *syntax.FuncDecl:
		andListsCmd(c.Body.Cmd)
	}
}

// lockedBuffer is a script's standard output or error: the commands of a
// pipeline write to it at the same time.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > maxFile {
		return len(p), nil // what a script prints is only read for warnings
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pythonName matches the versioned Python interpreters (python3.13) that
// scripts run to byte-compile: the python3 stand-in answers them.
var pythonName = regexp.MustCompile(`^python3(\.[0-9]+)?$`)
