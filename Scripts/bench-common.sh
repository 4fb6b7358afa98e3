# shellcheck shell=bash
# Shared by the benchmark scripts (source it): their preconditions, the clean-up of what a benchmark
# starts, the podnetd executable to measure, namespaces, waiting for an HTTP endpoint, the clock,
# order statistics and ratios, /proc readings, and the IPv4 arithmetic of the route batches.
#
# The sourcing script sets `workdir` (a directory of its own) and appends to `namespaces` and `pids`
# what it creates, and to `exit_hooks` commands (eval'd first) that undo anything else;
# bench_cleanup (installed by bench_install_cleanup) runs the hooks, ends every process (TERM, then
# KILL after 2 s), deletes every namespace and the directory, whatever happened.

namespaces=()
pids=()
exit_hooks=()

# The sourcing script's name, in front of every error; the repository the scripts belong to.
bench_name=${0##*/}
bench_repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly bench_name bench_repo_root

fail() {
	echo "$bench_name: $*" >&2
	exit 1
}

bench_require_root() {
	[[ $(id -u) == 0 ]] || fail "needs root (network namespaces): run it with sudo"
}

# Debian package of each tool a benchmark may need, for the message when one is missing. Scripts/deps.sh
# installs all of them.
declare -A bench_tool_package=(
	[ip]=iproute2 [bridge]=iproute2 [curl]=curl [jq]=jq [awk]=mawk [nsenter]=util-linux
	[setpriv]=util-linux [/usr/bin/time]=time [prometheus-node-exporter]=prometheus-node-exporter
	[tar]=tar [stat]=coreutils [python3]=python3 [openssl]=openssl
)

# Fails naming every tool of "$@" that is not there (sbin included, as root's PATH has it).
bench_require_tools() {
	local tool missing=()
	for tool in "$@"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null ||
			missing+=("$tool${bench_tool_package[$tool]:+ (Debian package ${bench_tool_package[$tool]})}")
	done
	((${#missing[@]} == 0)) || fail "missing: ${missing[*]}; run: sudo bash Scripts/deps.sh"
}

# Fails unless knob $1 (its value $2) is a whole number of at least $3 (default 0).
bench_require_count() {
	if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < ${3:-0})); then
		fail "$1 must be a whole number >= ${3:-0}, got '$2'"
	fi
}

bench_cleanup() {
	local hook pid ns
	for hook in "${exit_hooks[@]}"; do eval "$hook" || true; done
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
# statically, as Scripts/install.sh deploys it (start-up 5 ms instead of 17; built first, in
# $SCRATCH_PATH when set).
bench_locate_podnetd() {
	local root=$bench_repo_root scratch=()
	if [[ -n ${PODNETD_BIN:-} ]]; then
		podnetd="$PODNETD_BIN"
	else
		echo "building podnetd (release)..." >&2
		[[ -z ${SCRATCH_PATH:-} ]] || scratch=(--scratch-path "$SCRATCH_PATH")
		(cd "$root" && swift build -c release --static-swift-stdlib --product podnetd "${scratch[@]}" >&2)
		podnetd="$(cd "$root" && swift build -c release --static-swift-stdlib --product podnetd "${scratch[@]}" --show-bin-path)/podnetd"
	fi
	[[ -x $podnetd ]] || fail "no podnetd executable at $podnetd"
	podnetd="$(cd "$(dirname "$podnetd")" && pwd)/$(basename "$podnetd")"
}

# Creates a namespace named podnetd-bench-<random>-$1 (loopback up), registers it for the clean-up
# and sets REPLY to its name. Call it outside a command substitution, so that the list is this shell's.
bench_new_namespace() {
	REPLY="podnetd-bench-$(printf '%08x' $((RANDOM * 32768 + RANDOM)))-$1"
	ip netns add "$REPLY"
	namespaces+=("$REPLY")
	ip -n "$REPLY" link set lo up
}

# Waits up to 60 s until URL $2 answers inside namespace $1 while process $3 runs; on failure prints
# log $4 and fails naming $5 (what was started).
bench_wait_http() {
	local ns=$1 url=$2 pid=$3 log=$4 what=$5
	for _ in $(seq 1 600); do
		ip netns exec "$ns" curl -sf -o /dev/null "$url" && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "$what exited before it was ready"; }
		sleep 0.1
	done
	cat "$log" >&2
	fail "$what was not ready after 60 s"
}

# Starts `podnetd serve --config $2` in namespace $1, its stdout and stderr in log $3, registers it for
# the clean-up and sets podnetd_pid, without waiting. Further arguments go before podnetd (a setpriv
# or profiler prefix).
bench_launch_serve() {
	local ns=$1 config=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" "$podnetd" serve --config "$config" >"$log" 2>&1 &
	podnetd_pid=$!
	pids+=("$podnetd_pid")
}

# bench_launch_serve $1 $2 $3, then waits until $4 (its /readyz URL) answers. Further arguments go
# before podnetd.
bench_start_serve() {
	local ns=$1 config=$2 log=$3 ready_url=$4
	shift 4
	bench_launch_serve "$ns" "$config" "$log" "$@"
	bench_wait_http "$ns" "$ready_url" "$podnetd_pid" "$log" podnetd
}

# --- namespaces' content -------------------------------------------------------------------------
# A Calico VXLAN node's underlay and tunnel device in namespace $1: eth0 10.0.0.10/$3 (MTU 9001), a veth
# whose peer is eth0 10.0.0.1/$3 in namespace $2, the default route through it, and vxlan.calico
# (VNI 4096, port 4789, MTU 8951, no learning) holding tunnel address $4/32.
bench_vxlan_node() {
	local ns=$1 underlay=$2 length=$3 tunnel_address=$4
	ip -n "$ns" link add eth0 mtu 9001 type veth peer name eth0 netns "$underlay"
	ip -n "$underlay" link set eth0 up
	ip -n "$underlay" addr add "10.0.0.1/$length" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "10.0.0.10/$length" dev eth0
	ip -n "$ns" route add default via 10.0.0.1 dev eth0
	ip -n "$ns" link add vxlan.calico mtu 8951 type vxlan id 4096 dstport 4789 local 10.0.0.10 dev eth0 nolearning
	ip -n "$ns" link set vxlan.calico up
	ip -n "$ns" addr add "$tunnel_address/32" dev vxlan.calico
}

# Routes of every table, IPv4 and IPv6, in namespace $1: what the kernel holds, for podnetd's count.
bench_route_count() { echo $(($(ip -n "$1" -4 route show table all | wc -l) + $(ip -n "$1" -6 route show table all | wc -l))); }

# --- the clock: ${EPOCHREALTIME/./}, microseconds from the shell itself (inline, not in a command
# substitution: no process is started or reaped between two readings) ----------------------------------
# Whole milliseconds since $1 (a ${EPOCHREALTIME/./} reading).
bench_elapsed_ms() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }

# --- order statistics and ratios -------------------------------------------------------------------
# Numbers on stdin -> their median (the lower middle of an even count), printed with printf format $1
# (default: as given); "nan" without numbers.
# shellcheck disable=SC2120 # the format is optional
bench_median() {
	sort -g | awk -v format="${1:-%s}" '{ v[NR] = $1 } END { if (NR) printf format, v[int((NR + 1) / 2)]; else print "nan" }'
}

# Numbers on stdin -> "median M, p90 P, min A, max B (n=N)" (nearest rank).
bench_percentiles() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "no samples"; exit }
		m = int((NR + 1) / 2); p = int(NR * 0.9 + 0.999999); if (p < 1) p = 1
		printf "median %.1f, p90 %.1f, min %.1f, max %.1f (n=%d)", v[m], v[p], v[1], v[NR], NR
	}'
}

# $1 / $2 with printf format $3 (default %.2f): ratios and unit conversions.
bench_ratio() { awk -v a="$1" -v b="$2" -v format="${3:-%.2f}" 'BEGIN { printf format, a / b }'; }

# --- /proc -----------------------------------------------------------------------------------------
# Field $2 (VmRSS, VmHWM, …) of process $1's status, in kB.
bench_proc_status_kb() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# utime + stime of process $1, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command name
# in field 2 may contain spaces, so count from the closing parenthesis).
bench_cpu_ticks() {
	local stat rest
	stat="$(cat "/proc/$1/stat")"
	rest="${stat##*) }"
	awk '{ print $12 + $13 }' <<<"$rest"
}

# --- route batches ---------------------------------------------------------------------------------
# awk functions for the batch generators: ipv4(n) renders the 32-bit number n as a dotted quad;
# ipv4_number("a.b.c.d") is the inverse. Put "$bench_awk_ipv4" in front of an awk program.
# shellcheck disable=SC2034 # used by the sourcing scripts
readonly bench_awk_ipv4='
function ipv4(n) { return sprintf("%d.%d.%d.%d", int(n / 16777216) % 256, int(n / 65536) % 256, int(n / 256) % 256, n % 256) }
function ipv4_number(s, p) { split(s, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
'
