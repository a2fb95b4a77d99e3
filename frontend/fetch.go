package frontend

import (
	"bytes"
	"context"
	"fmt"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/llbgen"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// readChunk stays under the gateway's 16 MiB message limit.
const readChunk = 8 << 20

// llbFetcher fetches archive files through BuildKit's HTTP source, so that
// the frontend itself needs no network, every fetch shows in the build's
// progress and provenance, and indexes pinned by sha256 are content-cached.
type llbFetcher struct {
	c            client.Client
	cacheImports []client.CacheOptionsEntry
}

// Fetch implements debresolve.Fetcher.
func (f *llbFetcher) Fetch(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
	fetch, name, err := llbgen.FetchFile(req)
	if err != nil {
		return nil, err
	}
	def, err := fetch.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	res, err := f.c.Solve(ctx, client.SolveRequest{Definition: def.ToPB(), CacheImports: f.cacheImports})
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	st, err := ref.StatFile(ctx, client.StatRequest{Path: name})
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	if req.Size >= 0 && req.SHA256 != "" && st.Size != req.Size {
		return nil, fmt.Errorf("fetch %s: got %d bytes, the release file lists %d", req.URL, st.Size, req.Size)
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size))
	for off := int64(0); off < st.Size; off += readChunk {
		dt, err := ref.ReadFile(ctx, client.ReadRequest{Filename: name, Range: &client.FileRange{Offset: int(off), Length: int(min(readChunk, st.Size-off))}})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", req.URL, err)
		}
		buf.Write(dt)
	}
	return buf.Bytes(), nil
}
