// Command runwatch runs a server inside a build step until a file shows
// that the test has talked to it, then stops it and exits 0: the way the
// end-to-end tests run a long-lived program (nginx) in a `RUN` step, where
// no container engine is available. It is copied into a test-only image
// layer on top of the example, never into an example.
//
// Usage: runwatch TIMEOUT FILE TEXT -- PROGRAM ARGS...
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 6 || os.Args[4] != "--" {
		fmt.Fprintln(os.Stderr, "usage: runwatch TIMEOUT FILE TEXT -- PROGRAM ARGS...")
		os.Exit(2)
	}
	timeout, err := time.ParseDuration(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "runwatch:", err)
		os.Exit(2)
	}
	file, text := os.Args[2], []byte(os.Args[3])
	cmd := exec.Command(os.Args[5], os.Args[6:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "runwatch:", err)
		os.Exit(1)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			fmt.Fprintf(os.Stderr, "runwatch: %s exited before %s showed %q: %v\n", os.Args[5], file, text, err)
			os.Exit(1)
		case <-deadline:
			_ = cmd.Process.Kill()
			fmt.Fprintf(os.Stderr, "runwatch: %s did not show %q within %s\n", file, text, timeout)
			os.Exit(1)
		case <-tick.C:
			if dt, err := os.ReadFile(file); err == nil && bytes.Contains(dt, text) {
				fmt.Printf("runwatch: %s shows %q\n", file, text)
				_ = cmd.Process.Signal(syscall.SIGQUIT)
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
				}
				os.Exit(0)
			}
		}
	}
}
