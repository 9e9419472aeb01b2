#!/usr/bin/env bash
# Installs what is missing and runs the unit and property tests in release
# mode (numerical Swift is many times slower in debug builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift test -c release "$@"
