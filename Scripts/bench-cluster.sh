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
# list; about 4.5 kB of JSON each), IPPool and BlockAffinities. The node is named in the config
# (`nodeName`). podnetd serve runs twice side by side on the same kernel state: with the cluster
# (kubeconfig) and without it (kubernetes.enabled false), the reference, started first. Reported:
#   - the peak during the first lists: VmRSS of the daemon with the cluster sampled every 20 ms from
#     its start until every watch started (the lists are over), against the reference's VmHWM; and
#     VmHWM of both once the first view was analysed (the analysis of a 5,000-node view has a
#     transient peak of its own); with the differences;
#   - analysis time (daemon.analysisMilliseconds over ANALYSES analyses each, triggered by a route
#     change), medians and the ratio;
#   - memory in the steady state after those analyses (once the daemons have been quiet and
#     returned freed memory): VmRSS and VmHWM of both and the differences;
#   - list and watch requests per resource the stand-in served; then CHURN nodes joining and
#     leaving, whether that caused any relist, and VmRSS after it.
# HOLD_SECONDS keeps everything running at the end (to inspect the daemon). Every namespace and
# process it creates is removed on exit. Not a test.
set -euo pipefail
export LC_ALL=C

readonly nodes="${NODES:-5000}"
readonly per_node="${BLOCKS_PER_NODE:-2}"
readonly analyses="${ANALYSES:-20}"
readonly churn="${CHURN:-50}"
readonly hold_seconds="${HOLD_SECONDS:-0}"
readonly node_name=bench-node
readonly with_port=9701
readonly without_port=9702

# shellcheck source-path=SCRIPTDIR source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

for knob in NODES:"$nodes":2 BLOCKS_PER_NODE:"$per_node":1 ANALYSES:"$analyses":1 CHURN:"$churn" \
	HOLD_SECONDS:"$hold_seconds"; do
	IFS=: read -r name value minimum <<<"$knob"
	bench_require_count "$name" "$value" "${minimum:-0}"
done
((nodes <= 60000)) || fail "NODES above 60000 is not supported (10.0.0.0/16 holds the node addresses)"
((analyses <= 254)) || fail "ANALYSES above 254 is not supported (one 198.51.100.0/24 route each)"
bench_require_root
bench_require_tools ip bridge curl jq python3 openssl awk

workdir="$(mktemp -d /tmp/podnetd-bench-cluster.XXXXXX)"
bench_install_cleanup
bench_locate_podnetd
script_dir="$bench_repo_root/Scripts"

# --- the node and its cluster ------------------------------------------------------------------------
local_tunnel="$(python3 "$script_dir/bench-cluster-objects.py" "$workdir" "$node_name" "$nodes" "$per_node")"
bench_new_namespace cluster
namespace=$REPLY
bench_new_namespace cluster-ul
bench_vxlan_node "$namespace" "$REPLY" 16 "$local_tunnel"
# The local node's VTEP MAC as its Node object announces it (bench-cluster-objects.py, node 0).
ip -n "$namespace" link set vxlan.calico address 66:00:00:00:00:01
ip netns exec "$namespace" sysctl -qw net.ipv4.ip_forward=1
ip -n "$namespace" -batch "$workdir/ip.batch"
bridge -n "$namespace" -batch "$workdir/bridge.batch"
echo "podnetd: $podnetd"
echo "node $node_name: $(bench_route_count "$namespace") routes, $(ip -n "$namespace" neigh show dev vxlan.calico | wc -l) neighbours," \
	"$(bridge -n "$namespace" fdb show dev vxlan.calico | grep -c dst) FDB entries; cluster: $nodes nodes," \
	"$((nodes * per_node)) block affinities, $(($(stat -c %s "$workdir/objects.json") >> 20)) MiB of JSON"

api="$workdir/api"
mkdir -p "$api"
mv "$workdir/objects.json" "$api/objects.json"
echo token-1 >"$api/token"
ip netns exec "$namespace" python3 "$script_dir/kube-api-standin.py" --dir "$api" --bookmark-seconds 60 >"$api/stdout" 2>"$api/stderr" &
pids+=($!)
for _ in $(seq 100); do grep -q '^PORT ' "$api/stdout" 2>/dev/null && break; sleep 0.1; done
api_port="$(sed -n 's/^PORT //p' "$api/stdout")"
[[ -n $api_port ]] || fail "the API stand-in did not start: $(cat "$api/stderr")"
cat >"$workdir/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$api/ca.crt"}
users:
- name: podnetd
  user: {tokenFile: "$api/token"}
contexts:
- name: bench
  context: {cluster: bench, user: podnetd}
current-context: bench
KUBECONFIG

common="cni: calico-vxlan
nodeName: $node_name
serviceCIDR: 10.96.0.0/12
instanceType: m5.large
maxPods: 110
graceSeconds: 0
resyncInterval: 3600"
printf '%s\nlisten: ["127.0.0.1:%s"]\nkubernetes:\n  kubeconfig: %s\n' "$common" "$with_port" "$workdir/kubeconfig" >"$workdir/with.yaml"
printf '%s\nlisten: ["127.0.0.1:%s"]\npodCIDRs: ["100.64.0.0/10"]\nkubernetes:\n  enabled: false\n' "$common" "$without_port" >"$workdir/without.yaml"

bench_start_serve "$namespace" "$workdir/without.yaml" "$workdir/without.log" "http://127.0.0.1:$without_port/readyz"
without_pid=$podnetd_pid
started=${EPOCHREALTIME/./}
bench_launch_serve "$namespace" "$workdir/with.yaml" "$workdir/with.log"
with_pid=$podnetd_pid

status() { ip netns exec "$namespace" curl -sf "http://127.0.0.1:$1/status"; }
# The lists end when the stand-in has seen every resource's watch start (each resource's watch
# follows its last page); the first analysis of the view runs after that. From the start until then
# VmRSS of the daemon with the cluster is sampled every 20 ms: the peak of its start and its lists,
# compared with the peak of the reference's start (its VmHWM).
list_peak=0
sample_rss() {
	local rss
	rss=$(bench_proc_status_kb "$with_pid" VmRSS 2>/dev/null || true)
	((${rss:-0} > list_peak)) && list_peak=$rss
	return 0
}
deadline=$((started + 120000000))
sample_rss
until (($(jq '[.[] | .watches] | min' "$api/stats.json") > 0)); do
	((${EPOCHREALTIME/./} < deadline)) || fail "podnetd did not finish its lists: $(tail -5 "$workdir/with.log")"
	kill -0 "$with_pid" 2>/dev/null || fail "podnetd with the cluster exited: $(tail -5 "$workdir/with.log")"
	sample_rss
	sleep 0.02
done
lists_ms=$(bench_elapsed_ms "$started")
reference_peak=$(bench_proc_status_kb "$without_pid" VmHWM)
bench_wait_http "$namespace" "http://127.0.0.1:$with_port/readyz" "$with_pid" "$workdir/with.log" "podnetd with the cluster"
until [[ $(status $with_port 2>/dev/null | jq -r '.cluster.nodes // 0') == "$nodes" ]]; do
	((${EPOCHREALTIME/./} < deadline)) || fail "podnetd never saw $nodes nodes: $(tail -5 "$workdir/with.log")"
	sleep 0.05
done
first_view_ms=$(bench_elapsed_ms "$started")

mib() { bench_ratio "$1" 1024 %.1f; }
# "A MiB with the cluster, B MiB without: +D MiB" for status field $1 of both daemons.
compare_memory() {
	local with without
	with=$(bench_proc_status_kb "$with_pid" "$1")
	without=$(bench_proc_status_kb "$without_pid" "$1")
	echo "$1 $(mib "$with") MiB with the cluster, $(mib "$without") MiB without: +$(mib $((with - without))) MiB"
}
echo "lists of $nodes nodes and $((nodes * per_node)) affinities (paged) done $lists_ms ms after start; first view analysed after $first_view_ms ms"
echo "  peak during start and lists (VmRSS sampled every 20 ms): $(mib "$list_peak") MiB with the cluster," \
	"$(mib "$reference_peak") MiB without (its VmHWM): +$(mib $((list_peak - reference_peak))) MiB"
echo "  peak until the first view, its first analysis included: $(compare_memory VmHWM)"
echo "findings with the cluster: $(status $with_port | jq -c '[.findings[] | .check] | group_by(.) | map({(.[0]): length}) | add // {}')"

# --- analysis time --------------------------------------------------------------------------------------
with_ms=()
without_ms=()
for i in $(seq "$analyses"); do
	ip -n "$namespace" route add "198.51.100.$i/32" dev eth0
	sleep 0.3
	with_ms+=("$(status $with_port | jq -r '.daemon.analysisMilliseconds')")
	without_ms+=("$(status $without_port | jq -r '.daemon.analysisMilliseconds')")
done
with_median=$(printf '%s\n' "${with_ms[@]}" | bench_median)
without_median=$(printf '%s\n' "${without_ms[@]}" | bench_median)
echo "analysis: median $with_median ms with the cluster, $without_median ms without" \
	"(x$(bench_ratio "$with_median" "$without_median"); $analyses analyses each)"

# --- steady state -----------------------------------------------------------------------------------------
# The daemons return freed memory once quiet for 0.5 s after an analysis.
sleep 2
echo "steady state after the analyses:"
echo "  $(compare_memory VmRSS)"
echo "  $(compare_memory VmHWM)"

# --- watch streams and churn ------------------------------------------------------------------------------
echo "API requests after sync: $(jq -c . "$api/stats.json")"
lists_before=$(jq '[.[] | .lists] | add' "$api/stats.json")
node_json="$(jq -c '.nodes[1]' "$api/objects.json")"
for i in $(seq "$churn"); do
	echo "$node_json" | jq -c --arg n "churn-$i" '{op: "upsert", resource: "nodes", object: (.metadata.name = $n)}' >>"$api/control.jsonl"
	echo "{\"op\": \"delete\", \"resource\": \"nodes\", \"name\": \"churn-$i\"}" >>"$api/control.jsonl"
done
sleep 3
lists_after=$(jq '[.[] | .lists] | add' "$api/stats.json")
echo "churn: $churn nodes joined and left; list requests $lists_before -> $lists_after ($((lists_after - lists_before)) relists);" \
	"API requests now: $(jq -c . "$api/stats.json")"
echo "podnetd with the cluster still sees $(status $with_port | jq -r '.cluster.nodes') nodes, state $(status $with_port | jq -r '.cluster.state')"
echo "after churn: $(compare_memory VmRSS)"
if ((hold_seconds > 0)); then
	echo "holding for $hold_seconds s: podnetd with the cluster is pid $with_pid, namespace $namespace"
	sleep "$hold_seconds"
fi
