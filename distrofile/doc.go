// Package distrofile is the Distrofile language: Parse reads a Distrofile
// with BuildKit's Dockerfile parser into typed instructions (distrofile.go),
// EvalStages applies each stage's instructions into a StageSpec (the
// archive, the packages asked for, the accounts, the generated files and
// the image configuration, as plain data: package imagespec), and Lint
// checks the result. Errors are LocatedErrors naming the Distrofile line.
//
// The package has no gateway, LLB or network code: package plan turns a
// StageSpec into the packages to install, llbgen into LLB, and frontend
// runs both under BuildKit; the `distrofile` command uses it without
// BuildKit. docs/language.md is the reference of the language.
package distrofile
