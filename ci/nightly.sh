#!/usr/bin/env bash
# Nightly theorem validation: the nightly profile with a date-derived seed,
# so each night checks fresh cases while any failure stays replayable from
# the seed printed in its message. Reports go to reports/nightly-YYYYMMDD.
set -euo pipefail
cd "$(dirname "$0")/.."
day=$(date -u +%Y%m%d)
bash ci/suite.sh --profile nightly --seed "$day" --report "reports/nightly-$day" "$@"
