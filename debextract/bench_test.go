package debextract

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

var (
	benchOnce  sync.Once
	benchDebs  map[string][]byte
	benchBytes int64
)

// benchPackages builds, once, a ~20 MB package of compressible text-like
// files, compressed with xz and with zstd.
func benchPackages(b *testing.B) {
	benchOnce.Do(func() {
		rng := rand.New(rand.NewSource(42))
		words := make([]string, 4000)
		for i := range words {
			w := make([]byte, 2+rng.Intn(10))
			for j := range w {
				w[j] = byte('a' + rng.Intn(26))
			}
			words[i] = string(w)
		}
		var entries []debtest.Entry
		for i := 0; i < 200; i++ {
			var body bytes.Buffer
			for body.Len() < 100_000 {
				body.WriteString(words[rng.Intn(len(words))])
				if rng.Intn(12) == 0 {
					fmt.Fprintf(&body, " %x\n", rng.Uint32())
				} else {
					body.WriteByte(' ')
				}
			}
			entries = append(entries, debtest.Entry{
				Name: fmt.Sprintf("./usr/share/bench/%02d/file%03d", i/20, i), Mode: 0644, Body: body.Bytes(),
			})
			benchBytes += int64(body.Len())
		}
		entries = debtest.WithParents(entries)
		benchDebs = map[string][]byte{}
		for _, c := range []string{"xz", "zst"} {
			d := debtest.Deb{Control: debtest.Control("bench", "1", "all"), Entries: entries, DataCompression: c}
			benchDebs[c] = d.MustBytes()
		}
	})
}

func benchmarkExtract(b *testing.B, compression string) {
	benchPackages(b)
	deb := benchDebs[compression]
	b.SetBytes(benchBytes)
	b.ReportMetric(float64(len(deb))/1e6, "deb-MB")
	dir := b.TempDir()
	// CPU time is reported too: on a shared machine it is steadier than
	// the wall-clock MB/s.
	cpu0 := cpuTime()
	defer func() {
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, fmt.Sprint(i))
		if err := os.Mkdir(out, 0755); err != nil {
			b.Fatal(err)
		}
		if _, err := Extract(bytes.NewReader(deb), out, Options{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}

// BenchmarkExtractXZ extracts a ~20 MB (uncompressed) data.tar.xz package;
// MB/s is measured on the uncompressed size.
func BenchmarkExtractXZ(b *testing.B) { benchmarkExtract(b, "xz") }

// BenchmarkExtractZstd is the same package with data.tar.zst.
func BenchmarkExtractZstd(b *testing.B) { benchmarkExtract(b, "zst") }

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
