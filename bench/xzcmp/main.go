// Command xzcmp decodes .xz files with two pure-Go decoders, the helper's
// (github.com/ulikunitz/xz) and github.com/xi2/xz (a port of xz-embedded),
// and prints the CPU seconds each took (CPU, not wall: the
// machine it was written on is shared and loaded). A separate module, so the
// candidate decoder never enters the project's go.mod:
//
//	cd bench/xzcmp && GOMAXPROCS=1 taskset -c 1 go run . FILE.xz...
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	ulikunitz "github.com/ulikunitz/xz"
	xi2 "github.com/xi2/xz"
)

func run(name string, open func(io.Reader) (io.Reader, error), files []string) {
	var n int64
	start, cpu0 := time.Now(), cpuSeconds()
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			panic(err)
		}
		r, err := open(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			panic(err)
		}
		m, err := io.Copy(io.Discard, r)
		if err != nil {
			panic(fmt.Sprintf("%s: %s: %v", name, p, err))
		}
		n += m
		f.Close()
	}
	wall, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
	fmt.Printf("%-10s %.3f s CPU (%.3f s wall) %.1f MB/s per core (%d bytes out)\n", name, cpu, wall, float64(n)/1e6/cpu, n)
}

// cpuSeconds is the process's user+system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	files := os.Args[1:]
	for i := 0; i < 2; i++ {
		run("ulikunitz", func(r io.Reader) (io.Reader, error) { return ulikunitz.NewReader(r) }, files)
		run("xi2", func(r io.Reader) (io.Reader, error) { return xi2.NewReader(r, 0) }, files)
	}
}
