package debresolve

import "context"

// Fetcher fetches one archive file. When FetchRequest.SHA256 is set the
// implementation may rely on it as a content address (the caller still
// verifies the bytes it gets back). Implementations must be safe for
// concurrent use: LoadIndexes fetches in parallel.
type Fetcher interface {
	Fetch(ctx context.Context, req FetchRequest) ([]byte, error)
}

// FetchRequest describes one file to fetch.
type FetchRequest struct {
	// URL is the absolute URL of the file.
	URL string
	// SHA256 is the expected lowercase hex SHA-256 of the content, or "" when
	// it is not known in advance (InRelease files).
	SHA256 string
	// Size is the expected size in bytes, or -1 when unknown.
	Size int64
	// Name is a human label for progress output, e.g. "InRelease trixie-security".
	Name string
	// Fallback marks a second request for content that a first request
	// (to another URL, with the same SHA256) failed to deliver: an index's
	// canonical name after its by-hash copy failed. A Fetcher that keys
	// fetches by SHA256 must not answer it with the failed attempt.
	Fallback bool
}

// FetcherFunc adapts a function to the Fetcher interface.
type FetcherFunc func(ctx context.Context, req FetchRequest) ([]byte, error)

// Fetch calls f(ctx, req).
func (f FetcherFunc) Fetch(ctx context.Context, req FetchRequest) ([]byte, error) {
	return f(ctx, req)
}
