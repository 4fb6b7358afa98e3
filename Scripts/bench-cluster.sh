#!/usr/bin/env bash
# Benchmark: what reading a 5,000-node Calico cluster costs `podnetd serve` on one node.
#
#   sudo Scripts/bench-cluster.sh                                   # release build first
#   sudo PODNETD_BIN=.build/debug/podnetd NODES=500 Scripts/bench-cluster.sh   # a smoke run
#
# A namespace is programmed as Felix programs a node of a NODES-node cluster (BLOCKS_PER_NODE /26
# blocks each: every other node's blocks routed via its tunnel IP, its permanent neighbour and FDB
# entry, this node's blackholes), and the Kubernetes API stand-in (Scripts/kube-api-standin.py,
# HTTPS, inside the namespace) serves the matching Nodes (with realistic status: conditions, image
# list), IPPool and BlockAffinities. podnetd serve runs twice side by side on the same kernel state:
# with the cluster (kubeconfig) and without it (kubernetes.enabled false), the reference. Reported:
# VmRSS/VmHWM of both and the difference; analysis time (daemon.analysisMilliseconds over ANALYSES
# analyses each, triggered by a route change) and the ratio; list and watch requests per resource
# the stand-in served; then CHURN nodes joining and leaving, and whether that caused any relist.
# Every namespace and process it creates is removed on exit. Not a test.
set -euo pipefail
export LC_ALL=C

readonly nodes="${NODES:-5000}"
readonly per_node="${BLOCKS_PER_NODE:-2}"
readonly analyses="${ANALYSES:-20}"
readonly churn="${CHURN:-50}"
readonly script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly repo_root="$(cd "${script_dir}/.." && pwd)"

fail() {
	echo "bench-cluster.sh: $*" >&2
	exit 1
}
[[ $(id -u) == 0 ]] || fail "needs root (network namespaces): run it with sudo"
for tool in ip bridge curl jq python3 openssl; do
	PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null || fail "$tool is missing: run bash Scripts/deps.sh"
done

namespace="podnetd-bench-cluster-$$"
workdir="$(mktemp -d /tmp/podnetd-bench-cluster.XXXXXX)"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	sleep 0.5
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ip netns delete "$namespace" 2>/dev/null || true
	rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${PODNETD_BIN:-} ]]; then
	podnetd="$PODNETD_BIN"
else
	echo "building podnetd (release)..." >&2
	(cd "$repo_root" && swift build -c release --static-swift-stdlib --product podnetd >&2)
	podnetd="$(cd "$repo_root" && swift build -c release --static-swift-stdlib --product podnetd --show-bin-path)/podnetd"
fi
in_ns() { ip netns exec "$namespace" "$@"; }

# --- the node and its cluster ------------------------------------------------------------------------
local_name="$(hostname -s)"  # podnetd names the node after the host until the node-name resolver is wired
python3 "$script_dir/bench-cluster-objects.py" "$workdir" "$local_name" "$nodes" "$per_node"
ip netns add "$namespace"
in_ns ip link set lo up
in_ns ip link add eth0 type veth peer name underlay0
in_ns ip link set underlay0 up
in_ns ip address add 10.0.0.1/16 dev eth0
in_ns ip link set eth0 up
in_ns ip link add vxlan.calico type vxlan id 4096 dstport 4789 local 10.0.0.1 dev eth0 nolearning
in_ns ip link set vxlan.calico address 66:00:00:00:00:01 mtu 1450 up
in_ns ip route add default via 10.0.0.254 dev eth0 onlink
in_ns sysctl -qw net.ipv4.ip_forward=1
in_ns ip -batch "$workdir/ip.batch"
in_ns bridge -batch "$workdir/bridge.batch"
echo "node: $(in_ns ip route show | wc -l) routes, $(in_ns ip neigh show dev vxlan.calico | wc -l) neighbours," \
	"$(in_ns bridge fdb show dev vxlan.calico | grep -c dst) FDB entries; cluster: $nodes nodes, $((nodes * per_node)) block affinities"

mkdir -p "$workdir/api"
cp "$workdir/objects.json" "$workdir/api/objects.json"
echo token-1 >"$workdir/api/token"
ip netns exec "$namespace" python3 "$script_dir/kube-api-standin.py" --dir "$workdir/api" --bookmark-seconds 60 >"$workdir/api/stdout" 2>"$workdir/api/stderr" &
pids+=($!)
for _ in $(seq 100); do grep -q '^PORT ' "$workdir/api/stdout" 2>/dev/null && break; sleep 0.1; done
api_port="$(sed -n 's/^PORT //p' "$workdir/api/stdout")"
[[ -n $api_port ]] || fail "the API stand-in did not start: $(cat "$workdir/api/stderr")"
cat >"$workdir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$workdir/api/ca.crt"}
users:
- name: podnetd
  user: {tokenFile: "$workdir/api/token"}
contexts:
- name: bench
  context: {cluster: bench, user: podnetd}
current-context: bench
KUBECONFIG

common="cni: calico-vxlan
serviceCIDR: 10.96.0.0/12
instanceType: m5.large
maxPods: 110
graceSeconds: 0
resyncInterval: 3600"
printf '%s\nlisten: ["127.0.0.1:9701"]\nkubernetes:\n  kubeconfig: %s\n' "$common" "$workdir/kubeconfig" >"$workdir/with.yaml"
printf '%s\nlisten: ["127.0.0.1:9702"]\npodCIDRs: ["100.64.0.0/10"]\nkubernetes:\n  enabled: false\n' "$common" >"$workdir/without.yaml"

ip netns exec "$namespace" "$podnetd" serve --config "$workdir/with.yaml" 2>"$workdir/with.log" &
with_pid=$!
pids+=($with_pid)
ip netns exec "$namespace" "$podnetd" serve --config "$workdir/without.yaml" 2>"$workdir/without.log" &
without_pid=$!
pids+=($without_pid)

status() { in_ns curl -sf "http://127.0.0.1:$1/status"; }
started=$(date +%s.%N)
for _ in $(seq 600); do
	[[ $(status 9701 2>/dev/null | jq -r '.cluster.nodes // 0') == "$nodes" ]] && break
	sleep 0.1
done
synced=$(date +%s.%N)
[[ $(status 9701 | jq -r '.cluster.nodes') == "$nodes" ]] || fail "podnetd never saw $nodes nodes: $(tail -5 "$workdir/with.log")"
for _ in $(seq 100); do status 9702 >/dev/null 2>&1 && break; sleep 0.1; done
echo "first view: $(echo "$synced - $started" | bc) s after start (list of $nodes nodes in pages of 500)"
echo "findings with the cluster: $(status 9701 | jq -c '[.findings[] | .check] | group_by(.) | map({(.[0]): length}) | add // {}')"

# --- analysis time --------------------------------------------------------------------------------------
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
with_ms=()
without_ms=()
for i in $(seq "$analyses"); do
	in_ns ip route add 198.51.100.$i/32 dev eth0
	sleep 0.3
	with_ms+=("$(status 9701 | jq -r '.daemon.analysisMilliseconds')")
	without_ms+=("$(status 9702 | jq -r '.daemon.analysisMilliseconds')")
done
with_median=$(printf '%s\n' "${with_ms[@]}" | median)
without_median=$(printf '%s\n' "${without_ms[@]}" | median)
echo "analysis: median ${with_median} ms with the cluster, ${without_median} ms without (x$(echo "scale=2; $with_median / $without_median" | bc))"

# --- memory -----------------------------------------------------------------------------------------------
sleep 2
rss() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }
with_rss=$(rss $with_pid VmRSS); without_rss=$(rss $without_pid VmRSS)
with_hwm=$(rss $with_pid VmHWM); without_hwm=$(rss $without_pid VmHWM)
echo "VmRSS: $((with_rss / 1024)) MiB with the cluster, $((without_rss / 1024)) MiB without: +$(((with_rss - without_rss) / 1024)) MiB" \
	"(VmHWM $((with_hwm / 1024)) vs $((without_hwm / 1024)) MiB: +$(((with_hwm - without_hwm) / 1024)) MiB)"

# --- watch streams and churn ------------------------------------------------------------------------------
echo "API requests after sync: $(jq -c . "$workdir/api/stats.json")"
lists_before=$(jq '[.[] | .lists] | add' "$workdir/api/stats.json")
node_json="$(jq -c '.nodes[1]' "$workdir/objects.json")"
for i in $(seq "$churn"); do
	echo "$node_json" | jq -c --arg n "churn-$i" '{op: "upsert", resource: "nodes", object: (.metadata.name = $n)}' >>"$workdir/api/control.jsonl"
	echo "{\"op\": \"delete\", \"resource\": \"nodes\", \"name\": \"churn-$i\"}" >>"$workdir/api/control.jsonl"
done
sleep 3
lists_after=$(jq '[.[] | .lists] | add' "$workdir/api/stats.json")
echo "churn: $churn nodes joined and left; list requests $lists_before -> $lists_after ($((lists_after - lists_before)) relists);" \
	"API requests now: $(jq -c . "$workdir/api/stats.json")"
echo "podnetd with the cluster still sees $(status 9701 | jq -r '.cluster.nodes') nodes, state $(status 9701 | jq -r '.cluster.state')"
with_rss=$(rss $with_pid VmRSS)
echo "VmRSS after churn: $((with_rss / 1024)) MiB with the cluster"
if [[ -n ${HOLD_SECONDS:-} ]]; then
	echo "holding for $HOLD_SECONDS s: podnetd with the cluster is pid $with_pid, namespace $namespace"
	sleep "$HOLD_SECONDS"
fi
