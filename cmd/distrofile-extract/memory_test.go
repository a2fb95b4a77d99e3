package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/distrofile/distrofile/internal/debtest"
)

// TestHelperStreams: the helper's memory does not grow with the package: a
// package holding a 256 MiB file is extracted with a peak RSS far below it.
func TestHelperStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 256 MiB")
	}
	bin := build(t)
	big := string(bytes.Repeat([]byte("distrofile streams\n"), (256<<20)/19))
	for _, comp := range []string{"zst", "gz", "xz"} {
		t.Run(comp, func(t *testing.T) { streams(t, bin, big, comp) })
	}
}

func streams(t *testing.T, bin, big, comp string) {
	dir := t.TempDir()
	d := debtest.Deb{
		Control:         debtest.Control("big", "1.0", "amd64"),
		Entries:         debtest.WithParents([]debtest.Entry{debtest.File("./usr/share/big/blob", 0o644, big)}),
		DataCompression: comp,
	}
	deb := filepath.Join(dir, "big.deb")
	if err := os.WriteFile(deb, d.MustBytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// ru_maxrss would include the test process's own pages (the child is
	// forked from it before exec), so VmHWM is sampled from /proc instead.
	cmd := exec.Command(bin, deb, out)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var hwm int64 // KiB
	status := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status")
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v\n%s", err, output.String())
			}
			running = false
		case <-time.After(5 * time.Millisecond):
			if dt, err := os.ReadFile(status); err == nil {
				for _, l := range strings.Split(string(dt), "\n") {
					if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
						n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
						hwm = max(hwm, n)
					}
				}
			}
		}
	}
	fi, err := os.Stat(filepath.Join(out, "usr/share/big/blob"))
	if err != nil || fi.Size() < 250<<20 {
		t.Fatalf("blob: %v %v", fi, err)
	}
	t.Logf("peak RSS %d MiB for a %d MiB file", hwm>>10, fi.Size()>>20)
	if hwm == 0 || hwm > 64<<10 {
		t.Errorf("peak RSS %d MiB: the helper does not stream", hwm>>10)
	}
}
