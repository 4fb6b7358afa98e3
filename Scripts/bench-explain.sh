#!/usr/bin/env bash
# Benchmark: `podnetd explain` against the kernel's own `ip route get`, in one namespace built like a
# Calico VXLAN node (vxlan.calico, remote blocks with neighbour and FDB entries) with about 100k
# routes (/32 and /26 routes in main, a few hundred in per-ENI-like tables, and policy rules).
#
#   sudo Scripts/bench-explain.sh                       # builds podnetd in release mode first
#   sudo PODNETD_BIN=/path/to/podnetd RUNS=21 Scripts/bench-explain.sh
#   sudo PODNETD_BIN=new/podnetd PODNETD_OLD_BIN=old/podnetd ROUNDS=25 Scripts/bench-explain.sh
#
# Prints three comparisons, each as a ratio podnetd / ip:
#   (1) one lookup in process: podnetd's explain on the indexed snapshot (median of 1000, from
#       `explain --timing`) against one `route get` of `ip -batch` with 1000 of them (the kernel's
#       lookup plus a netlink round trip);
#   (2) one answer for an operator: `curl /explain` from a running `podnetd serve` against one
#       `ip route get` process (median of RUNS wall times each), with `curl /healthz` as the floor
#       (curl's start and the HTTP round trip, no work);
#   (3) what the index costs once per snapshot (from `--timing`);
#   (4) what an /explain costs the daemon's other clients: after each of ROUNDS new analyses, a
#       `/healthz` sent 0.5 ms behind an `/explain` (two connections; the HTTP server answers every
#       client on one thread), its latency and the /explain's — for podnetd, and, when
#       PODNETD_OLD_BIN names another build, for that one too, on the same node in the same run.
# Target (issue 13): one explain on a 100k-route snapshot <= 1 ms. Not a test. Needs root, iproute2
# and curl. Every namespace it creates is deleted on exit.
set -euo pipefail

readonly runs="${RUNS:-21}"
readonly routes="${ROUTES:-100000}"
readonly rounds="${ROUNDS:-25}"
readonly port=19647

# shellcheck source-path=SCRIPTDIR source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
bench_require_count RUNS "$runs" 1
bench_require_count ROUTES "$routes" 250
bench_require_count ROUNDS "$rounds" 1
[[ -z ${PODNETD_OLD_BIN:-} || -x ${PODNETD_OLD_BIN} ]] || fail "PODNETD_OLD_BIN=${PODNETD_OLD_BIN} is not an executable"
bench_require_root
bench_require_tools ip bridge curl awk

workdir="$(mktemp -d /tmp/podnetd-bench-explain.XXXXXX)"
bench_install_cleanup
bench_locate_podnetd

# --- the node ------------------------------------------------------------------------------------
bench_new_namespace explain
node=$REPLY
bench_new_namespace explain-ul
underlay=$REPLY
ip netns exec "${node}" sysctl -qw net.ipv4.ip_forward=1
bench_vxlan_node "${node}" "${underlay}" 16 192.168.0.0
{
	# 250 remote nodes: block via tunnel IP onlink, permanent neighbour (FDB entries below).
	for ((n = 1; n <= 250; n++)); do
		printf 'neigh add 192.168.%d.0 lladdr 66:00:00:00:%02x:%02x dev vxlan.calico nud permanent\n' "${n}" $((n / 256)) $((n % 256))
		printf 'route add 192.168.%d.0/26 via 192.168.%d.0 dev vxlan.calico onlink proto 80\n' "${n}" "${n}"
	done
	# The bulk: /32 routes (blackholes and dev eth0) in main, /26s, and routes in tables 2..9.
	awk -v bulk=$((routes - 250)) "${bench_awk_ipv4}"'BEGIN {
		host = ipv4_number("10.20.0.0"); net = ipv4_number("172.16.0.0")
		for (i = 0; i < bulk; i++) {
			kind = i % 4
			if (kind == 0) printf "route add blackhole %s/32\n", ipv4(host + i)
			else if (kind == 1) printf "route add %s/32 dev eth0\n", ipv4(host + i)
			else if (kind == 2) printf "route add %s/26 dev eth0 metric %d\n", ipv4(net + 64 * (int(i / 4) % 16384)), i % 7
			else printf "route add %s/32 via 10.0.0.1 dev eth0 table %d\n", ipv4(host + i), i % 8 + 2
		}
	}'
	for ((t = 2; t <= 9; t++)); do
		echo "route add default via 10.0.0.1 dev eth0 table ${t}"
		echo "rule add from 192.168.0.$((t * 3))/32 lookup ${t} priority 1536"
		echo "rule add to 192.168.0.$((t * 3))/32 lookup main priority 512"
	done
} >"${workdir}/node.batch"
ip -n "${node}" -force -batch "${workdir}/node.batch" 2>/dev/null || true
for ((n = 1; n <= 250; n++)); do
	printf 'fdb add 66:00:00:00:%02x:%02x dev vxlan.calico dst 10.0.%d.%d self permanent\n' $((n / 256)) $((n % 256)) $((n / 256 + 1)) $((n % 256))
done >"${workdir}/fdb.batch"
ip netns exec "${node}" bridge -batch "${workdir}/fdb.batch"
total_routes=$(bench_route_count "${node}")

cat >"${workdir}/podnetd.yaml" <<EOF
cni: calico-vxlan
podCIDRs: ["192.168.0.0/16"]
serviceCIDR: 10.96.0.0/12
maxPods: 110
instanceType: m5.large
listen: ["127.0.0.1:${port}"]
graceSeconds: 0
EOF

destinations=(192.168.77.9 10.20.3.4 10.20.3.5 172.18.3.70 8.8.8.8 10.0.0.10 192.168.0.9)
echo "node: ${total_routes} routes (all tables, IPv4 and IPv6); destinations: ${destinations[*]}"

# --- (1) one lookup in process --------------------------------------------------------------------
printf '%-16s %14s %16s %8s %16s\n' destination "podnetd explain" "ip route get" ratio "index+analysis"
for destination in "${destinations[@]}"; do
	timing=$(ip netns exec "${node}" "${podnetd}" explain "${destination}" --config "${workdir}/podnetd.yaml" --timing 2>&1 >/dev/null | grep 'timing:' || true)
	explain_us=$(sed -n 's/.*explain \([0-9]*\) µs (median of 1000.*/\1/p' <<<"${timing}")
	index_ms=$(sed -n 's/.*index and analysis \([0-9.]*\) ms.*/\1/p' <<<"${timing}")
	[[ -n "${explain_us}" ]] || fail "no timing from podnetd explain ${destination}: ${timing}"
	for ((i = 0; i < 1000; i++)); do echo "route get ${destination}"; done >"${workdir}/get.batch"
	samples=()
	for ((r = 0; r < 5; r++)); do
		start=${EPOCHREALTIME/./}
		ip -n "${node}" -force -batch "${workdir}/get.batch" >/dev/null 2>&1 || true
		samples+=($((${EPOCHREALTIME/./} - start)))
	done
	ip_total=$(printf '%s\n' "${samples[@]}" | bench_median)
	ip_us=$(bench_ratio "${ip_total}" 1000 %.1f)
	ratio=$(bench_ratio "${explain_us}" "${ip_us}")
	printf '%-16s %11s µs %13s µs %8s %13s ms\n' "${destination}" "${explain_us}" "${ip_us}" "${ratio}" "${index_ms}"
done

# --- (2) one answer for an operator ---------------------------------------------------------------
bench_start_serve "${node}" "${workdir}/podnetd.yaml" "${workdir}/serve.log" "http://127.0.0.1:${port}/readyz"
ip netns exec "${node}" curl -sf "http://127.0.0.1:${port}/explain?dst=192.168.77.9" >/dev/null || fail "daemon not answering: $(tail -3 "${workdir}/serve.log")"
echo
printf '%-16s %18s %18s %8s %18s\n' destination "curl /explain" "ip route get" ratio "curl /healthz"
for destination in "${destinations[@]}"; do
	curl_samples=() ip_samples=() floor_samples=()
	for ((r = 0; r < runs; r++)); do
		start=${EPOCHREALTIME/./}
		ip netns exec "${node}" curl -s "http://127.0.0.1:${port}/explain?dst=${destination}" >/dev/null
		curl_samples+=($((${EPOCHREALTIME/./} - start)))
		# The floor: the same process start and HTTP round trip for an answer that needs no work.
		start=${EPOCHREALTIME/./}
		ip netns exec "${node}" curl -s "http://127.0.0.1:${port}/healthz" >/dev/null
		floor_samples+=($((${EPOCHREALTIME/./} - start)))
		start=${EPOCHREALTIME/./}
		ip netns exec "${node}" ip route get "${destination}" >/dev/null 2>&1 || true
		ip_samples+=($((${EPOCHREALTIME/./} - start)))
	done
	curl_us=$(printf '%s\n' "${curl_samples[@]}" | bench_median)
	ip_us=$(printf '%s\n' "${ip_samples[@]}" | bench_median)
	floor_us=$(printf '%s\n' "${floor_samples[@]}" | bench_median)
	ratio=$(bench_ratio "${curl_us}" "${ip_us}")
	printf '%-16s %15s µs %15s µs %8s %15s µs\n' "${destination}" "${curl_us}" "${ip_us}" "${ratio}" "${floor_us}"
done

# --- (4) a /healthz right behind an /explain, after each new analysis ------------------------------
# One pair per round: a route added (a new snapshot, analysed 50 ms later), 1 s to publish it, then
# /explain on one connection and 0.5 ms later /healthz on another; prints the /healthz latency and
# the /explain's, in microseconds.
cat >"${workdir}/pair.py" <<'PY'
import socket, sys, time

port, destination = int(sys.argv[1]), sys.argv[2]

def response(connection):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise SystemExit("connection closed before a response")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += connection.recv(65536)

explain = socket.create_connection(("127.0.0.1", port))
health = socket.create_connection(("127.0.0.1", port))
start = time.perf_counter()
explain.sendall(("GET /explain?dst=%s HTTP/1.1\r\nHost: bench\r\n\r\n" % destination).encode())
time.sleep(0.0005)
sent = time.perf_counter()
health.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
response(health)
answered = time.perf_counter()
response(explain)
explained = time.perf_counter()
print(int((answered - sent) * 1e6), int((explained - start) * 1e6))
PY

# Runs the rounds against the daemon on port $1 (already serving); prints "healthz-stats|explain-stats"
# (or fails, ending the benchmark through the command substitution's exit status).
behind_explain() {
	local target=$1 round pair healthz=() explain=()
	# An /explain before the rounds: /explain is in use from then on.
	ip netns exec "${node}" curl -sf "http://127.0.0.1:${target}/explain?dst=192.168.77.9" >/dev/null
	for ((round = 0; round < rounds; round++)); do
		# A route of this daemon's own (by port): another build's rounds must change the kernel state too.
		ip -n "${node}" route add "10.$((240 + target % 10)).$((round / 250)).$((round % 250))/32" dev eth0
		sleep 1
		pair=$(ip netns exec "${node}" python3 "${workdir}/pair.py" "${target}" 192.168.77.9) || fail "no answer on port ${target}"
		healthz+=("$(bc_ms "${pair% *}")")
		explain+=("$(bc_ms "${pair#* }")")
	done
	echo "$(printf '%s\n' "${healthz[@]}" | bench_percentiles)|$(printf '%s\n' "${explain[@]}" | bench_percentiles)"
}
bc_ms() { bench_ratio "$1" 1000 %.2f; }

echo
echo "(4) /healthz sent 0.5 ms behind an /explain after each new analysis (${rounds} rounds, ms)"
result=$(behind_explain "${port}") || exit 1
printf '%-10s /healthz %s\n%-10s /explain %s\n' podnetd "${result%%|*}" "" "${result##*|}"
if [[ -n ${PODNETD_OLD_BIN:-} ]]; then
	kill -TERM "${podnetd_pid}" 2>/dev/null || true
	wait "${podnetd_pid}" 2>/dev/null || true
	old_port=$((port + 1))
	sed "s/127.0.0.1:${port}/127.0.0.1:${old_port}/" "${workdir}/podnetd.yaml" >"${workdir}/podnetd-old.yaml"
	new_podnetd=${podnetd}
	podnetd=$(cd "$(dirname "${PODNETD_OLD_BIN}")" && pwd)/$(basename "${PODNETD_OLD_BIN}")
	bench_start_serve "${node}" "${workdir}/podnetd-old.yaml" "${workdir}/serve-old.log" "http://127.0.0.1:${old_port}/readyz"
	podnetd=${new_podnetd}
	result=$(behind_explain "${old_port}") || exit 1
	printf '%-10s /healthz %s\n%-10s /explain %s\n' old "${result%%|*}" "" "${result##*|}"
fi
