package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/distrofile/distrofile/debresolve"
)

// maxUnknownSize caps downloads whose size is not known in advance
// (InRelease files are a few hundred KiB).
const maxUnknownSize = 256 << 20

// httpFetcher implements debresolve.Fetcher with net/http: a per-request
// timeout and a few retries with exponential backoff for network errors and
// 408/429/5xx answers.
type httpFetcher struct {
	client  *http.Client
	retries int
	backoff time.Duration
	// log, when set, gets one line per completed fetch.
	log func(format string, args ...any)

	bytes atomic.Int64
}

func newHTTPFetcher(timeout time.Duration) *httpFetcher {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	return &httpFetcher{
		client:  &http.Client{Timeout: timeout, Transport: tr},
		retries: 3,
		backoff: 500 * time.Millisecond,
	}
}

// Fetch implements debresolve.Fetcher.
func (f *httpFetcher) Fetch(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
	start := time.Now()
	for attempt := 0; ; attempt++ {
		b, retry, err := f.once(ctx, req)
		if err == nil {
			f.bytes.Add(int64(len(b)))
			if f.log != nil {
				f.log("fetched %s: %d bytes in %v", req.Name, len(b), time.Since(start).Round(time.Millisecond))
			}
			return b, nil
		}
		if !retry || attempt >= f.retries || ctx.Err() != nil {
			if attempt > 0 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt+1)
			}
			return nil, err
		}
		wait := f.backoff << attempt
		if f.log != nil {
			f.log("retrying %s in %v: %v", req.URL, wait, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// once makes one attempt; retry reports whether another may succeed.
func (f *httpFetcher) once(ctx context.Context, req debresolve.FetchRequest) (body []byte, retry bool, err error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: %v", req.URL, err)
	}
	hr.Header.Set("User-Agent", "distrofile")
	resp, err := f.client.Do(hr)
	if err != nil {
		return nil, ctx.Err() == nil, fmt.Errorf("GET %s: %v", req.URL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		retry := resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, retry, fmt.Errorf("GET %s: HTTP %s", req.URL, resp.Status)
	}
	limit := int64(maxUnknownSize)
	if req.Size >= 0 {
		limit = req.Size
	}
	buf := make([]byte, 0, max(0, min(limit, max(resp.ContentLength, 0))))
	w := &limitedBuffer{b: buf, limit: limit}
	if _, err := io.Copy(w, resp.Body); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, false, fmt.Errorf("GET %s: more than %d bytes", req.URL, limit)
		}
		return nil, true, fmt.Errorf("GET %s: reading body: %v", req.URL, err)
	}
	if req.Size >= 0 && int64(len(w.b)) != req.Size {
		return nil, true, fmt.Errorf("GET %s: got %d bytes, want %d", req.URL, len(w.b), req.Size)
	}
	return w.b, false, nil
}

var errTooLarge = errors.New("too large")

// limitedBuffer is a growing buffer that refuses to exceed limit bytes.
type limitedBuffer struct {
	b     []byte
	limit int64
}

// Write appends p, or fails with errTooLarge past the limit.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	if int64(len(l.b))+int64(len(p)) > l.limit {
		return 0, errTooLarge
	}
	l.b = append(l.b, p...)
	return len(p), nil
}

// unwrapURLError drops the "Get \"url\": " prefix net/http adds, since our
// messages already name the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
