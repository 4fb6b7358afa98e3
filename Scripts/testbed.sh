#!/usr/bin/env bash
# A Calico-VXLAN-like node in network namespaces, to try podnetd on without a cluster.
#
#   sudo Scripts/testbed.sh up                 # namespaces podnetd-bed (the node), -underlay, -pod1..3
#   sudo ip netns exec podnetd-bed podnetd check --config Config/testbed.yaml
#   sudo Scripts/testbed.sh break remote-route # or: neighbour, fdb, blackhole, workload-route, forwarding
#   sudo Scripts/testbed.sh fix remote-route
#   sudo Scripts/testbed.sh down
#
# Mirrors seed 002: block 192.168.231.0/26 (blackhole, proto 80) with three cali… workloads, and the
# remote block 192.168.35.0/26 via 192.168.35.0 dev vxlan.calico onlink, backed by a permanent
# neighbour and FDB entry. Nothing leaves the namespaces.
set -euo pipefail

readonly node=podnetd-bed underlay=podnetd-bed-underlay
readonly remote_mac=66:5e:7b:2c:91:0a remote_host=10.0.0.20

fail() { echo "testbed.sh: $*" >&2; exit 1; }
[[ "$(id -u)" == 0 ]] || fail "needs root (network namespaces): run it with sudo"
command -v ip >/dev/null || fail "ip (iproute2) is missing: run Scripts/deps.sh"

in_node() { ip -n "${node}" "$@"; }
workload() { printf 'cali%011x' "$((0x3a1f00c0de0 + $1))"; }

up() {
	ip netns list | grep -qw "${node}" && fail "${node} exists already: run '$0 down' first"
	ip netns add "${node}"
	ip netns add "${underlay}"
	ip netns exec "${node}" sysctl -qw net.ipv4.ip_forward=1
	in_node link set lo up
	in_node link add eth0 mtu 9001 type veth peer name eth0 netns "${underlay}"
	ip -n "${underlay}" link set eth0 up
	ip -n "${underlay}" addr add 10.0.0.1/24 dev eth0
	ip -n "${underlay}" addr add "${remote_host}/32" dev eth0
	in_node link set eth0 up
	in_node addr add 10.0.0.10/24 dev eth0
	in_node route add default via 10.0.0.1 dev eth0
	in_node link add vxlan.calico mtu 8951 type vxlan id 4096 dstport 4789 local 10.0.0.10 dev eth0 nolearning
	in_node link set vxlan.calico up
	in_node addr add 192.168.231.0/32 dev vxlan.calico
	in_node route add blackhole 192.168.231.0/26 proto 80
	local i name
	for i in 1 2 3; do
		name=$(workload "${i}")
		ip netns add "${node}-pod${i}"
		in_node link add "${name}" mtu 8951 type veth peer name eth0 netns "${node}-pod${i}"
		in_node link set "${name}" address ee:ee:ee:ee:ee:ee
		ip netns exec "${node}" sysctl -qw "net/ipv4/conf/${name}/proxy_arp=1"
		in_node link set "${name}" up
		ip -n "${node}-pod${i}" link set eth0 up
		ip -n "${node}-pod${i}" addr add "192.168.231.${i}/32" dev eth0
		in_node route add "192.168.231.${i}" dev "${name}" scope link
	done
	fix neighbour
	fix fdb
	fix remote-route
	echo "up: run podnetd inside it with: ip netns exec ${node} podnetd check --config Config/testbed.yaml"
}

down() {
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^${node}(-|$)" || true); do ip netns delete "${ns}"; done
}

break_() {
	case "${1:-}" in
	remote-route) in_node route del 192.168.35.0/26 ;;
	neighbour) in_node neigh del 192.168.35.0 dev vxlan.calico ;;
	fdb) ip netns exec "${node}" bridge fdb del "${remote_mac}" dev vxlan.calico dst "${remote_host}" self ;;
	blackhole) in_node route del blackhole 192.168.231.0/26 ;;
	workload-route) in_node route del 192.168.231.2 ;;
	forwarding) ip netns exec "${node}" sysctl -qw net.ipv4.ip_forward=0 ;;
	*) fail "break what? remote-route, neighbour, fdb, blackhole, workload-route or forwarding" ;;
	esac
}

fix() {
	case "${1:-}" in
	remote-route) in_node route replace 192.168.35.0/26 via 192.168.35.0 dev vxlan.calico onlink proto 80 ;;
	neighbour) in_node neigh replace 192.168.35.0 lladdr "${remote_mac}" dev vxlan.calico nud permanent ;;
	fdb) ip netns exec "${node}" bridge fdb replace "${remote_mac}" dev vxlan.calico dst "${remote_host}" self permanent ;;
	blackhole) in_node route replace blackhole 192.168.231.0/26 proto 80 ;;
	workload-route) in_node route replace 192.168.231.2 dev "$(workload 2)" scope link ;;
	forwarding) ip netns exec "${node}" sysctl -qw net.ipv4.ip_forward=1 ;;
	*) fail "fix what? remote-route, neighbour, fdb, blackhole, workload-route or forwarding" ;;
	esac
}

case "${1:-}" in
up) up ;;
down) down ;;
break) break_ "${2:-}" ;;
fix) fix "${2:-}" ;;
*) fail "usage: $0 up | down | break PIECE | fix PIECE" ;;
esac
