// Package tools pins the BuildKit daemon, buildctl and the buildx plugin that
// the development scripts and CI build from source (never downloaded binaries).
package tools
