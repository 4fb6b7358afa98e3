# Shared by the benchmark scripts (source it): clean-up of what a benchmark starts, and the
# podnetd executable to measure.
#
# The sourcing script sets `workdir` (a directory of its own) and appends to `namespaces` and `pids`
# what it creates; bench_cleanup (installed by bench_install_cleanup) ends every process (TERM, then
# KILL after 2 s), deletes every namespace and the directory, whatever happened.

namespaces=()
pids=()

bench_cleanup() {
	local pid ns
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${namespaces[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
	[[ -n ${workdir:-} ]] && rm -rf "$workdir"
}

bench_install_cleanup() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Sets `podnetd` to an absolute path: $PODNETD_BIN, or a release build with the Swift runtime linked
# statically, as Scripts/install.sh deploys it (built first). $1: the repository root.
bench_locate_podnetd() {
	local root=$1
	if [[ -n ${PODNETD_BIN:-} ]]; then
		podnetd="$PODNETD_BIN"
	else
		echo "building podnetd (release)..." >&2
		(cd "$root" && swift build -c release --static-swift-stdlib --product podnetd >&2)
		podnetd="$(cd "$root" && swift build -c release --static-swift-stdlib --product podnetd --show-bin-path)/podnetd"
	fi
	[[ -x $podnetd ]] || fail "no podnetd executable at $podnetd"
	podnetd="$(cd "$(dirname "$podnetd")" && pwd)/$(basename "$podnetd")"
}
