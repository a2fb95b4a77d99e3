# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Shared settings and helpers for the hack/ scripts. Source it; don't run it.
#
# Everything a script starts keeps its state, pid file and log under
# $DISTROFILE_STATE, so several work trees on one machine share one daemon and
# one registry, and nothing outside that directory (and the repo's gitignored
# bin/ and .cache/) is written, apart from Debian packages that hack/deps installs.

set -euo pipefail

DISTROFILE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DISTROFILE_STATE="${DISTROFILE_STATE:-/tmp/distrofile-dev}"
DISTROFILE_REGISTRY_PORT="${DISTROFILE_REGISTRY_PORT:-5000}"
DISTROFILE_REGISTRY="127.0.0.1:${DISTROFILE_REGISTRY_PORT}"
DISTROFILE_BIN="${DISTROFILE_ROOT}/bin"
DISTROFILE_BUILDER=distrofile
# A repo-local docker config dir, so the buildx plugin and the builder we
# create never touch the user's ~/.docker.
DOCKER_CONFIG="${DOCKER_CONFIG:-${DISTROFILE_ROOT}/.cache/docker}"
export DOCKER_CONFIG

BUILDKITD_ROOT="${DISTROFILE_STATE}/buildkitd"
BUILDKITD_SOCK="${DISTROFILE_STATE}/buildkitd.sock"
BUILDKITD_ADDR="unix://${BUILDKITD_SOCK}"
BUILDKITD_PID="${DISTROFILE_STATE}/buildkitd.pid"
BUILDKITD_LOG="${DISTROFILE_STATE}/buildkitd.log"
BUILDKITD_CONFIG="${DISTROFILE_STATE}/buildkitd.toml"

REGISTRY_DIR="${DISTROFILE_STATE}/registry"
REGISTRY_PID="${DISTROFILE_STATE}/registry.pid"
REGISTRY_LOG="${DISTROFILE_STATE}/registry.log"

HACK_NAME="$(basename "$0")"

die() {
	printf 'hack/%s: %s\n' "$HACK_NAME" "$*" >&2
	exit 1
}

note() {
	printf 'hack/%s: %s\n' "$HACK_NAME" "$*" >&2
}

# show_log FILE: the tail of a log, on stderr, after a failure.
show_log() {
	[ -s "$1" ] || return 0
	printf -- '--- last lines of %s ---\n' "$1" >&2
	tail -n 30 "$1" >&2
	printf -- '---\n' >&2
}

ensure_state() {
	mkdir -p "$DISTROFILE_STATE"
}

# lock NAME: hold an exclusive lock on $STATE/NAME.lock until the script
# exits, so two people running hack/up at once don't start two daemons.
lock() {
	ensure_state
	local fd
	exec {fd}>"${DISTROFILE_STATE}/$1.lock"
	LOCK_FDS+=("$fd")
	flock -w 300 "$fd" || die "timed out waiting for ${DISTROFILE_STATE}/$1.lock"
}
LOCK_FDS=()

# pid_alive PIDFILE WORD: true when PIDFILE names a live process whose command
# line contains WORD (guards against a recycled pid).
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid="$(cat "$1")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[ -r "/proc/${pid}/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -q -- "$2"
}

# stop_pid PIDFILE WORD SECONDS: SIGTERM, wait, then SIGKILL; removes PIDFILE.
stop_pid() {
	local pidfile="$1" word="$2" secs="$3" pid i
	if pid_alive "$pidfile" "$word"; then
		pid="$(cat "$pidfile")"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < secs * 10; i++)); do
			pid_alive "$pidfile" "$word" || break
			sleep 0.1
		done
		if pid_alive "$pidfile" "$word"; then
			note "pid $pid did not stop after ${secs}s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				pid_alive "$pidfile" "$word" || break
				sleep 0.1
			done
		fi
	fi
	rm -f "$pidfile"
}

# start_daemon PIDFILE LOG CMD...: start CMD detached from this shell (own
# session, no inherited stdio, none of our lock fds, which it would otherwise
# hold for its whole life) and record its pid.
start_daemon() {
	local pidfile="$1" log="$2" fd i
	shift 2
	rm -f "$pidfile"
	(
		for fd in "${LOCK_FDS[@]}"; do exec {fd}>&-; done
		# The inner bash closes every fd above 2 (pipes from whoever ran us
		# included), writes its own pid (which exec keeps), and becomes CMD.
		# shellcheck disable=SC2016  # expanded by the inner bash
		exec setsid -f bash -c '
			for fd in /proc/$$/fd/*; do
				fd=${fd##*/}
				if [ "$fd" -gt 2 ]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
			done
			echo $$ >"$0"
			exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1
	)
	for ((i = 0; i < 50; i++)); do
		[ -s "$pidfile" ] && return 0
		sleep 0.1
	done
	die "could not start $1 (no pid written to $pidfile)"
}

# buildkit_host: the daemon the builder and tests use.
buildkit_host() {
	printf '%s\n' "${BUILDKIT_HOST:-$BUILDKITD_ADDR}"
}

# uses_local_buildkitd: true when BUILDKIT_HOST is unset or names our own
# socket (as it does after `eval "$(hack/up)"`).
uses_local_buildkitd() {
	[ -z "${BUILDKIT_HOST:-}" ] || [ "$BUILDKIT_HOST" = "$BUILDKITD_ADDR" ]
}

print_env() {
	printf 'export BUILDKIT_HOST=%q\n' "$(buildkit_host)"
	printf 'export DOCKER_CONFIG=%q\n' "$DOCKER_CONFIG"
	printf 'export BUILDX_BUILDER=%q\n' "$DISTROFILE_BUILDER"
	printf 'export DISTROFILE_REGISTRY=%q\n' "$DISTROFILE_REGISTRY"
}

buildkitd_answers() {
	timeout 10 "${DISTROFILE_BIN}/buildctl" --addr "$BUILDKITD_ADDR" debug workers >/dev/null 2>&1
}

# buildkitd_cleanup: what a stopped (or crashed) buildkitd leaves behind under
# its root: runc containers of RUN steps still running, and overlay mounts.
buildkitd_cleanup() {
	local mnt id
	# Its runc keeps container state in runc's default root (/run/runc), shared
	# with anyone else's runc: ours are those whose bundle is under our root.
	if command -v runc >/dev/null 2>&1; then
		for id in $(runc list 2>/dev/null | awk -v root="$BUILDKITD_ROOT/" 'NR > 1 && index($4, root) == 1 { print $1 }'); do
			runc delete --force "$id" >/dev/null 2>&1 || note "could not delete runc container $id"
		done
	fi
	# Mount points under the root, deepest first. mountinfo escapes space,
	# tab, newline and backslash as \040 \011 \012 \134.
	while IFS= read -r mnt; do
		[ -n "$mnt" ] || continue
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null ||
			note "could not unmount $mnt"
	done < <(awk -v root="$BUILDKITD_ROOT/" '
		{
			m = $5
			gsub(/\\040/, " ", m); gsub(/\\011/, "\t", m); gsub(/\\012/, "\n", m); gsub(/\\134/, "\\", m)
			if (index(m, root) == 1) print length(m) "\t" m
		}' /proc/self/mountinfo | sort -rn | cut -f2-)
}
