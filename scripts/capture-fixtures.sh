#!/usr/bin/env bash
# Regenerates fixtures/sdk/: the real Node SDKs (tests/sdk, pinned in its package-lock.json)
# send a fixed scenario to a fresh ruddermock, and its normalised NDJSON and HAR exports become
# the fixtures. CTest's sdk_fixtures_golden runs the same capture and checks that it gives these
# files byte for byte; run this after a change that is meant to change them, and review the diff.
# Usage: scripts/capture-fixtures.sh [BUILD_DIR]   (default: build; it must be built)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
binary="$build/ruddermock"
if [ ! -x "$binary" ]; then
  echo "capture-fixtures: $binary not found; build first (cmake --build $build)" >&2
  exit 2
fi
modules="$build/tests/sdk"
if [ ! -d "$modules/node_modules/@segment/analytics-node" ]; then
  mkdir -p "$modules"
  cp tests/sdk/package.json tests/sdk/package-lock.json "$modules/"
  npm ci --no-audit --no-fund --prefix "$modules" >/dev/null
fi
mkdir -p fixtures/sdk
NODE_PATH="$modules/node_modules" node tests/sdk/capture.mjs "$binary" fixtures/sdk
git --no-pager diff --stat -- fixtures/sdk || true
