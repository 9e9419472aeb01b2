#!/usr/bin/env bash
# Installs what is missing, builds the command line in release mode and runs
# the default property suite. Arguments go to `spectral-check run`, for
# example `--profile nightly --seed 7`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
swift build -c release --product spectral-check
.build/release/spectral-check run "$@"
