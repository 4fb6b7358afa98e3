#!/usr/bin/env bash
# Installs what the tests need (as root), builds podnetd, and runs the whole test suite,
# including the network-namespace tests (they need root and iproute2, and fail if either is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Scripts/deps.sh
swift build --product podnetd
# The deployment tests use the release artefacts (binary, .deb, .rpm, OCI image): built once, here.
bash Scripts/package.sh --no-deps
export PODNETD_DIST="$PWD/dist"
# The namespace and daemon tests run the binary built above.
export PODNETD_BIN="$PWD/.build/debug/podnetd"
log=$(mktemp /tmp/podnetd-test.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
# One test at a time: the namespace, daemon and HTTPS tests are timed against the kernel and
# the network, and on two cores parallel tests starve each other (and Swift's cooperative threads).
swift test --no-parallel "$@" 2>&1 | tee "$log" || status=$?
# The suite is Swift Testing only (XCTest reports "Executed 0 tests"): close on its per-test counts.
# Anywhere in a line, not only at its start: a parameterised test's argument may end without a
# newline and carry the next test's result line.
passed=$(grep -o '✔ Test .* passed after' "$log" | grep -vc '^✔ Test run ' || true)
failed=$(grep -oE '✘ Test .* failed after' "$log" | grep -vc '^✘ Test run ' || true)
echo "tests: ${passed} passed, ${failed} failed"
if [[ $status -eq 0 && $failed -ne 0 ]]; then status=1; fi
if [[ $status -eq 0 && $passed -eq 0 ]]; then
  echo "no test ran" >&2
  status=1
fi
exit "$status"
