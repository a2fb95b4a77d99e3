//go:build liblzma && !cgo

package decompress

// The liblzma tag asks for the cgo decoder: without cgo the build would
// silently fall back to the pure-Go one, so it fails here instead.
var _ = liblzma_build_tag_needs_CGO_ENABLED_1
