package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/distrofile/distrofile/debresolve"
	"github.com/distrofile/distrofile/plan"
	"github.com/moby/buildkit/frontend/gateway/client"
)

// outdatedRequest is the request id of `docker buildx build --call=outdated`.
const outdatedRequest = "frontend.outdated"

// outdated answers --call=outdated: the locked packages the archive has
// newer versions of (plan.FindOutdated), as text (result.txt, which buildx
// prints), JSON (result.json, --call=outdated,format=json) and an exit
// status (result.statuscode): 1 when it lists any, as `distrofile
// outdated` does. --build-arg DISTROFILE_LOCK_UPDATE=security lists only
// the security archive's.
func (b *builder) outdated(ctx context.Context) (*client.Result, error) {
	if err := b.prepare(ctx); err != nil {
		return nil, err
	}
	securityOnly, err := b.securityOnly()
	if err != nil {
		return nil, err
	}
	rows, _, err := b.outdatedOfLock(ctx, fmt.Sprintf("--call=outdated compares %s with the archive", debresolve.LockFileName))
	if err != nil {
		return nil, err
	}
	if securityOnly {
		rows = plan.SecurityOnly(rows)
	}
	if rows == nil {
		rows = []plan.Outdated{}
	}
	var txt bytes.Buffer
	plan.OutdatedTable(&txt, rows)
	if len(rows) == 0 {
		fmt.Fprintf(&txt, "%s is up to date with the archive\n", debresolve.LockFileName)
	}
	js, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		return nil, err
	}
	res := client.NewResult()
	res.AddMeta("result.txt", txt.Bytes())
	res.AddMeta("result.json", js)
	status := "0"
	if len(rows) > 0 {
		status = "1"
	}
	res.AddMeta("result.statuscode", []byte(status))
	return res, nil
}

// outdatedOfLock reads Distrofile.lock beside the Distrofile (what, which
// needs it, is said when there is none) and compares it with the archive,
// fetching through BuildKit.
func (b *builder) outdatedOfLock(ctx context.Context, what string) ([]plan.Outdated, *debresolve.Lock, error) {
	data, ok, err := b.readDockerfileDirFile(ctx, debresolve.LockFileName)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("%s, and there is none beside the Distrofile (write it with --target=%s)", what, plan.LockTarget)
	}
	lock, err := debresolve.ParseLock(data)
	if err != nil {
		return nil, nil, err
	}
	rows, err := plan.FindOutdated(ctx, b.df, lock, plan.LockOptions{BuildArgs: b.bc.BuildArgs, Fetcher: b.resolver.Fetcher, ReadContextFile: b.readContextFile})
	return rows, lock, err
}

// securityOnly reads --build-arg DISTROFILE_LOCK_UPDATE.
func (b *builder) securityOnly() (bool, error) {
	switch v := b.bc.BuildArgs[plan.ArgLockUpdate]; v {
	case "":
		return false, nil
	case "security":
		return true, nil
	default:
		return false, fmt.Errorf("--build-arg %s=%q: want security (update only what the security archive has newer)", plan.ArgLockUpdate, v)
	}
}

// lockKeep is what the lock target keeps: with DISTROFILE_LOCK_UPDATE=security,
// every package of the existing lock but those the security archive has
// newer; else nothing (everything is resolved again).
func (b *builder) lockKeep(ctx context.Context) (plan.KeepFunc, error) {
	securityOnly, err := b.securityOnly()
	if err != nil || !securityOnly {
		return nil, err
	}
	rows, prev, err := b.outdatedOfLock(ctx, fmt.Sprintf("--build-arg %s=security updates %s", plan.ArgLockUpdate, debresolve.LockFileName))
	if err != nil {
		return nil, err
	}
	return plan.SecurityKeep(prev, rows), nil
}
