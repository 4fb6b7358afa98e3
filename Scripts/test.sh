#!/usr/bin/env bash
# Installs what the tests need (as root), builds podnetd, and runs the whole test suite,
# including the network-namespace tests (they need root and iproute2, and fail if either is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/deps.sh
swift build --product podnetd
# The namespace and daemon tests run the binary built above.
export PODNETD_BIN="$PWD/.build/debug/podnetd"
swift test "$@"
