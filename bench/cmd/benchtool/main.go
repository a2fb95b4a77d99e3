// Command benchtool is the Go half of bench/run (the harness behind `make
// bench`): the parts that are awkward in bash.
//
//	benchtool proxy -listen 127.0.0.1:PORT -log FILE
//	    a forward HTTP proxy (plain http, and CONNECT tunnels) that appends
//	    "unixnano method url status bytes" per request to FILE; buildkitd is
//	    started with http_proxy pointing at it, so FILE counts every byte
//	    BuildKit downloads from the archive.
//	benchtool progress FILE
//	    reads a `docker buildx build --progress=rawjson` stream and prints
//	    shell assignments: package fetches/extractions run and cached,
//	    the frontend's own time, the slowest vertices, the vertices not
//	    cached (and of those the containers: ExecOps by name), and the
//	    exporter's progress items (exporting layers, pushing layers, ...).
//	benchtool stats N...
//	    prints "median min max" of the numbers.
//	benchtool xzdecode FILE...
//	    decodes .xz/.zst files with the decoders the helper uses (for xz,
//	    liblzma when built with cgo and -tags liblzma, as bench/run does)
//	    and prints the seconds it took (decoding alone, nothing written).
//	benchtool profile -o PROF -n N DEB
//	    extracts DEB N times with debextract.Extract (the helper's code)
//	    under the CPU profiler.
//	benchtool readme -results FILE -readme README.md -intro TEXT
//	    puts the tables of a results file into the README, between its
//	    bench:begin and bench:end lines.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool proxy|progress|stats|xzdecode|profile|readme ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "proxy":
		err = proxyCmd(os.Args[2:])
	case "progress":
		err = progressCmd(os.Args[2:])
	case "stats":
		err = statsCmd(os.Args[2:])
	case "xzdecode":
		err = decodeCmd(os.Args[2:])
	case "profile":
		err = profileCmd(os.Args[2:])
	case "readme":
		err = readmeCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchtool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
