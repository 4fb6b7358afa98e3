#!/usr/bin/env bash
# Benchmark: the analyzer alone (PodnetModel + PodnetAnalysis, release) on the node of
# Scripts/bench-cluster.sh, with and without the cluster's view, side by side in one run.
#
#   Scripts/bench-analysis.sh                 # NODES=5000 (10,000 blocks), ROUNDS=40
#   MODE=with perf record -g "$(Scripts/bench-analysis.sh --build-only)"   # profile one side
#
# Builds a throw-away package in a temporary directory whose two library targets are symlinks to
# this repository's sources, so only those two modules compile (no NIO): quick to iterate on. Prints
# the median analysis time (thread CPU time) of each side and their findings. Not a test.
set -euo pipefail
readonly script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly repo_root="$(cd "${script_dir}/.." && pwd)"
readonly workdir="${BENCH_ANALYSIS_DIR:-/tmp/podnetd-bench-analysis}"

mkdir -p "$workdir/Sources/Bench"
ln -sfn "$repo_root/Sources/PodnetModel" "$workdir/Sources/PodnetModel"
ln -sfn "$repo_root/Sources/PodnetAnalysis" "$workdir/Sources/PodnetAnalysis"
cp "$script_dir/bench-analysis/main.swift" "$workdir/Sources/Bench/main.swift"
cat >"$workdir/Package.swift" <<'PACKAGE'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "bench-analysis",
    targets: [
        .target(name: "PodnetModel"),
        .target(name: "PodnetAnalysis", dependencies: ["PodnetModel"]),
        .executableTarget(name: "Bench", dependencies: ["PodnetModel", "PodnetAnalysis"]),
    ])
PACKAGE
(cd "$workdir" && swift build -c release >&2)
binary="$(cd "$workdir" && swift build -c release --show-bin-path)/Bench"
if [[ ${1:-} == --build-only ]]; then
	echo "$binary"
	exit 0
fi
"$binary"
