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
readonly script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly repo_root="$(cd "${script_dir}/.." && pwd)"

fail() {
	echo "bench-snapshot.sh: $*" >&2
	exit 1
}

[[ "$(id -u)" == 0 ]] || fail "needs root (network namespaces): run it with sudo"
command -v ip >/dev/null || fail "ip (iproute2) is missing: run Scripts/deps.sh"
command -v nsenter >/dev/null || fail "nsenter (util-linux) is missing: run Scripts/deps.sh"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time (GNU time, Debian package 'time') is missing"
[[ "${runs}" =~ ^[0-9]+$ && "${runs}" -ge 1 ]] || fail "RUNS must be a positive number"

namespaces=()
workdir="$(mktemp -d /tmp/podnetd-bench.XXXXXX)"
cleanup() {
	local ns
	for ns in "${namespaces[@]}"; do ip netns delete "${ns}" 2>/dev/null || true; done
	rm -rf "${workdir}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- podnetd -----------------------------------------------------------------------------------------
if [[ -n "${PODNETD_BIN:-}" ]]; then
	podnetd="${PODNETD_BIN}"
else
	echo "building podnetd (release)..." >&2
	scratch=(${SCRATCH_PATH:+--scratch-path "${SCRATCH_PATH}"})
	# Static Swift runtime, as Scripts/install.sh deploys it: start-up is 5 ms instead of 17.
	(cd "${repo_root}" && swift build -c release --static-swift-stdlib --product podnetd "${scratch[@]}" >&2)
	podnetd="$(cd "${repo_root}" && swift build -c release --static-swift-stdlib --product podnetd "${scratch[@]}" --show-bin-path)/podnetd"
fi
[[ -x "${podnetd}" ]] || fail "no podnetd executable at ${podnetd}"

# --- namespaces --------------------------------------------------------------------------------------
# One namespace per size: `veth_pairs` veth pairs (all up, so each also brings its IPv6 link-local,
# local and multicast routes), then ip -batch routes: 90% IPv4 (/32s, alternately blackhole and
# `dev vethN`), 10% IPv6 (/128 `dev vethN`). `via … onlink` is avoided: slow to insert in bulk.
build_namespace() {
	local ns="$1" routes="$2"
	ip netns add "${ns}"
	ip -n "${ns}" link set lo up
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
		local v4=$((routes * 9 / 10)) dev
		for ((i = 0; i < v4; i++)); do
			if ((i % 2 == 0)); then
				echo "route add blackhole 10.$((i / 65536 + 1)).$((i / 256 % 256)).$((i % 256))/32"
			else
				echo "route add 10.$((i / 65536 + 1)).$((i / 256 % 256)).$((i % 256))/32 dev veth$((i % veth_pairs))a"
			fi
		done
		for ((i = 0; i < routes - v4; i++)); do
			printf 'route add fd00:%x::%x/128 dev veth%da\n' $((i / 65536)) $((i % 65536)) $((i % veth_pairs))
		done
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
	start=$(date +%s%N)
	/usr/bin/time -f '%M' -o "${workdir}/rss" nsenter --net="/run/netns/${ns}" "$@" >/dev/null
	end=$(date +%s%N)
	echo "$(((end - start) / 1000)) $(tail -n 1 "${workdir}/rss")"
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
	local middle=$(((runs + 1) / 2))
	wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "${middle}p")
	rss=$(printf '%s\n' "${rsss[@]}" | sort -n | sed -n "${middle}p")
	awk -v w="${wall}" -v r="${rss}" 'BEGIN { printf "%.1f %.1f\n", w / 1000, r / 1024 }'
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
	local middle=$(((runs + 1) / 2))
	echo "$(printf '%s\n' "${snaps[@]}" | sort -n | sed -n "${middle}p") $(printf '%s\n' "${analyses[@]}" | sort -n | sed -n "${middle}p")"
}

declare -A podnetd_ms podnetd_rss ip_ms ip_rss counts snapshot_ms analysis_ms
for size in "${sizes[@]}"; do
	echo "building a namespace with ${size} routes and $((veth_pairs * 2)) veth interfaces..." >&2
	ns="podnetd-bench-$$-${size}"
	namespaces+=("${ns}")
	build_namespace "${ns}" "${size}"
	counts[${size}]=$(($(ip -n "${ns}" -4 route show table all | wc -l) + $(ip -n "${ns}" -6 route show table all | wc -l)))
	# Sanity: podnetd sees every route ip sees (each route object has one "protocol" key).
	nsenter --net="/run/netns/${ns}" "${podnetd}" dump --format json >"${workdir}/dump.json" \
		|| fail "podnetd dump failed in ${ns}"
	seen=$(grep -o '"protocol"' "${workdir}/dump.json" | wc -l)
	[[ "${seen}" == "${counts[${size}]}" ]] || fail "podnetd reported ${seen} routes, ip ${counts[${size}]}"
	echo "measuring (${runs} runs each)..." >&2
	read -r podnetd_ms[${size}] podnetd_rss[${size}] < <(measure "${ns}" "${podnetd}" dump --format json)
	read -r ip_ms[${size}] ip_rss[${size}] < <(measure "${ns}" ip -j route show table all)
	read -r snapshot_ms[${size}] analysis_ms[${size}] < <(measure_analysis "${ns}")
	ip netns delete "${ns}"
done

# --- report ------------------------------------------------------------------------------------------
echo
echo "median of ${runs} runs; $((veth_pairs * 2)) veth interfaces; wall includes process start"
printf '%-8s %9s %14s %12s %14s %12s %14s\n' size "routes" "podnetd ms" "podnetd MiB" "ip -j ms" "ip -j MiB" "podnetd/ip"
for size in "${sizes[@]}"; do
	printf '%-8s %9s %14s %12s %14s %12s %14s\n' "${size}" "${counts[${size}]}" "${podnetd_ms[${size}]}" \
		"${podnetd_rss[${size}]}" "${ip_ms[${size}]}" "${ip_rss[${size}]}" \
		"$(awk -v a="${podnetd_ms[${size}]}" -v b="${ip_ms[${size}]}" 'BEGIN { printf "%.2f", a / b }')"
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
podnetd_scaling=$(awk -v a="${podnetd_ms[${last}]}" -v b="${podnetd_ms[${first}]}" 'BEGIN { printf "%.1f", a / b }')
ip_scaling=$(awk -v a="${ip_ms[${last}]}" -v b="${ip_ms[${first}]}" 'BEGIN { printf "%.1f", a / b }')
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
