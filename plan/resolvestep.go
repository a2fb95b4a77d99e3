package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distrofile/distrofile/debresolve"
)

// The resolve step runs the frontend binary's resolve mode in an ExecOp
// with no network: the request, the index files (one read-only mount
// each) and an empty output directory.
const (
	// ResolveMode is the frontend binary's first argument for the step.
	ResolveMode = "resolve"
	// IndexFileName is the name of every index file in its directory:
	// a constant keeps the fetch's cache key independent of the mirror.
	IndexFileName = "Packages"
	// ResponseFile is the name of the answer in the output directory.
	ResponseFile = "response.json"
)

// ResolveCommand is the command line of the resolve step:
//
//	distrofile-frontend resolve REQUEST INDEXES OUT
//
// REQUEST is a debresolve.ResolveRequest as JSON text (when it starts with
// '{') or the file holding it; file i of the request is
// INDEXES/<i>/Packages; the debresolve.ResolveResponse is written to
// OUT/response.json.
type ResolveCommand struct {
	Request, Indexes, Out string
}

// Args returns the arguments after the program name.
func (c ResolveCommand) Args() []string {
	return []string{ResolveMode, c.Request, c.Indexes, c.Out}
}

// ParseResolveCommand reads the arguments after the program name, as Args
// writes them.
func ParseResolveCommand(args []string) (ResolveCommand, error) {
	if len(args) != 4 || args[0] != ResolveMode {
		return ResolveCommand{}, fmt.Errorf("usage: distrofile-frontend %s REQUEST INDEXES OUT", ResolveMode)
	}
	return ResolveCommand{Request: args[1], Indexes: args[2], Out: args[3]}, nil
}

// ResolveMain is the frontend binary's resolve mode (see ResolveCommand);
// args are the arguments after the program name. Resolver errors, and
// index files that do not match InRelease or do not parse, are part of
// the response (they are as deterministic as a closure, and are cached
// like one); the error returned is for everything else (usage, a missing
// file, an unwritable output), and makes the ExecOp fail.
func ResolveMain(args []string, log io.Writer) error {
	c, err := ParseResolveCommand(args)
	if err != nil {
		return err
	}
	t0 := time.Now()
	reqData := []byte(c.Request)
	if !strings.HasPrefix(c.Request, "{") {
		if reqData, err = os.ReadFile(c.Request); err != nil {
			return err
		}
	}
	var req debresolve.ResolveRequest
	dec := json.NewDecoder(bytes.NewReader(reqData))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	var mu sync.Mutex
	var read int64
	resp, err := debresolve.ResolveIndexFiles(req, func(i int) ([]byte, error) {
		data, err := os.ReadFile(filepath.Join(c.Indexes, strconv.Itoa(i), IndexFileName))
		mu.Lock()
		read += int64(len(data))
		mu.Unlock()
		return data, err
	})
	if err != nil {
		return err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.Out, ResponseFile), out, 0o644); err != nil {
		return err
	}
	if resp.Error != nil {
		fmt.Fprintf(log, "%s: %s\n", req.Arch, resp.Error.Message)
	} else {
		fmt.Fprintf(log, "%s: %d packages for %d roots, from %d index files (%s) in %v\n", req.Arch, len(resp.Closure.Packages),
			len(req.Roots), len(req.Files), HumanSize(read), time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// DecodeResponse reads the resolve step's answer.
func DecodeResponse(data []byte) (*debresolve.ResolveResponse, error) {
	var resp debresolve.ResolveResponse
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("the resolver's response: %w", err)
	}
	if (resp.Closure == nil) == (resp.Error == nil) {
		return nil, fmt.Errorf("the resolver's response has neither a closure nor an error")
	}
	return &resp, nil
}
