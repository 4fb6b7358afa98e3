#!/usr/bin/env bash
# Installs podnetd as a systemd service on this node, or removes it again. A node needs no build
# tools: this installs what Scripts/package.sh built (on a build machine) — a package, or the binary.
#
#   sudo Scripts/install.sh                  the package in dist/ for this distribution (.deb with
#                                            apt/dpkg, .rpm with dnf/rpm), else the binary dist/podnetd
#   sudo Scripts/install.sh FILE             this .deb, .rpm or podnetd binary
#   sudo Scripts/install.sh --from-source    developer convenience: build here (Swift toolchain) and
#                                            install the binary
#   sudo Scripts/install.sh --uninstall      stop, disable, remove (keeps /etc/podnetd); --purge too
#   Scripts/install.sh --destdir /tmp/root --binary ./podnetd   stage into a directory (no root needed)
#
# A binary install puts:
#   PREFIX/bin/podnetd                     (PREFIX defaults to /usr/local; mode 0755)
#   /etc/podnetd/podnetd.yaml              from Config/podnetd.yaml, only if there is none yet
#   /etc/systemd/system/podnetd.service    from systemd/podnetd.service (ExecStart follows PREFIX)
#   PREFIX/lib/sysctl.d/60-podnetd.conf    the netlink receive-buffer cap (Config/sysctl.d)
#   PREFIX/share/podnetd/podnetd-cluster-api.conf   opt-in drop-in: the cluster's view under the unit
#   /etc/systemd/system/podnetd-kubeconfig.{path,service}   restart on a rewritten kubeconfig (not enabled)
# The packages put the same files in the distribution's places (/usr/bin, the systemd unit
# directory, /usr/lib/sysctl.d) and enable the service.
set -euo pipefail
umask 022

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	cat <<EOF
Usage: $(basename "$0") [options] [FILE]
Installs a built podnetd: FILE (.deb, .rpm or a podnetd binary), or what Scripts/package.sh left in
dist/ (the distribution's package when its tools are here, else dist/podnetd). Nothing is compiled
on the node unless --from-source is given.
  --from-source          developer convenience, not for nodes: install the build dependencies,
                         build podnetd here with the Swift toolchain, install the binary
  --uninstall            remove podnetd (stop and disable the service first when systemd runs)
  --purge                with --uninstall: also remove /etc/podnetd (config) and unit drop-ins
  --prefix DIR           install the binary to DIR/bin (default: /usr/local)
  --destdir DIR          stage everything under DIR instead of / (also: DESTDIR=DIR);
                         runs no systemctl and needs no root
  --binary PATH          install this podnetd binary (as FILE does for a binary)
  --skip-build           with --from-source: do not build, install the last release build
  --example-config PATH  config installed when none exists (default: Config/podnetd.yaml)
  --no-deps              with --from-source: do not run Scripts/deps.sh before building
  --scratch-path DIR     SwiftPM build directory (default: .build)
  -h, --help             this help
EOF
}

say() { printf 'install.sh: %s\n' "$*"; }
die() {
	printf 'install.sh: error: %s\n' "$*" >&2
	exit 1
}

mode=install
purge=no
prefix=/usr/local
destdir=${DESTDIR:-}
binary=
package=
from_source=no
skip_build=no
run_deps=yes
example_config=$repo/Config/podnetd.yaml
scratch_path=$repo/.build

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
	case $1 in
	--uninstall) mode=uninstall ;;
	--purge) purge=yes ;;
	--prefix) need_arg "$@"; prefix=$2; shift ;;
	--prefix=*) prefix=${1#*=} ;;
	--destdir) need_arg "$@"; destdir=$2; shift ;;
	--destdir=*) destdir=${1#*=} ;;
	--binary) need_arg "$@"; binary=$2; skip_build=yes; shift ;;
	--binary=*) binary=${1#*=}; skip_build=yes ;;
	--skip-build) skip_build=yes ;;
	--from-source) from_source=yes ;;
	--example-config) need_arg "$@"; example_config=$2; shift ;;
	--example-config=*) example_config=${1#*=} ;;
	--no-deps) run_deps=no ;;
	--scratch-path) need_arg "$@"; scratch_path=$2; shift ;;
	--scratch-path=*) scratch_path=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; die "unknown option: $1" ;;
	*)
		[[ -z $package && -z $binary ]] || die "one FILE only: $1"
		case $1 in
		*.deb | *.rpm) package=$1 ;;
		*) binary=$1; skip_build=yes ;;
		esac
		;;
	esac
	shift
done

[[ $prefix == /* ]] || die "--prefix must be an absolute path: $prefix"
[[ $scratch_path == /* ]] || scratch_path=$PWD/$scratch_path
prefix=${prefix%/}
if [[ -n $destdir ]]; then
	mkdir -p "$destdir"
	destdir=$(cd "$destdir" && pwd)
	[[ $destdir != / ]] || destdir=
fi
[[ $purge == no || $mode == uninstall ]] || die "--purge only goes with --uninstall"

bin_path=$prefix/bin/podnetd
config_dir=/etc/podnetd
config_path=$config_dir/podnetd.yaml
unit_path=/etc/systemd/system/podnetd.service
sysctl_path=$prefix/lib/sysctl.d/60-podnetd.conf
dropin_dir=/etc/systemd/system/podnetd.service.d
cluster_dropin_path=$prefix/share/podnetd/podnetd-cluster-api.conf
kubeconfig_units="/etc/systemd/system/podnetd-kubeconfig.path /etc/systemd/system/podnetd-kubeconfig.service"

# systemctl only for the real root file system of a host booted with systemd (not in containers).
use_systemctl=no
if [[ -z $destdir && $(cat /proc/1/comm 2>/dev/null) == systemd ]]; then
	use_systemctl=yes
fi

if [[ -z $destdir && $EUID -ne 0 ]]; then
	die "installing into / needs root (sudo $0 ...), or stage with --destdir DIR"
fi

# --- uninstall ---------------------------------------------------------------------------------
if [[ $mode == uninstall && -z $destdir ]]; then
	# Installed from a package: its own scripts stop, disable and (on purge) remove the config.
	if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${db:Status-Abbrev}' podnetd 2>/dev/null | grep -q '^[ih]i'; then
		if [[ $purge == yes ]]; then dpkg --purge podnetd; else dpkg --remove podnetd; fi
		say "removed the podnetd package"
		exit 0
	fi
	if command -v rpm >/dev/null 2>&1 && rpm -q --quiet podnetd 2>/dev/null; then
		rpm -e podnetd
		[[ $purge == no ]] || rm -rf "$config_dir"
		say "removed the podnetd package"
		exit 0
	fi
fi
if [[ $mode == uninstall ]]; then
	if [[ $use_systemctl == yes ]]; then
		if systemctl list-unit-files --no-legend podnetd.service 2>/dev/null | grep -q .; then
			systemctl disable --now podnetd.service || true
			say "stopped and disabled podnetd.service"
		fi
	fi
	# Remove the binary the installed unit points at, wherever --prefix put it.
	if [[ -f $destdir$unit_path ]]; then
		unit_bin=$(sed -n 's#^ExecStart=\([^ ]*/podnetd\) .*#\1#p' "$destdir$unit_path" | head -n 1)
		if [[ -n $unit_bin ]]; then
			bin_path=$unit_bin
			sysctl_path=${unit_bin%/bin/podnetd}/lib/sysctl.d/60-podnetd.conf
			cluster_dropin_path=${unit_bin%/bin/podnetd}/share/podnetd/podnetd-cluster-api.conf
		fi
	fi
	if [[ $use_systemctl == yes ]]; then
		systemctl disable --now podnetd-kubeconfig.path 2>/dev/null || true
	fi
	for f in "$bin_path" "$unit_path" "$sysctl_path" "$cluster_dropin_path" $kubeconfig_units; do
		if [[ -e $destdir$f ]]; then
			rm -f "$destdir$f"
			say "removed $destdir$f"
		fi
	done
	if [[ $purge == yes ]]; then
		for d in "$config_dir" "$dropin_dir"; do
			if [[ -e $destdir$d ]]; then
				rm -rf "$destdir$d"
				say "removed $destdir$d"
			fi
		done
	elif [[ -e $destdir$config_dir ]]; then
		say "kept $destdir$config_dir (remove it with --uninstall --purge)"
	fi
	if [[ $use_systemctl == yes ]]; then
		systemctl daemon-reload
		systemctl reset-failed podnetd.service 2>/dev/null || true
	fi
	say "podnetd uninstalled"
	exit 0
fi

# --- what to install ---------------------------------------------------------------------------
dist=$repo/dist
if [[ $from_source == no && -z $binary && -z $package ]]; then
	# What Scripts/package.sh built: the distribution's package when its tools are here.
	if [[ -z $destdir ]] && command -v dpkg >/dev/null 2>&1 && compgen -G "$dist/podnetd_*_amd64.deb" >/dev/null; then
		package=$(ls "$dist"/podnetd_*_amd64.deb | tail -n 1)
	elif [[ -z $destdir ]] && command -v rpm >/dev/null 2>&1 && ! command -v dpkg >/dev/null 2>&1 &&
		compgen -G "$dist/podnetd-*.x86_64.rpm" >/dev/null; then
		package=$(ls "$dist"/podnetd-*.x86_64.rpm | tail -n 1)
	elif [[ -x $dist/podnetd ]]; then
		binary=$dist/podnetd
	else
		die "nothing built to install: no package or binary in $dist.
  Build the release artefacts on a build machine (Scripts/package.sh) and copy one here, pass a
  .deb, .rpm or binary as FILE, or (developers, with the Swift toolchain) use --from-source."
	fi
fi

if [[ -n $package ]]; then
	[[ -f $package ]] || die "no such package: $package"
	[[ -z $destdir ]] || die "packages install into / only (stage a binary with --destdir DIR --binary FILE)"
	case $package in
	*.deb)
		# apt resolves the libnl dependencies from the distribution; dpkg alone where apt is missing.
		if command -v apt-get >/dev/null 2>&1; then
			apt-get install -y "$(cd "$(dirname "$package")" && pwd)/$(basename "$package")"
		else
			dpkg -i "$package"
		fi
		;;
	*.rpm)
		if command -v dnf >/dev/null 2>&1; then dnf install -y "$package"; else rpm -Uvh "$package"; fi
		;;
	esac
	say "installed $(basename "$package"): podnetd.service is enabled; review /etc/podnetd/podnetd.yaml, then: systemctl start podnetd"
	exit 0
fi

# --- build (developers only) -----------------------------------------------------------------------
if [[ $from_source == yes && $skip_build == no && -z $binary ]]; then
	if [[ $run_deps == yes ]]; then
		# Building needs libnl's headers and pkg-config, not the test and benchmark tools.
		bash "$repo/Scripts/deps.sh" --build-only
	fi
	command -v swift >/dev/null 2>&1 || die "swift not found on PATH (--from-source needs the Swift toolchain)"
	say "building podnetd (release, Swift runtime linked in: the node needs only libnl)"
	(cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path "$scratch_path" --product podnetd)
	binary=$(cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path "$scratch_path" --show-bin-path)/podnetd
elif [[ -z $binary ]]; then
	binary=$scratch_path/release/podnetd
fi
[[ -f $binary && -x $binary ]] || die "no executable podnetd at $binary (build it, or pass --binary PATH)"
[[ -f $repo/systemd/podnetd.service ]] || die "missing $repo/systemd/podnetd.service"

# --- install -----------------------------------------------------------------------------------
install -d -m 0755 "$destdir$prefix/bin"
install -m 0755 "$binary" "$destdir$bin_path"
say "installed $destdir$bin_path"

# The service runs as a dynamic, unprivileged user: the config must be world-readable.
install -d -m 0755 "$destdir$config_dir"
if [[ -e $destdir$config_path ]]; then
	say "kept the existing $destdir$config_path (never overwritten; the example is $example_config)"
elif [[ -f $example_config ]]; then
	install -m 0644 "$example_config" "$destdir$config_path"
	say "installed $destdir$config_path (example config: edit it for this node)"
else
	say "warning: no example config at $example_config; write $destdir$config_path yourself" >&2
fi

install -d -m 0755 "$destdir$(dirname "$unit_path")"
tmp_unit=$(mktemp)
trap 'rm -f "$tmp_unit"' EXIT
sed "s#^ExecStart=/usr/local/bin/podnetd #ExecStart=$bin_path #" "$repo/systemd/podnetd.service" >"$tmp_unit"
grep -q "^ExecStart=$bin_path " "$tmp_unit" || die "could not set ExecStart in the unit to $bin_path"
install -m 0644 "$tmp_unit" "$destdir$unit_path"
say "installed $destdir$unit_path"

if [[ -f $repo/Config/sysctl.d/60-podnetd.conf ]]; then
	install -D -m 0644 "$repo/Config/sysctl.d/60-podnetd.conf" "$destdir$sysctl_path"
	say "installed $destdir$sysctl_path (net.core.rmem_max for the netlink socket)"
	if [[ $use_systemctl == yes ]]; then
		systemd-sysctl "$sysctl_path" || true
	fi
fi

# The cluster's view under the unit, opt-in (README, "The cluster's view under the systemd unit"):
# the drop-in is not put into podnetd.service.d and the path unit is not enabled.
install -D -m 0644 "$repo/systemd/podnetd-cluster-api.conf" "$destdir$cluster_dropin_path"
for f in $kubeconfig_units; do
	install -m 0644 "$repo/systemd/$(basename "$f")" "$destdir$f"
done
say "installed $destdir$cluster_dropin_path and podnetd-kubeconfig.path (opt-in, not enabled)"

if [[ $use_systemctl == yes ]]; then
	systemctl daemon-reload
	say "ran systemctl daemon-reload"
	if systemctl is-active --quiet podnetd.service; then
		systemctl restart podnetd.service
		say "restarted the running podnetd.service with the new binary"
	fi
fi

# --- next steps --------------------------------------------------------------------------------
echo
if [[ -n $destdir ]]; then
	say "staged under $destdir; nothing was started."
	exit 0
fi
echo "Next steps:"
if [[ $use_systemctl == no ]]; then
	echo "  (systemd is not PID 1 here, so nothing was reloaded; on a host booted with systemd run:"
	echo "   systemctl daemon-reload)"
fi
cat <<EOF
  1. Review $config_path for this node.
  2. systemctl enable --now podnetd
  3. systemctl status podnetd; journalctl -u podnetd -f
  4. curl -s http://127.0.0.1:9647/readyz
     curl -s 'http://127.0.0.1:9647/status?format=text'
     curl -s http://127.0.0.1:9647/metrics | grep '^podnetd_findings'
  5. Prometheus: Config/prometheus-scrape.yaml (job podnetd) and Config/alerts.yaml.
  Sandbox check: systemd-analyze security podnetd.service
EOF
