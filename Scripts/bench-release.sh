#!/usr/bin/env bash
# Benchmark of the release artefacts (not a test): sizes, start-up time and idle RSS of the
# packaged binary, side by side with references in the same run.
#
#   sudo Scripts/bench-release.sh            # uses dist/ (run Scripts/package.sh first)
#   sudo RUNS=50 IDLE_SECONDS=5 Scripts/bench-release.sh
#
# Sizes: the stripped binary and its largest part (ICU data), the .deb, the .rpm, the OCI image
# (archive, compressed layer, unpacked root).
# Start-up: median wall time of RUNS runs of `podnetd --version` (process start to exit: loader,
# Swift runtime, argument parsing) and of `podnetd check` in an empty namespace (start-up plus one
# netlink dump and analysis), next to `ip -V` and `ip -j route show table all` in the same namespace.
# Idle RSS: `podnetd serve` and prometheus-node-exporter (the reference agent of bench-daemon.sh),
# both in the same empty namespace, VmRSS after IDLE_SECONDS.
set -euo pipefail
export LC_ALL=C

readonly runs="${RUNS:-30}"
readonly idle_seconds="${IDLE_SECONDS:-10}"

# shellcheck source-path=SCRIPTDIR source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
readonly repo="$bench_repo_root" dist="$bench_repo_root/dist"
bench_require_count RUNS "$runs" 1
bench_require_count IDLE_SECONDS "$idle_seconds"
bench_require_root
bench_require_tools ip jq tar prometheus-node-exporter
version=$(tr -d '[:space:]' <"$repo/VERSION")
binary=$dist/podnetd
deb=$dist/podnetd_${version}_amd64.deb
rpm=$dist/podnetd-${version}-1.x86_64.rpm
image=$dist/podnetd-${version}.oci.tar
for file in "$binary" "$deb" "$rpm" "$image"; do
	[[ -f $file ]] || fail "$file is missing: run Scripts/package.sh"
done
node_exporter=$(command -v prometheus-node-exporter)

workdir=$(mktemp -d /tmp/podnetd-bench-release.XXXXXX)
bench_install_cleanup
bench_new_namespace release
ns=$REPLY

mib() { bench_ratio "$1" 1048576 '%.1f MiB'; }

# --- sizes -------------------------------------------------------------------------------------
echo "== sizes"
printf '%-34s %12s  %s\n' "dist/podnetd (stripped)" "$(stat -c %s "$binary")" "$(mib "$(stat -c %s "$binary")")"
# The ICU data's symbol is only in the unstripped build package.sh stripped.
unstripped=$repo/.build-release/release/podnetd
if [[ -f $unstripped ]]; then
	icu_hex=$(nm -S "$unstripped" | awk '$4 ~ /^icudt[0-9]+_dat$/ { print $2 }')
	icu=$((16#${icu_hex:-0}))
	printf '%-34s %12s  %s\n' "  of it ICU data (icudt*_dat)" "$icu" "$(mib "$icu")"
fi
for file in "$deb" "$rpm" "$image"; do
	printf '%-34s %12s  %s\n' "dist/$(basename "$file")" "$(stat -c %s "$file")" "$(mib "$(stat -c %s "$file")")"
done
mkdir -p "$workdir/oci" "$workdir/root"
tar -xf "$image" -C "$workdir/oci"
layers=0
for layer in $(jq -r '.manifests[0].digest' "$workdir/oci/index.json" | sed 's#:#/#' | xargs -I{} jq -r '.layers[].digest' "$workdir/oci/blobs/{}" | sed 's#:#/#'); do
	layers=$((layers + $(stat -c %s "$workdir/oci/blobs/$layer")))
	tar -xzf "$workdir/oci/blobs/$layer" -C "$workdir/root"
done
unpacked=$(du -sb "$workdir/root" | cut -f1)
printf '%-34s %12s  %s\n' "image layers (compressed)" "$layers" "$(mib "$layers")"
printf '%-34s %12s  %s\n' "image root (unpacked)" "$unpacked" "$(mib "$unpacked")"

# --- start-up ----------------------------------------------------------------------------------
# Median wall time in ms of RUNS runs of a command inside the namespace.
median_ms() {
	local i start median_us
	median_us=$(for ((i = 0; i < runs; i++)); do
		start=${EPOCHREALTIME/./}
		ip netns exec "$ns" "$@" >/dev/null 2>&1 || true
		echo $((${EPOCHREALTIME/./} - start))
	done | bench_median)
	bench_ratio "$median_us" 1000
}
echo
echo "== start-up (median of $runs runs, ms, in an empty namespace; includes ip netns exec)"
ipv_ms=$(median_ms ip -V)
version_ms=$(median_ms "$binary" --version)
printf '%-40s %8s\n' "ip -V" "$ipv_ms"
printf '%-40s %8s   ratio to ip -V %s\n' "podnetd --version" "$version_ms" "$(bench_ratio "$version_ms" "$ipv_ms")"
route_ms=$(median_ms ip -j route show table all)
check_ms=$(median_ms "$binary" check --format json)
printf '%-40s %8s\n' "ip -j route show table all" "$route_ms"
printf '%-40s %8s   ratio %s\n' "podnetd check --format json" "$check_ms" "$(bench_ratio "$check_ms" "$route_ms")"

# --- idle RSS ----------------------------------------------------------------------------------
echo
echo "== idle RSS after ${idle_seconds} s (empty namespace)"
ip netns exec "$ns" "$binary" serve --listen 127.0.0.1:19647 >"$workdir/serve.log" 2>&1 &
pids+=($!)
podnetd_pid=$!
ip netns exec "$ns" "$node_exporter" --web.listen-address=127.0.0.1:19100 >"$workdir/ne.log" 2>&1 &
pids+=($!)
ne_pid=$!
sleep "$idle_seconds"
podnetd_rss=$(bench_proc_status_kb "$podnetd_pid" VmRSS)
ne_rss=$(bench_proc_status_kb "$ne_pid" VmRSS)
printf '%-40s %8s KiB\n' "podnetd serve" "$podnetd_rss"
printf '%-40s %8s KiB   ratio %s\n' "prometheus-node-exporter (defaults)" "$ne_rss" "$(bench_ratio "$podnetd_rss" "$ne_rss")"
