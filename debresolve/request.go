package debresolve

import (
	"errors"
	"fmt"
	"sync"
)

// ResolveRequest asks for the closure of Roots, without Excludes, for Arch,
// against the Packages files Files (as ListIndexes lists them, in that
// order). It names no mirror and no URL: a request is the same on every
// mirror, so a build step that answers it (the frontend runs the resolver
// in a cached BuildKit ExecOp whose inputs are the files, pinned by
// sha256) is cached across mirrors, and its answer is the same data.
type ResolveRequest struct {
	Arch     string   `json:"arch"`
	Roots    []string `json:"roots"`
	Excludes []string `json:"excludes,omitempty"`
	// Installed are a base image's packages (Request.Installed).
	Installed []InstalledPackage `json:"installed,omitempty"`
	// Prefer are the versions to keep where they still do (Request.Prefer).
	Prefer map[string]string `json:"prefer,omitempty"`
	Files  []IndexFile       `json:"files"`
}

// ResolveResponse is the answer to a ResolveRequest: the closure, or the
// error that prevented it. Errors are data: the same request always gets
// the same response.
type ResolveResponse struct {
	// Closure is the closure in the lock's per-architecture form. Each
	// package's Source is the IndexFile.Source of the file it came from
	// (a position in the sources the request's files were listed from).
	Closure *LockArch `json:"closure,omitempty"`
	// SourcePackages maps each closure package that names its source
	// package (the Source field of its stanza) to that name.
	SourcePackages map[string]string `json:"source_packages,omitempty"`
	// Error is set when there is no closure.
	Error *ResolveError `json:"error,omitempty"`
}

// ResolveError is a resolver error in a form that survives JSON: the
// message and, for the typed errors, the error itself, so that callers can
// tell which INSTALL or EXCLUDE argument it is about.
type ResolveError struct {
	// Message is the error's text (Error() of the original error).
	Message string `json:"message"`
	// File, when set, is the position in ResolveRequest.Files of a file
	// that could not be read (size, hash, compression or syntax); Message
	// then does not name the file (see ReadIndex).
	File *int `json:"file,omitempty"`
	// At most one of these is set.
	Unknown       *UnknownPackageError   `json:"unknown,omitempty"`
	Unsatisfiable *UnsatisfiableError    `json:"unsatisfiable,omitempty"`
	Ambiguous     *AmbiguousError        `json:"ambiguous,omitempty"`
	Conflict      *ConflictError         `json:"conflict,omitempty"`
	Replace       *ReplaceInstalledError `json:"replace,omitempty"`
}

// NewResolveError records err (as returned by Resolve).
func NewResolveError(err error) *ResolveError {
	e := &ResolveError{Message: err.Error()}
	var (
		unknown *UnknownPackageError
		unsat   *UnsatisfiableError
		ambig   *AmbiguousError
		confl   *ConflictError
		repl    *ReplaceInstalledError
	)
	switch {
	case errors.As(err, &unknown):
		e.Unknown = unknown
	case errors.As(err, &unsat):
		e.Unsatisfiable = unsat
	case errors.As(err, &ambig):
		e.Ambiguous = ambig
	case errors.As(err, &confl):
		e.Conflict = confl
	case errors.As(err, &repl):
		e.Replace = repl
	}
	return e
}

// Err returns the error: the typed one when there is one (its message is
// Message), else an error whose text is Message.
func (e *ResolveError) Err() error {
	var typed error
	switch {
	case e.Unknown != nil:
		typed = e.Unknown
	case e.Unsatisfiable != nil:
		typed = e.Unsatisfiable
	case e.Ambiguous != nil:
		typed = e.Ambiguous
	case e.Conflict != nil:
		typed = e.Conflict
	case e.Replace != nil:
		typed = e.Replace
	}
	if typed != nil && typed.Error() == e.Message {
		return typed
	}
	if typed != nil {
		// A wrapped typed error: keep the message, and the type for errors.As.
		return &messageError{msg: e.Message, err: typed}
	}
	return errors.New(e.Message)
}

type messageError struct {
	msg string
	err error
}

func (e *messageError) Error() string { return e.msg }
func (e *messageError) Unwrap() error { return e.err }

// ResolveIndexes answers req from indexes, where indexes[i] was read from
// req.Files[i].
func ResolveIndexes(req ResolveRequest, indexes []*Index) (*ResolveResponse, error) {
	if len(indexes) != len(req.Files) {
		return nil, fmt.Errorf("debresolve: %d indexes for %d files", len(indexes), len(req.Files))
	}
	cl, err := Resolve(indexes, req.Arch, Request{Roots: req.Roots, Exclude: req.Excludes, Installed: req.Installed, Prefer: req.Prefer})
	if err != nil {
		return &ResolveResponse{Error: NewResolveError(err)}, nil
	}
	srcOf := func(p *Package) (int, error) {
		for i, x := range indexes {
			for q := x.first(p.Name); q != nil; q = q.nextSame {
				if q == p {
					return req.Files[i].Source, nil
				}
			}
		}
		return 0, fmt.Errorf("package %s is in none of the indexes", p.ID())
	}
	la, err := newLockArch(cl, srcOf)
	if err != nil {
		return nil, err
	}
	resp := &ResolveResponse{Closure: la}
	for _, p := range cl.Packages {
		if p.Source != "" {
			if resp.SourcePackages == nil {
				resp.SourcePackages = map[string]string{}
			}
			resp.SourcePackages[p.Name] = p.Source
		}
	}
	return resp, nil
}

// ResolveIndexFiles answers req, reading the content of req.Files[i] with
// read(i) (in parallel). A file that does not match its size or hash, or
// does not decompress or parse, is a response error naming the file. The
// error returned is read's: it is not about the request.
func ResolveIndexFiles(req ResolveRequest, read func(i int) ([]byte, error)) (*ResolveResponse, error) {
	indexes := make([]*Index, len(req.Files))
	readErrs := make([]error, len(req.Files))
	idxErrs := make([]error, len(req.Files))
	var wg sync.WaitGroup
	for i, f := range req.Files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := read(i)
			if err != nil {
				readErrs[i] = err
				return
			}
			indexes[i], idxErrs[i] = ReadIndex(f, data, "")
		}()
	}
	wg.Wait()
	for _, err := range readErrs {
		if err != nil {
			return nil, err
		}
	}
	for i, err := range idxErrs {
		if err != nil {
			return &ResolveResponse{Error: &ResolveError{Message: err.Error(), File: &i}}, nil
		}
	}
	return ResolveIndexes(req, indexes)
}
