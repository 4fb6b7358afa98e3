#!/usr/bin/env bash
# Installs the Debian packages podnetd needs to build, test and benchmark, on Debian 12 with the
# Swift toolchain already installed. Idempotent: silent when everything is there; otherwise (as
# root) `apt-get update` and an install of only what is missing, then a check of the tools.
#
#   sudo bash Scripts/deps.sh              # build, tests and benchmarks
#   sudo bash Scripts/deps.sh --build-only # only what building podnetd needs (Scripts/install.sh on a node)
#   sudo bash Scripts/deps.sh --package    # building podnetd and its release artefacts (Scripts/package.sh)
#
# Besides the Debian packages, the full set installs kubernetes-validate (PyPI) into its own
# virtualenv, /opt/podnetd-tools/venv, for the offline manifest checks.
#
# The prometheus and node-exporter packages are installed for their tools (promtool, and an
# exporter to benchmark against), not to run: their services are kept from starting during the
# install, and the ones this script installed are stopped and disabled afterwards.
set -euo pipefail

build_only=no
case "${1:-}" in
--build-only) build_only=yes ;;
--package) build_only=package ;;
"") ;;
*)
	printf 'deps.sh: usage: deps.sh [--build-only | --package]\n' >&2
	exit 2
	;;
esac

readonly build_packages=(
	libnl-3-dev libnl-route-3-dev pkg-config # CNetlink builds against libnl-route-3.0 (pkg-config)
	zlib1g-dev                               # AsyncHTTPClient (the Kubernetes API client) links zlib
)
readonly all_packages=(
	"${build_packages[@]}"
	iproute2                                 # ip and bridge: test namespaces, runbooks
	prometheus                               # promtool: alert rule checks and unit tests
	prometheus-node-exporter                 # benchmarks: a reference exporter
	systemd                                  # systemd-analyze: unit verify and security score
	curl jq                                  # scripts and tests query the HTTP endpoint
	procps util-linux                        # ps/pgrep, unshare/nsenter for the test bed
	time                                     # GNU /usr/bin/time: peak RSS in the benchmarks
	ethtool                                  # tests switch vxlan.calico's tx checksum offload off
	python3 openssl                          # the Kubernetes API stand-in of the cluster tests (HTTPS, test CA)
)
readonly package_packages=(
	"${build_packages[@]}"
	binutils gcc                             # objdump/strip, the glibc-baseline object of the release binary
	rpm                                      # rpmbuild: the .rpm for Amazon Linux 2023 and RHEL 9
	umoci                                    # the OCI image archive, without a container engine
)
readonly deployment_test_packages=(
	"${package_packages[@]}"
	mmdebstrap                               # a fresh Debian 12 root without Swift to install the .deb in
	systemd-container                        # systemd-nspawn: the unit under a real systemd
	podman runc                              # the OCI image run as a container (runc: cgroups v1 hosts)
	python3-venv                             # the virtualenv holding kubernetes-validate
)
if [[ $build_only == yes ]]; then
	readonly packages=("${build_packages[@]}")
elif [[ $build_only == package ]]; then
	readonly packages=("${package_packages[@]}")
else
	readonly packages=("${all_packages[@]}" "${deployment_test_packages[@]}")
fi
# Package -> the daemon it ships, which must not be left running.
declare -A service_binary=(
	[prometheus]=/usr/bin/prometheus
	[prometheus-node-exporter]=/usr/bin/prometheus-node-exporter
)
readonly policy=/usr/sbin/policy-rc.d
readonly policy_backup=/usr/sbin/policy-rc.d.podnetd-deps-saved
readonly policy_marker='# podnetd deps.sh: no service starts during install'

say() { printf 'deps.sh: %s\n' "$*"; }
die() {
	printf 'deps.sh: error: %s\n' "$*" >&2
	exit 1
}

is_installed() {
	dpkg-query -W -f='${db:Status-Abbrev}\n' "$1" 2>/dev/null | grep -q '^ii'
}

# PIDs of running processes whose executable is $1.
pids_of() {
	local exe=$1 link pid
	for link in /proc/[0-9]*/exe; do
		pid=${link#/proc/}
		pid=${pid%/exe}
		[[ $(readlink "$link" 2>/dev/null) == "$exe" ]] && printf '%s\n' "$pid"
	done
	return 0
}

systemd_running() { [[ -d /run/systemd/system ]]; }

# Keeps maintainer scripts (invoke-rc.d, deb-systemd-invoke) from starting services, by a
# policy-rc.d that answers 101 ("action forbidden"); any existing one is put back afterwards.
block_service_starts() {
	if [[ -e $policy ]] && ! grep -qF "$policy_marker" "$policy"; then
		mv "$policy" "$policy_backup"
	fi
	printf '#!/bin/sh\n%s\nexit 101\n' "$policy_marker" >"$policy"
	chmod 0755 "$policy"
	trap restore_policy EXIT
	trap 'exit 130' INT TERM
}

restore_policy() {
	if [[ -e $policy ]] && grep -qF "$policy_marker" "$policy"; then
		rm -f "$policy"
	fi
	if [[ -e $policy_backup ]]; then
		mv "$policy_backup" "$policy"
	fi
}

# After the install: services of packages installed just now are stopped (and disabled).
stop_new_services() {
	local pkg exe unit pid
	for pkg in "$@"; do
		exe=${service_binary[$pkg]:-}
		[[ -n $exe ]] || continue
		unit=$pkg.service
		if systemd_running && systemctl list-unit-files --no-legend "$unit" 2>/dev/null | grep -q .; then
			if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit"; then
				systemctl disable --now --quiet "$unit" || true
				say "stopped and disabled $unit (installed for its tools only)"
			fi
		fi
		for pid in $(pids_of "$exe"); do
			if [[ " ${preexisting_pids[$pkg]:-} " != *" $pid "* ]]; then
				kill "$pid" 2>/dev/null || true
				say "stopped $exe (pid $pid) started by the install"
			fi
		done
	done
}

check_tools() {
	local missing_tools=() tool
	# sbin too: a non-root PATH on Debian lacks it, and bridge lives there.
	local tools=(pkg-config)
	[[ $build_only == yes ]] || tools+=(objdump strip gcc rpmbuild umoci)
	[[ $build_only != no ]] || tools+=(promtool systemd-analyze ip bridge curl jq ethtool python3 openssl mmdebstrap systemd-nspawn podman runc)
	for tool in "${tools[@]}"; do
		PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
	done
	((${#missing_tools[@]} == 0)) || die "packages are installed but these tools are missing: ${missing_tools[*]}"
	pkg-config --exists libnl-route-3.0 || die "pkg-config cannot find libnl-route-3.0 (package libnl-route-3-dev)"
	# The toolchain is not a Debian package: only say when it cannot be found.
	if ! command -v swift >/dev/null 2>&1 && [[ ! -x /opt/swift/usr/bin/swift ]]; then
		printf 'deps.sh: warning: no swift on PATH: install the Swift toolchain (swift.org) to build podnetd\n' >&2
	fi
}

missing=()
for pkg in "${packages[@]}"; do
	is_installed "$pkg" || missing+=("$pkg")
done

# kubernetes-validate (PyPI) in a virtualenv of its own: Debian's python is externally managed.
readonly tools_venv=/opt/podnetd-tools/venv
readonly kubernetes_validate_version=1.37.0
ensure_python_tools() {
	[[ $build_only == no ]] || return 0
	if [[ $("$tools_venv/bin/pip" show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p') == "$kubernetes_validate_version" ]]; then
		return 0
	fi
	((EUID == 0)) || die "kubernetes-validate is missing: run as root to install it:  sudo bash ${BASH_SOURCE[0]}"
	say "installing kubernetes-validate $kubernetes_validate_version into $tools_venv"
	python3 -m venv "$tools_venv" || die "python3 -m venv failed (package python3-venv)"
	"$tools_venv/bin/pip" install -q "kubernetes-validate==$kubernetes_validate_version" || die "pip install kubernetes-validate failed"
}

if ((${#missing[@]} == 0)); then
	check_tools
	ensure_python_tools
	exit 0
fi

if ((EUID != 0)); then
	die "missing Debian packages: ${missing[*]}
  run as root to install them:  sudo bash ${BASH_SOURCE[0]}"
fi

say "installing: ${missing[*]}"

declare -A preexisting_pids=()
for pkg in "${missing[@]}"; do
	if [[ -n ${service_binary[$pkg]:-} ]]; then
		preexisting_pids[$pkg]="$(pids_of "${service_binary[$pkg]}" | tr '\n' ' ')"
	fi
done

block_service_starts
export DEBIAN_FRONTEND=noninteractive
apt_options=(-q -o DPkg::Lock::Timeout=300)
apt-get "${apt_options[@]}" update >/dev/null || die "apt-get update failed"
apt-get "${apt_options[@]}" install -y --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
stop_new_services "${missing[@]}"
restore_policy
trap - EXIT

still_missing=()
for pkg in "${missing[@]}"; do
	is_installed "$pkg" || still_missing+=("$pkg")
done
((${#still_missing[@]} == 0)) || die "still not installed after apt-get: ${still_missing[*]}"
check_tools
ensure_python_tools
say "installed: ${missing[*]}"
