// Package fidelity is the oracle that says how close a Distrofile image comes
// to what apt would have installed.
//
// apt runs maintainer scripts and triggers; a Distrofile build runs none and
// writes what a running program needs from them itself. The oracle measures
// the gap. Given
//
//   - a base apt root made by mmdebstrap --variant=apt with no --include,
//   - the same root with a package set included (the set root), and
//   - the Distrofile image of `FROM debian:<suite>` + `INSTALL <set>`,
//     exported with `docker buildx build --output type=tar` (or unpacked),
//
// [ComputeEffects] finds the set's effects:
//
//   - the paths of the set root that no package owns (dpkg's info/*.list
//     files, canonical for merged /usr: /bin/x in a list is /usr/bin/x; and
//     dpkg-divert's divert-to names) and that the base root lacks, or has
//     as another kind, a link elsewhere, other content, owner or mode
//     (/etc/ld.so.cache changes when libraries are added);
//   - the files a package owns whose md5 is not the one dpkg recorded (a
//     script edited them), the paths dpkg-statoverride changed, and the
//     owned paths a script chowned to an account the set added;
//   - the users and groups of the set root's /etc/passwd and /etc/group
//     whose names the base root's lack;
//
// minus [Exclusions] (dpkg, apt, debconf and ucf bookkeeping, logs of the
// install run, machine identity, init-system enablement, shadow files: each
// with its reason, and the report counts what each dropped). Each effect
// gets an [Origin]: the package and the update-alternatives database entry,
// ucf registry entry, trigger ([TriggerOutputs]), tmpfiles.d or sysusers.d
// line, or maintainer-script line it comes from (best effort, the set's own
// scripts before the base root's).
//
// [Compare] then looks each effect up in the image: present when the image
// has the path with the same kind and, for a symlink, the same target
// (relative or absolute, canonical for merged /usr); a regular file is
// "present, content differs" when its bytes differ (ld.so.cache may list
// libraries in another order), which counts as present and is reported
// apart. A user or group is present when the image's /etc/passwd or
// /etc/group has its name. Owner and mode are compared by name and reported,
// but only decide presence for statoverride and chown effects.
//
// [AptRoots] makes and caches the apt roots with mmdebstrap, from the same
// three sources a Distrofile's `FROM debian:<suite>` resolves against. The
// images are built by the caller (examples/fidelity_test.go, `make
// fidelity`). Other architectures: mmdebstrap makes a foreign root only
// under qemu, so an arm64 image is compared with the amd64 root's effects,
// their paths and link targets renamed by [ArchRenamer].
package fidelity
