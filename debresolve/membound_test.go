package debresolve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/debresolve/archivetest"
	"github.com/distrofile/distrofile/internal/aptsources"
)

// maxPeakHeap bounds the heap while a full archive index is loaded,
// verified, decompressed, parsed and resolved (the frontend does this in
// BuildKit's gateway container for every build without a lock file).
const maxPeakHeap = 300 << 20

const heapMetric = "/memory/classes/heap/objects:bytes"

// peakHeap runs f while sampling the bytes of live and not yet collected
// heap objects every millisecond, and returns the highest sample and the
// heap reserved from the OS afterwards (an upper bound of the peak).
func peakHeap(f func()) (peak, reserved uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: heapMetric}}
	var max atomic.Uint64
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > max.Load() {
			max.Store(v)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	f()
	read()
	close(done)
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max.Load(), ms.HeapSys - ms.HeapReleased
}

// TestPeakHeapGeneratedIndex loads a signed archive whose main/binary-amd64
// index has 70,000 generated stanzas (about the size of trixie's) through
// Client.LoadIndexes and resolves a closure of a few hundred packages from
// it, and checks the peak heap.
func TestPeakHeapGeneratedIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 60 MB index")
	}
	key, err := archivetest.NewKey("bound", time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := archivetest.Keyring(key)
	if err != nil {
		t.Fatal(err)
	}
	a := archivetest.New()
	text := genIndex(70000)
	plainSize := len(text)
	if err := a.AddSuite(archivetest.Suite{Root: "debian", Dist: "trixie", Key: key, Date: time.Now().Add(-time.Hour),
		Packages: map[string]string{"main/amd64": string(text)}, NoSupportForArchitectureAll: true}); err != nil {
		t.Fatal(err)
	}
	fetch := debresolve.FetcherFunc(func(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
		p := strings.TrimPrefix(req.URL, "http://archive.invalid/")
		if b, ok := a.Get(p); ok {
			return b, nil
		}
		return nil, fmt.Errorf("GET %s: 404 Not Found", req.URL)
	})
	c := &debresolve.Client{Fetcher: fetch, Keyring: kr}
	var stanzas, closure int
	peak, reserved := peakHeap(func() {
		idx, err := c.LoadIndexes(context.Background(), []debresolve.Source{{URL: "http://archive.invalid/debian", Suite: "trixie"}}, "amd64")
		if err != nil {
			t.Error(err)
			return
		}
		stanzas = len(idx[0].Packages)
		cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{"root"}})
		if err != nil {
			t.Error(err)
			return
		}
		closure = len(cl.Packages)
	})
	t.Logf("generated index: %d stanzas, %d MB uncompressed; closure of %d packages; peak heap %.1f MB (heap reserved from the OS afterwards %.1f MB)",
		stanzas, plainSize>>20, closure, float64(peak)/(1<<20), float64(reserved)/(1<<20))
	if stanzas < 70000 || closure < 100 {
		t.Errorf("%d stanzas, closure of %d: the generated index is not what the test means to load", stanzas, closure)
	}
	if peak > maxPeakHeap {
		t.Errorf("peak heap %d MB, want < %d MB", peak>>20, maxPeakHeap>>20)
	}
}

// TestPeakHeapRealIndex does the same with the real trixie main/amd64
// index of the mirror this machine's APT uses (skipped with -short or when
// there is none).
func TestPeakHeapRealIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("live test: needs the network and a configured APT mirror")
	}
	mirror, _ := aptsources.Mirrors()
	if mirror == "" {
		t.Skip("no Debian mirror in /etc/apt/sources.list.d/*.sources")
	}
	hc := &http.Client{Timeout: 3 * time.Minute}
	fetch := debresolve.FetcherFunc(func(ctx context.Context, req debresolve.FetchRequest) ([]byte, error) {
		hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(hr)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
		}
		return io.ReadAll(resp.Body)
	})
	c := &debresolve.Client{Fetcher: fetch}
	var stanzas, closure int
	var loadErr error
	peak, reserved := peakHeap(func() {
		idx, err := c.LoadIndexes(context.Background(), []debresolve.Source{{URL: mirror, Suite: "trixie"}}, "amd64")
		if err != nil {
			loadErr = err
			return
		}
		for _, x := range idx {
			stanzas += len(x.Packages)
		}
		cl, err := debresolve.Resolve(idx, "amd64", debresolve.Request{Roots: []string{
			"perl", "libhtml-parser-perl", "python3", "ca-certificates", "tzdata", "netbase", "openssl", "curl", "git", "openjdk-21-jre-headless",
		}})
		if err != nil {
			t.Error(err)
			return
		}
		closure = len(cl.Packages)
	})
	if loadErr != nil {
		t.Skipf("the APT mirror does not serve trixie: %v", strings.ReplaceAll(loadErr.Error(), mirror, "<mirror>"))
	}
	t.Logf("real trixie main/amd64 index: %d stanzas; closure of %d packages; peak heap %.1f MB (heap reserved from the OS afterwards %.1f MB)",
		stanzas, closure, float64(peak)/(1<<20), float64(reserved)/(1<<20))
	if peak > maxPeakHeap {
		t.Errorf("peak heap %d MB, want < %d MB", peak>>20, maxPeakHeap>>20)
	}
}
