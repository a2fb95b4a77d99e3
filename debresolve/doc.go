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
//
// LoadIndexes is two steps that can run apart: [Client.ListIndexes] fetches
// and verifies the InRelease files and lists the Packages files to read
// ([IndexFile]: path, sha256, size, suite), and [Client.FetchIndexes] fetches
// and parses them ([ReadIndex] parses one from its bytes). A
// [ResolveRequest] (arch, roots, excludes and the listed files, but no
// mirror URL) is answered by [ResolveIndexFiles] from the files' bytes with
// a [ResolveResponse]: the closure in the lock's per-architecture form
// ([LockArch]) or the resolver's error ([ResolveError], which keeps the
// typed errors). Both are JSON: the frontend runs the resolution in a
// cached BuildKit build step whose inputs are the files pinned by sha256,
// so that a rebuild against an unchanged archive does not read them again.
//
// # Trust
//
// InRelease files are verified with OpenPGP (ProtonMail go-crypto) against
// the embedded Debian archive keyring ([DebianKeyring]) for Debian sources,
// the embedded Ubuntu archive keyring ([UbuntuKeyring], from Debian's
// ubuntu-keyring package) for Ubuntu sources, or a source's own keyring
// (SOURCE --keyring). Valid-Until is enforced, except for snapshot builds
// ([Client.IgnoreValidUntil]), which verify signatures as of the snapshot
// time ([Client.Now], [SnapshotSources]). Indexes are fetched by hash and
// checked against InRelease; every package carries the SHA256 its index
// lists, which the build (llb.Checksum) checks on every .deb.
//
// # Distrofile.lock
//
// [Lock] is the lock file's content, written by [Lock.Marshal] and read by
// [ParseLock]. It is JSON in a fixed layout, so the same lock is always the
// same bytes and one changed package is one changed line:
//
//	{
//	  "lockfile_version": 1,
//	  "inputs_sha256": "<sha256 over every stage's inputs_sha256>",
//	  "stages": [
//	    {
//	      "stage": "runtime",                       // AS name, or the index
//	      "inputs_sha256": "<sha256 of inputs>",
//	      "inputs": {"distro":"debian","suite":"trixie","roots":["perl"]},
//	      "sources": [                              // one line per source
//	        {"url":"http://<mirror>/debian","suite":"trixie","components":["main"],"date":"2026-09-12T07:55:41Z","inrelease_sha256":"…"},
//	        …
//	      ],
//	      "archs": [                                // sorted by arch
//	        {
//	          "arch": "amd64",
//	          "roots": ["perl"],
//	          "packages": [                         // one line per package, sorted by name
//	            {"name":"perl","version":"5.40.1-6","arch":"amd64","suite":"trixie","source":0,"path":"pool/main/p/perl/perl_5.40.1-6_amd64.deb","sha256":"…","size":123,"depends":["libperl5.40","perl-base"]},
//	            …
//	          ]
//	        }
//	      ]
//	    }
//	  ]
//	}
//
// inputs are what the closures depend on: FROM distro, suite and snapshot,
// the INSTALL and EXCLUDE arguments, and SOURCE lines (URL, suite,
// components, architectures, the sha256 of the keyring file, insecure).
// Mirror URLs of the distribution's own archive are not inputs: a package's
// URL is the current source's root plus "path", so a lock made on one mirror
// builds on any other (the sha256 pins the bytes). A stale lock is detected
// by comparing inputs ([LockInputs.Diff] says what changed) and by a missing
// stage or architecture. Architecture: all packages appear in every
// architecture's closure with the same path and sha256, so BuildKit fetches
// them once.
package debresolve
