package llbgen

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// Where the resolve step finds its parts. The frontend image carries the
// frontend at FrontendBinary (see the Dockerfile); the ExecOp runs it as a
// Tool (mounted alone into an empty root), each index file is a read-only
// mount, and the response is written to an empty output mount
// (plan.ResolveCommand).
const (
	// FrontendBinary is the frontend's path in its image.
	FrontendBinary   = "/bin/distrofile-frontend"
	resolverInRoot   = "/resolve"
	resolveIndexes   = "/indexes"
	resolveOut       = "/out"
	maxInlineRequest = 64 << 10 // larger requests go in a file (Linux limits one argument to 128 KiB)
	resolveRequest   = "/request"
)

// ResolveStep is the build step that resolves a stage's packages: the
// frontend binary's resolve mode (plan.ResolveCommand) in an ExecOp with
// no network, the binary alone in its root, each index file an llb.HTTP
// pinned by its sha256 with a constant file name (so that the cache key
// does not depend on the mirror), the response in a scratch mount. Warm
// rebuilds find the step cached and read the response (a few KB) only.
type ResolveStep struct {
	// Frontend is the frontend image.
	Frontend llb.State
	// Platform is the build platform the step runs on.
	Platform ocispecs.Platform
	Request  debresolve.ResolveRequest
	// Name is the step's name in the progress output.
	Name        string
	IgnoreCache bool
}

// State returns the step's output: plan.ResponseFile holds the answer.
func (s ResolveStep) State() (llb.State, error) {
	reqJSON, err := json.Marshal(s.Request)
	if err != nil {
		return llb.State{}, err
	}
	cmd := plan.ResolveCommand{Request: string(reqJSON), Indexes: resolveIndexes, Out: resolveOut}
	opts := []llb.RunOption{
		llb.Network(pb.NetMode_NONE),
		llb.Platform(s.Platform),
		llb.WithCustomName(s.Name),
	}
	if len(reqJSON) > maxInlineRequest {
		st := llb.Scratch().File(llb.Mkfile("/request.json", 0o444, reqJSON), llb.WithCustomName("[internal] resolve request"))
		opts = append(opts, llb.AddMount(resolveRequest, st, llb.Readonly))
		cmd.Request = resolveRequest + "/request.json"
	}
	if s.IgnoreCache {
		opts = append(opts, llb.IgnoreCache)
	}
	for i, f := range s.Request.Files {
		dgst := digest.NewDigestFromEncoded(digest.SHA256, f.SHA256)
		if err := dgst.Validate(); err != nil {
			return llb.State{}, fmt.Errorf("%s: bad sha256 %q: %w", f.URL, f.SHA256, err)
		}
		idx := llb.HTTP(f.URL, llb.Checksum(dgst), llb.Filename(plan.IndexFileName),
			llb.WithCustomName(fmt.Sprintf("[distrofile] index %s/%s (%s)", f.Suite, f.Path, plan.HumanSize(f.Size))))
		opts = append(opts, llb.AddMount(resolveIndexes+"/"+strconv.Itoa(i), idx, llb.Readonly))
	}
	opts = append(opts, llb.Args(append([]string{resolverInRoot}, cmd.Args()...)))
	return NewTool(s.Frontend, FrontendBinary, resolverInRoot).Run(opts...).AddMount(resolveOut, llb.Scratch()), nil
}

// FileResult is a state that holds one file: a build's result that is a
// file (Distrofile.lock, the SBOM). A zero epoch leaves the file's time to
// BuildKit.
func FileResult(p string, data []byte, epoch time.Time, name string) llb.State {
	var opts []llb.MkfileOption
	if !epoch.IsZero() {
		opts = append(opts, llb.WithCreatedTime(epoch))
	}
	return llb.Scratch().File(llb.Mkfile(p, 0o644, data, opts...), llb.WithCustomName(name))
}

// FetchFile returns the fetch of an archive file (InRelease, an index):
// the state holds it under the returned name. A file pinned by its sha256
// gets a constant name, which keeps the cache key independent of the URL
// (any mirror); BuildKit merges fetches with one cache key, so the
// fallback fetch of content whose first URL failed gets a name of its own,
// or it would get that failure again.
func FetchFile(req debresolve.FetchRequest) (llb.State, string, error) {
	name := path.Base(req.URL)
	opts := []llb.HTTPOption{llb.WithCustomName("[distrofile] fetch " + req.Name)}
	if req.SHA256 != "" {
		name = "index"
		if req.Fallback {
			name = "index.fallback"
		}
		dgst := digest.NewDigestFromEncoded(digest.SHA256, req.SHA256)
		if err := dgst.Validate(); err != nil {
			return llb.State{}, "", fmt.Errorf("%s: bad sha256 %q: %w", req.URL, req.SHA256, err)
		}
		opts = append(opts, llb.Checksum(dgst))
	}
	opts = append(opts, llb.Filename(name))
	return llb.HTTP(req.URL, opts...), name, nil
}
