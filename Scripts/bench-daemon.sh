#!/usr/bin/env bash
# Benchmark: `podnetd serve` in Calico-like network namespaces (the issue's Performance section).
#
#   sudo Scripts/bench-daemon.sh                      # builds podnetd in release mode first
#   sudo PODNETD_BIN=.build/debug/podnetd ROUTES=10000 TRIES=5 BIG_TRIES=2 SCRAPES=10 NE_SCRAPES=3 \
#        IDLE_SECONDS=5 Scripts/bench-daemon.sh     # a smoke run, ~10 s
#
# (a) Detection latency: with graceSeconds 0, delete the remote block's VXLAN route and time until
#     /status shows vxlan-route-missing; TRIES tries, median and p90 (target: median <= 100 ms).
#     Repeated with the ROUTES extra routes in place (BIG_TRIES tries).
# (b) Scrape time with ROUTES extra routes (`dev bulk0` /32s from ip -batch, bulk0 a veth): median
#     of SCRAPES requests to /metrics and to /status (target: <= 10 ms), side by side with
#     `prometheus-node-exporter --collector.disable-defaults --collector.network_route` scraping the
#     same namespace (NE_SCRAPES requests), and the ratio.
# (c) podnetd's VmRSS/VmHWM at ROUTES routes, and its CPU time (utime+stime) over IDLE_SECONDS idle.
# (d) Netlink overruns as the unit runs: podnetd unprivileged (setpriv: nobody, no capabilities, so
#     SO_RCVBUFFORCE fails) with net.core.rmem_max at Debian's default 212992 (set for the run and
#     restored on exit), on a node holding ROUTES other routes, BURSTS bursts of BURST_ROUTES route
#     changes (ip -batch; adds, then deletes):
#     overrun resyncs per burst (target: at most one) and the time from the burst's end until
#     podnetd_snapshot_routes equals the kernel's route count.
#
# SECTIONS (default abcd) picks sections: SECTIONS=d runs only the overrun bursts.
# RMEM_MAX (default 212992) sets the rmem_max of section (d), to measure a raised cap.
#
# Times are curl's own (time_total), run inside the namespace over loopback. Needs root, iproute2,
# curl, jq and prometheus-node-exporter (Scripts/deps.sh installs them). Every namespace and process
# it creates is removed on exit, whatever happens. Not a test: a full run takes about 80 s.
set -euo pipefail
export LC_ALL=C

readonly routes="${ROUTES:-100000}"
readonly tries="${TRIES:-20}"
readonly big_tries="${BIG_TRIES:-10}"
readonly scrapes="${SCRAPES:-50}"
readonly ne_scrapes="${NE_SCRAPES:-10}"
readonly idle_seconds="${IDLE_SECONDS:-60}"
readonly bursts="${BURSTS:-6}"
readonly burst_routes="${BURST_ROUTES:-20000}"
readonly sections="${SECTIONS:-abcd}"
readonly unit_rmem_max="${RMEM_MAX:-212992}"
readonly port=9647
readonly ne_port=9100
readonly block=192.168.35.0/26

# shellcheck source-path=SCRIPTDIR source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

for knob in ROUTES:"$routes" TRIES:"$tries":1 BIG_TRIES:"$big_tries" SCRAPES:"$scrapes":1 NE_SCRAPES:"$ne_scrapes":1 \
	IDLE_SECONDS:"$idle_seconds" BURSTS:"$bursts" BURST_ROUTES:"$burst_routes" RMEM_MAX:"$unit_rmem_max"; do
	IFS=: read -r name value minimum <<<"$knob"
	bench_require_count "$name" "$value" "${minimum:-0}"
done
((burst_routes <= 65536)) || fail "BURST_ROUTES above 65536 is not supported (10.240.0.0/16 holds them)"
((routes <= 1000000)) || fail "ROUTES above 1000000 is not supported (172.16.0.0/12 holds the /32s)"
bench_require_root
bench_require_tools ip bridge curl jq awk setpriv prometheus-node-exporter
node_exporter="$(command -v prometheus-node-exporter)"

# --- state and clean-up ----------------------------------------------------------------------------
workdir="$(mktemp -d /tmp/podnetd-bench-daemon.XXXXXX)"
# The unprivileged podnetd of (d) reads its config from here.
chmod 755 "$workdir"
saved_rmem_max=""
# shellcheck disable=SC2016 # expanded when the hook runs
exit_hooks+=('[[ -z $saved_rmem_max ]] || sysctl -qw net.core.rmem_max="$saved_rmem_max"')
bench_install_cleanup
bench_locate_podnetd

# --- a Calico VXLAN node ---------------------------------------------------------------------------
# Node namespace: eth0 10.0.0.10/24 (peer in an underlay namespace holding 10.0.0.1 and the remote
# host 10.0.0.20), vxlan.calico with 192.168.231.0/32, blackhole 192.168.231.0/26, one workload
# 192.168.231.1 on cali0123456789a (its peer in a pod namespace), and the remote block
# 192.168.35.0/26 via 192.168.35.0 onlink with its permanent neighbour and FDB entry.
build_node() {
	local ns=$1 underlay=$2 pod=$3
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	bench_vxlan_node "$ns" "$underlay" 24 192.168.231.0
	ip -n "$underlay" addr add 10.0.0.20/32 dev eth0
	ip -n "$ns" route add blackhole 192.168.231.0/26 proto 80
	ip -n "$ns" neigh add 192.168.35.0 lladdr 66:35:00:00:00:20 dev vxlan.calico nud permanent
	bridge -n "$ns" fdb add 66:35:00:00:00:20 dev vxlan.calico dst 10.0.0.20 self permanent
	ip -n "$ns" route add "$block" via 192.168.35.0 dev vxlan.calico onlink proto 80
	ip -n "$ns" link add cali0123456789a mtu 8951 type veth peer name eth0 netns "$pod"
	ip -n "$ns" link set cali0123456789a address ee:ee:ee:ee:ee:ee
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.cali0123456789a.proxy_arp=1
	ip -n "$ns" link set cali0123456789a up
	ip -n "$pod" link set eth0 up
	ip -n "$pod" addr add 192.168.231.1/32 dev eth0
	ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
	ip -n "$pod" route add default via 169.254.1.1 dev eth0
	ip -n "$ns" route add 192.168.231.1 dev cali0123456789a scope link
}

# ROUTES /32 routes in 172.16.0.0/12 through a veth (this kernel may lack the dummy driver), in one
# ip -batch.
add_bulk_routes() {
	local ns=$1 count=$2
	ip -n "$ns" link add bulk0 type veth peer name bulk1
	ip -n "$ns" link set bulk1 up
	ip -n "$ns" link set bulk0 up
	awk -v n="$count" "$bench_awk_ipv4"'BEGIN {
		for (i = 0; i < n; i++) printf "route add %s/32 dev bulk0\n", ipv4(ipv4_number("172.16.0.0") + i)
	}' | ip -n "$ns" -batch -
}

write_config() {
	cat >"$1" <<-EOF
		cni: calico-vxlan
		podCIDRs: ["192.168.0.0/16"]
		serviceCIDR: 10.96.0.0/12
		calico:
		  expectedRemoteBlocks:
		    - block: $block
		      tunnelIP: 192.168.35.0
		maxPods: 110
		instanceType: m5.large
		graceSeconds: 0
		resyncInterval: 3600
		listen: 127.0.0.1:$port
	EOF
}

# Starts podnetd serve in namespace $1 (log in $2); sets podnetd_pid; waits for /readyz. Further
# arguments go before podnetd (a setpriv prefix).
start_podnetd() {
	local ns=$1 log=$2 config="$workdir/podnetd.yaml" start=${EPOCHREALTIME/./}
	shift 2
	write_config "$config"
	chmod 644 "$config"
	bench_start_serve "$ns" "$config" "$log" "http://127.0.0.1:$port/readyz" "$@"
	echo "  podnetd ready after $(bench_elapsed_ms "$start") ms (pid $podnetd_pid)"
}

stop_process() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# As the unit runs it: nobody, no capabilities (PodnetdBinary.unprivilegedPrefix in the tests).
unprivileged=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)

# --- measuring -------------------------------------------------------------------------------------
# Runs inside the node namespace (ip netns exec … bash -c): one line per try, the milliseconds from
# the route's deletion until /status names vxlan-route-missing. Restores the route after each try
# and waits until the finding has cleared.
detection_tries() {
	local n=$1 port=$2 block=$3 url start end i deadline
	url="http://127.0.0.1:$port/status"
	shows() { curl -s "$url" | grep -q '"vxlan-route-missing"'; }
	for ((i = 0; i < n; i++)); do
		shows && { echo "finding already present before try $i" >&2; return 1; }
		start=${EPOCHREALTIME/./}
		ip route del "$block"
		deadline=$((start + 5000000))
		until shows; do
			((${EPOCHREALTIME/./} < deadline)) || { echo "not detected within 5 s" >&2; return 1; }
		done
		end=${EPOCHREALTIME/./}
		awk -v us=$((end - start)) 'BEGIN { printf "%.1f\n", us / 1000 }'
		ip route add "$block" via 192.168.35.0 dev vxlan.calico onlink proto 80
		deadline=$((${EPOCHREALTIME/./} + 5000000))
		while shows; do
			((${EPOCHREALTIME/./} < deadline)) || { echo "finding did not clear within 5 s" >&2; return 1; }
		done
	done
}

measure_detection() {
	local ns=$1 n=$2
	ip netns exec "$ns" bash -c "$(declare -f detection_tries); detection_tries $n $port $block"
}

# curl's time_total in milliseconds for $3 GETs of URL $2 inside namespace $1, one per line.
scrape_times() {
	local ns=$1 url=$2 n=$3 i
	for ((i = 0; i < n; i++)); do
		ip netns exec "$ns" curl -s -o /dev/null -w '%{time_total}\n' "$url"
	done | awk '{ printf "%.3f\n", $1 * 1000 }'
}

body_bytes() { ip netns exec "$1" curl -s "$2" | wc -c; }

# --- run ---------------------------------------------------------------------------------------------
echo "podnetd: $podnetd"
echo "kernel $(uname -r), $(nproc) CPUs"
echo

if [[ $sections == *a* ]]; then
echo "(a) detection latency, graceSeconds 0, $tries tries (target: median <= 100 ms)"
bench_new_namespace node
small=$REPLY
bench_new_namespace underlay
small_underlay=$REPLY
bench_new_namespace pod
small_pod=$REPLY
build_node "$small" "$small_underlay" "$small_pod"
start_podnetd "$small" "$workdir/podnetd-small.log"
samples="$(measure_detection "$small" "$tries")" ||
	{ cat "$workdir/podnetd-small.log" >&2; fail "detection failed"; }
echo "  vxlan-route-missing shown after (ms): $(bench_percentiles <<<"$samples")"
stop_process "$podnetd_pid"
echo
fi

if [[ $sections == *b* || $sections == *c* ]]; then
echo "(b) scrapes at $routes extra routes"
bench_new_namespace big
big=$REPLY
bench_new_namespace underlay
big_underlay=$REPLY
bench_new_namespace pod
big_pod=$REPLY
build_node "$big" "$big_underlay" "$big_pod"
start=${EPOCHREALTIME/./}
add_bulk_routes "$big" "$routes"
total_routes=$(ip -n "$big" -4 route show table all | wc -l)
echo "  $routes routes added in $(bench_elapsed_ms "$start") ms; $total_routes IPv4 routes in all tables"
start_podnetd "$big" "$workdir/podnetd-big.log"
status_url="http://127.0.0.1:$port/status"
metrics_url="http://127.0.0.1:$port/metrics"
ip netns exec "$big" curl -s "$status_url" | jq -r '
	([.findings[].check] | join(", ") | if . == "" then "none" else . end) as $findings
	| (.daemon.analysisMilliseconds * 10 | round / 10) as $ms
	| "  podnetd snapshot: \(.daemon.snapshotRoutes) routes; one analysis: \($ms) ms; findings: \($findings)"'
metrics_times="$(scrape_times "$big" "$metrics_url" "$scrapes")"
status_times="$(scrape_times "$big" "$status_url" "$scrapes")"
podnetd_metrics_median=$(bench_median %.2f <<<"$metrics_times")
echo "  podnetd /metrics ($(body_bytes "$big" "$metrics_url") bytes), ms: $(bench_percentiles <<<"$metrics_times")"
echo "  podnetd /status  ($(body_bytes "$big" "$status_url") bytes), ms: $(bench_percentiles <<<"$status_times")"

ip netns exec "$big" "$node_exporter" --collector.disable-defaults --collector.network_route \
	--web.listen-address="127.0.0.1:$ne_port" >"$workdir/node-exporter.log" 2>&1 &
ne_pid=$!
pids+=("$ne_pid")
ne_url="http://127.0.0.1:$ne_port/metrics"
bench_wait_http "$big" "http://127.0.0.1:$ne_port/" "$ne_pid" "$workdir/node-exporter.log" node-exporter
ne_series=$(ip netns exec "$big" curl -s "$ne_url" | grep -c '^node_network_route_info' || true)
ne_times="$(scrape_times "$big" "$ne_url" "$ne_scrapes")"
ne_median=$(bench_median %.2f <<<"$ne_times")
echo "  node-exporter --collector.network_route ($ne_series node_network_route_info series), ms: $(bench_percentiles <<<"$ne_times")"
echo "  node-exporter VmHWM: $(bench_proc_status_kb "$ne_pid" VmHWM) kB"
awk -v a="$ne_median" -v b="$podnetd_metrics_median" 'BEGIN {
	if (b > 0) printf "  ratio of medians, node-exporter / podnetd /metrics: %.0fx\n", a / b
}'
stop_process "$ne_pid"

if ((big_tries > 0)); then
	samples="$(measure_detection "$big" "$big_tries")" ||
		{ cat "$workdir/podnetd-big.log" >&2; fail "detection failed"; }
	echo "  detection latency at $routes extra routes, $big_tries tries (ms): $(bench_percentiles <<<"$samples")"
fi
echo

echo "(c) podnetd memory at $routes extra routes and CPU while idle for $idle_seconds s"
echo "  VmRSS $(bench_proc_status_kb "$podnetd_pid" VmRSS) kB, VmHWM $(bench_proc_status_kb "$podnetd_pid" VmHWM) kB"
ticks_per_second=$(getconf CLK_TCK)
before=$(bench_cpu_ticks "$podnetd_pid")
sleep "$idle_seconds"
after=$(bench_cpu_ticks "$podnetd_pid")
awk -v t=$((after - before)) -v hz="$ticks_per_second" -v s="$idle_seconds" 'BEGIN {
	cpu = t / hz
	printf "  CPU (utime+stime) over %d s idle: %.2f s (%d ticks), %.3f%% of one CPU\n", s, cpu, t, (s > 0 ? 100 * cpu / s : 0)
}'
echo "  VmRSS after idling: $(bench_proc_status_kb "$podnetd_pid" VmRSS) kB"
kill -0 "$podnetd_pid" 2>/dev/null || fail "podnetd is no longer running"
stop_process "$podnetd_pid"
echo
fi

if [[ $sections == *d* ]]; then
echo "(d) netlink overruns as the unit runs: unprivileged, net.core.rmem_max $unit_rmem_max, $routes other routes, $bursts bursts of $burst_routes route changes"
saved_rmem_max=$(sysctl -n net.core.rmem_max)
sysctl -qw net.core.rmem_max="$unit_rmem_max"
bench_new_namespace node
burst_node=$REPLY
bench_new_namespace underlay
burst_underlay=$REPLY
bench_new_namespace pod
burst_pod=$REPLY
build_node "$burst_node" "$burst_underlay" "$burst_pod"
add_bulk_routes "$burst_node" "$routes"
ip -n "$burst_node" link add burst0 type veth peer name burst1
ip -n "$burst_node" link set burst1 up
ip -n "$burst_node" link set burst0 up
start_podnetd "$burst_node" "$workdir/podnetd-bursts.log" "${unprivileged[@]}"
echo "  podnetd as $(ps -o user= -p "$podnetd_pid" 2>/dev/null || echo '?'): $(grep -E '^CapEff' "/proc/$podnetd_pid/status" | tr -s '\t' ' ')"
awk -v n="$burst_routes" "$bench_awk_ipv4"'BEGIN { for (i = 0; i < n; i++) printf "route add %s/32 dev burst0\n", ipv4(ipv4_number("10.240.0.0") + i) }' \
	>"$workdir/burst-add"
sed 's/^route add/route del/' "$workdir/burst-add" >"$workdir/burst-del"
metrics_url="http://127.0.0.1:$port/metrics"
# One series' value from /metrics (0 when absent): metric $1 carrying label $2 (name="value") if
# given; other labels (the node label every series has) do not matter.
metric() {
	ip netns exec "$burst_node" curl -s "$metrics_url" | awk -v name="$1" -v label="${2:-}" '
		{ base = $1; sub(/\{.*/, "", base) }
		base == name && (label == "" || index($1, label)) { v = $2 }
		END { print v + 0 }'
}
per_burst=()
converge_ms=()
for ((b = 1; b <= bursts; b++)); do
	if ((b % 2)); then batch="$workdir/burst-add"; else batch="$workdir/burst-del"; fi
	before=$(metric podnetd_resyncs_total 'reason="overrun"')
	start=${EPOCHREALTIME/./}
	ip -n "$burst_node" -batch "$batch"
	burst_ms=$(bench_elapsed_ms "$start")
	ended=${EPOCHREALTIME/./}
	expected=$(bench_route_count "$burst_node")
	deadline=$((${EPOCHREALTIME/./} + 30000000))
	until [[ $(metric podnetd_snapshot_routes) == "$expected" ]]; do
		((${EPOCHREALTIME/./} < deadline)) || { tail -20 "$workdir/podnetd-bursts.log" >&2; fail "burst $b: podnetd did not converge to $expected routes within 30 s"; }
		sleep 0.01
	done
	converged=$(bench_elapsed_ms "$ended")
	# Let a late resync show up before counting.
	sleep 2
	[[ $(metric podnetd_snapshot_routes) == "$expected" ]] || fail "burst $b: podnetd's route count moved away from the kernel's"
	after=$(metric podnetd_resyncs_total 'reason="overrun"')
	per_burst+=($((after - before)))
	converge_ms+=("$converged")
	echo "  burst $b: $burst_routes changes in $burst_ms ms; overrun resyncs: $((after - before)); converged $converged ms after the burst ($expected routes)"
done
total=0
for n in "${per_burst[@]}"; do total=$((total + n)); done
max=$(printf '%s\n' "${per_burst[@]}" | sort -n | tail -1)
echo "  overrun resyncs: $total in $bursts bursts (max $max per burst; target: at most 1)"
echo "  time to converge after a burst (ms): $(printf '%s\n' "${converge_ms[@]}" | bench_percentiles)"
echo "  podnetd's log: $(grep -c 'overrun' "$workdir/podnetd-bursts.log" || true) overrun warnings"
kill -0 "$podnetd_pid" 2>/dev/null || fail "podnetd is no longer running"
stop_process "$podnetd_pid"
sysctl -qw net.core.rmem_max="$saved_rmem_max"
saved_rmem_max=""
fi
