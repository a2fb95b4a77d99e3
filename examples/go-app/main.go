// Command goapp prints who it runs as and the time in Paris: it needs
// /etc/passwd and tzdata from the image, nothing else.
package main

import (
	"fmt"
	"os"
	"os/user"
	"time"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	t := time.Date(2026, 7, 14, 12, 0, 0, 0, time.UTC).In(paris)
	fmt.Printf("hello from %s (uid %s), %s in Paris\n", u.Username, u.Uid, t.Format("15:04 MST"))
}
