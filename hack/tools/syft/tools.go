// Package syft pins the Syft SBOM scanner that the end-to-end tests run on
// built images to check what scanners see (its own module: its dependency
// graph must not move BuildKit's or buildx's).
package syft
