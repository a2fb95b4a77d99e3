// Package debresolve is Distrofile's Debian archive client: it verifies a
// suite's clear-signed InRelease file, fetches and parses the Packages index
// it lists (by hash), and computes the dependency closure that
// `apt-get install --no-install-recommends` would choose on an empty system.
//
// The package knows nothing about how bytes are fetched: callers provide a
// [Fetcher]. The BuildKit frontend implements it with llb.HTTP (content
// addressed by the SHA256 the archive publishes), the CLI with net/http.
//
// A typical use:
//
//	sources, err := debresolve.DefaultSources("debian", "trixie", mirror, "")
//	c := &debresolve.Client{Fetcher: f}
//	indexes, err := c.LoadIndexes(ctx, sources, "amd64")
//	closure, err := debresolve.Resolve(indexes, "amd64", debresolve.Request{Roots: []string{"perl"}})
package debresolve
