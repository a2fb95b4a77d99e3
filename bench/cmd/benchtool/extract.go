package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/distrofile/distrofile/debextract"
)

// statsCmd prints "median min max" of its arguments.
func statsCmd(args []string) error {
	var xs []float64
	for _, a := range args {
		x, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return err
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		fmt.Println("n/a n/a n/a")
		return nil
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	fmt.Printf("%.3f %.3f %.3f\n", m, xs[0], xs[len(xs)-1])
	return nil
}

// decodeCmd decodes each .xz or .zst file with the decoder the helper uses
// (same options: debextract.NewXZReader, which is liblzma when benchtool is
// built like the helper, with cgo and -tags liblzma) and prints
// "seconds decoded-bytes". The decoder's name goes to standard error.
func decodeCmd(args []string) error {
	fmt.Fprintf(os.Stderr, "xz decoder: %s\n", debextract.XZDecoder())
	var total int64
	start := time.Now()
	for _, p := range args {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		var r io.Reader
		br := bufio.NewReaderSize(f, 1<<20)
		switch {
		case strings.HasSuffix(p, ".xz"):
			var z io.ReadCloser
			z, err = debextract.NewXZReader(br)
			if err == nil {
				defer z.Close()
			}
			r = z
		case strings.HasSuffix(p, ".zst"):
			var z *zstd.Decoder
			z, err = zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<27), zstd.WithDecoderLowmem(true))
			if err == nil {
				defer z.Close()
			}
			r = z
		default:
			err = fmt.Errorf("%s: want .xz or .zst", p)
		}
		if err != nil {
			f.Close()
			return err
		}
		n, err := io.Copy(io.Discard, r)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		total += n
	}
	fmt.Printf("%.3f %d\n", time.Since(start).Seconds(), total)
	return nil
}

// profileCmd extracts a .deb n times with the helper's library under the
// CPU profiler, each time into a fresh directory under -dir.
func profileCmd(args []string) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	out := fs.String("o", "cpu.prof", "profile output")
	n := fs.Int("n", 3, "extractions")
	dir := fs.String("dir", os.TempDir(), "scratch directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: benchtool profile [-o PROF] [-n N] [-dir DIR] DEB")
	}
	pf, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer pf.Close()
	if err := pprof.StartCPUProfile(pf); err != nil {
		return err
	}
	best := math.Inf(1)
	for i := 0; i < *n; i++ {
		d, err := os.MkdirTemp(*dir, "profile-")
		if err != nil {
			return err
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		t := time.Now()
		_, err = debextract.Extract(f, d, debextract.Options{UsrMerge: true, DpkgStatus: true})
		s := time.Since(t).Seconds()
		f.Close()
		os.RemoveAll(filepath.Clean(d))
		if err != nil {
			return err
		}
		best = math.Min(best, s)
	}
	pprof.StopCPUProfile()
	fmt.Printf("%.3f\n", best)
	return nil
}
