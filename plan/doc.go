// Package plan turns a stage of a Distrofile (distrofile.StageSpec) into
// what to install for each architecture: the stage's package archives
// (New: the distribution's sources on its mirrors, SOURCE lines, keyrings),
// the closure resolved from their verified indexes (Resolve) or pinned by
// Distrofile.lock (Locked), and the lock itself (MakeLock, CheckLock, with
// the DROP scans it records).
//
// It fetches through debresolve.Fetcher and resolves through a
// ResolveFunc, so that the same code runs in the frontend (fetches are
// llb.HTTP, resolving is a cached build step: ResolveCommand) and in the
// `distrofile` command (net/http, in process). It builds no LLB.
package plan
