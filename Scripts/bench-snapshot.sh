#!/usr/bin/env bash
# Benchmark: `podnetd dump --format json` (the whole snapshot: links, addresses, routes of every table,
# neighbours, FDB, rules, rendered as JSON) against `ip -j route show table all` (routes only), in the
# same network namespace, at 10k, 50k and 100k routes plus a few hundred veth interfaces.
#
#   sudo Scripts/bench-snapshot.sh            # builds podnetd in release mode first
#   sudo PODNETD_BIN=/path/to/podnetd RUNS=11 Scripts/bench-snapshot.sh
#
# Prints, per size, the median wall time and peak RSS of RUNS runs of each command, their ratio, and
# how each scales from 10k to 100k routes. Targets (the issue): podnetd no slower than ip, and
# 10k -> 100k at most 12x. Needs root, iproute2, util-linux (nsenter) and GNU time (/usr/bin/time,
# Debian package `time`). Every namespace it creates is deleted on exit, whatever happens.
# Not a test: a run takes about a minute.
set -euo pipefail

readonly sizes=(10000 50000 100000)
readonly runs="${RUNS:-7}"
readonly veth_pairs="${VETH_PAIRS:-150}" # 300 interfaces

# shellcheck source-path=SCRIPTDIR source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
bench_require_count RUNS "${runs}" 1
bench_require_count VETH_PAIRS "${veth_pairs}" 1
bench_require_root
bench_require_tools ip nsenter /usr/bin/time awk

workdir="$(mktemp -d /tmp/podnetd-bench.XXXXXX)"
bench_install_cleanup
bench_locate_podnetd

# --- namespaces --------------------------------------------------------------------------------------
# One namespace per size: `veth_pairs` veth pairs (all up, so each also brings its IPv6 link-local,
# local and multicast routes), then ip -batch routes: 90% IPv4 (/32s, alternately blackhole and
# `dev vethN`), 10% IPv6 (/128 `dev vethN`). `via … onlink` is avoided: slow to insert in bulk.
build_namespace() {
	local ns="$1" routes="$2"
	# No IPv6 duplicate address detection: addresses (and their routes) are final at once, so the
	# route count does not drift while measuring.
	ip netns exec "${ns}" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	{
		local i
		for ((i = 0; i < veth_pairs; i++)); do
			echo "link add veth${i}a type veth peer name veth${i}b"
			echo "link set veth${i}a up"
			echo "link set veth${i}b up"
		done
		for ((i = 0; i < veth_pairs; i++)); do
			echo "address add 10.200.$((i / 256)).$((i % 256))/16 dev veth${i}a"
		done
		awk -v v4=$((routes * 9 / 10)) -v v6=$((routes - routes * 9 / 10)) -v pairs="${veth_pairs}" "${bench_awk_ipv4}"'BEGIN {
			first = ipv4_number("10.1.0.0")
			for (i = 0; i < v4; i++)
				if (i % 2 == 0) printf "route add blackhole %s/32\n", ipv4(first + i)
				else printf "route add %s/32 dev veth%da\n", ipv4(first + i), i % pairs
			for (i = 0; i < v6; i++) printf "route add fd00:%x::%x/128 dev veth%da\n", int(i / 65536), i % 65536, i % pairs
		}'
	} >"${workdir}/batch"
	ip -n "${ns}" -batch "${workdir}/batch" >/dev/null
}

# --- measurement -------------------------------------------------------------------------------------
# Runs "$@" inside namespace $1 (nsenter: no per-run mount namespace, unlike `ip netns exec`) with
# stdout to /dev/null; prints "wall_ms rss_kib".
measure_once() {
	local ns="$1"
	shift
	local start end
	start=${EPOCHREALTIME/./}
	/usr/bin/time -f '%M' -o "${workdir}/rss" nsenter --net="/run/netns/${ns}" "$@" >/dev/null
	end=${EPOCHREALTIME/./}
	echo "$((end - start)) $(tail -n 1 "${workdir}/rss")"
}

# Median wall (ms, 1 decimal) and median peak RSS (MiB, 1 decimal) of `runs` runs, after one warm-up.
measure() {
	local ns="$1"
	shift
	measure_once "${ns}" "$@" >/dev/null
	local i walls=() rsss=() wall rss
	for ((i = 0; i < runs; i++)); do
		read -r wall rss < <(measure_once "${ns}" "$@")
		walls+=("${wall}")
		rsss+=("${rss}")
	done
	wall=$(printf '%s\n' "${walls[@]}" | bench_median)
	rss=$(printf '%s\n' "${rsss[@]}" | bench_median)
	echo "$(bench_ratio "${wall}" 1000 %.1f) $(bench_ratio "${rss}" 1024 %.1f)"
}

# Median snapshot and analysis times reported by `podnetd check --timing` (in-process, no start-up),
# as "snapshot_ms analysis_ms".
measure_analysis() {
	local ns="$1" i snaps=() analyses=() line
	printf 'cni: auto\n' >"${workdir}/check.yaml"
	for ((i = 0; i < runs; i++)); do
		# check exits 1 when it finds problems (this namespace has many); only its timing line matters.
		line=$({ nsenter --net="/run/netns/${ns}" "${podnetd}" check --timing --config "${workdir}/check.yaml" 2>&1 >/dev/null || true; } | grep 'timing:') \
			|| fail "podnetd check --timing printed no timing in ${ns}"
		snaps+=("$(sed -E 's/.*snapshot ([0-9.]+) ms.*/\1/' <<<"${line}")")
		analyses+=("$(sed -E 's/.*analysis ([0-9.]+) ms.*/\1/' <<<"${line}")")
	done
	echo "$(printf '%s\n' "${snaps[@]}" | bench_median) $(printf '%s\n' "${analyses[@]}" | bench_median)"
}

declare -A podnetd_ms podnetd_rss ip_ms ip_rss counts snapshot_ms analysis_ms
for size in "${sizes[@]}"; do
	echo "building a namespace with ${size} routes and $((veth_pairs * 2)) veth interfaces..." >&2
	bench_new_namespace "${size}"
	ns=$REPLY
	build_namespace "${ns}" "${size}"
	counts[${size}]=$(bench_route_count "${ns}")
	# Sanity: podnetd sees every route ip sees (each route object has one "protocol" key).
	nsenter --net="/run/netns/${ns}" "${podnetd}" dump --format json >"${workdir}/dump.json" \
		|| fail "podnetd dump failed in ${ns}"
	seen=$(grep -o '"protocol"' "${workdir}/dump.json" | wc -l)
	[[ "${seen}" == "${counts[${size}]}" ]] || fail "podnetd reported ${seen} routes, ip ${counts[${size}]}"
	echo "measuring (${runs} runs each)..." >&2
	read -r "podnetd_ms[${size}]" "podnetd_rss[${size}]" < <(measure "${ns}" "${podnetd}" dump --format json)
	read -r "ip_ms[${size}]" "ip_rss[${size}]" < <(measure "${ns}" ip -j route show table all)
	read -r "snapshot_ms[${size}]" "analysis_ms[${size}]" < <(measure_analysis "${ns}")
	ip netns delete "${ns}"
done

# --- report ------------------------------------------------------------------------------------------
echo
echo "median of ${runs} runs; $((veth_pairs * 2)) veth interfaces; wall includes process start"
printf '%-8s %9s %14s %12s %14s %12s %14s\n' size "routes" "podnetd ms" "podnetd MiB" "ip -j ms" "ip -j MiB" "podnetd/ip"
for size in "${sizes[@]}"; do
	printf '%-8s %9s %14s %12s %14s %12s %14s\n' "${size}" "${counts[${size}]}" "${podnetd_ms[${size}]}" \
		"${podnetd_rss[${size}]}" "${ip_ms[${size}]}" "${ip_rss[${size}]}" \
		"$(bench_ratio "${podnetd_ms[${size}]}" "${ip_ms[${size}]}")"
done
echo
echo "analysis cost (podnetd check --timing, in-process medians; target: analysis <= 20% of the snapshot)"
printf '%-8s %14s %14s %10s\n' size "snapshot ms" "analysis ms" "analysis %"
for size in "${sizes[@]}"; do
	printf '%-8s %14s %14s %10s\n' "${size}" "${snapshot_ms[${size}]}" "${analysis_ms[${size}]}" \
		"$(awk -v a="${analysis_ms[${size}]}" -v s="${snapshot_ms[${size}]}" 'BEGIN { printf "%.0f%%", 100 * a / s }')"
done
first="${sizes[0]}"
last="${sizes[${#sizes[@]} - 1]}"
podnetd_scaling=$(bench_ratio "${podnetd_ms[${last}]}" "${podnetd_ms[${first}]}" %.1f)
ip_scaling=$(bench_ratio "${ip_ms[${last}]}" "${ip_ms[${first}]}" %.1f)
echo
echo "scaling ${first} -> ${last} routes: podnetd ${podnetd_scaling}x, ip ${ip_scaling}x (target: podnetd <= 12x)"
verdict=ok
awk -v a="${podnetd_ms[${last}]}" -v b="${ip_ms[${last}]}" 'BEGIN { exit !(a <= b) }' \
	|| { echo "TARGET MISSED: podnetd slower than ip -j at ${last} routes"; verdict=missed; }
awk -v s="${podnetd_scaling}" 'BEGIN { exit !(s <= 12) }' \
	|| { echo "TARGET MISSED: podnetd scales worse than 12x"; verdict=missed; }
awk -v a="${analysis_ms[${last}]}" -v s="${snapshot_ms[${last}]}" 'BEGIN { exit !(a <= 0.2 * s) }' \
	|| { echo "TARGET MISSED: analysis above 20% of the snapshot at ${last} routes"; verdict=missed; }
[[ "${verdict}" == ok ]] && echo "targets met: podnetd <= ip -j at ${last} routes, scaling <= 12x, analysis <= 20% of the snapshot"
exit 0
