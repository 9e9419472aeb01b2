#!/usr/bin/env bash
# Runs spectral-bench and peers.py case by case on this machine with the same
# thread count, prints the time ratios (ours / peer) against their targets and
# writes bench/results/latest.json.
#
# Usage: bench/run.sh [--threads COUNT] [--repeats COUNT] [--case NAME]...
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$bench_dir"

threads=2
repeats=3
cases=()
usage="Usage: bench/run.sh [--threads COUNT] [--repeats COUNT] [--case NAME]...
  --threads COUNT  threads for both sides (default: 2)
  --repeats COUNT  timed runs per case after one warm-up (default: 3)
  --case NAME      ntk_gram, gradient_descent, empirical_ntk, conv_ntk_gram or
                   resnet_training; repeat to run several (default: all five)"
while (($# > 0)); do
    case "$1" in
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --repeats) repeats="${2:?--repeats needs a value}"; shift 2 ;;
        --case) cases+=("${2:?--case needs a value}"); shift 2 ;;
        -h | --help) echo "$usage"; exit 0 ;;
        *) echo "error: unknown argument '$1'." >&2; echo "$usage" >&2; exit 64 ;;
    esac
done
if ((${#cases[@]} == 0)); then
    cases=(ntk_gram gradient_descent empirical_ntk conv_ntk_gram resnet_training)
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "run.sh: creating bench/.venv and installing requirements.txt" >&2
    python3 -m venv .venv
    .venv/bin/pip install --requirement requirements.txt
fi

swift build -c release --product spectral-bench

# Both sides get the same thread limits. taskset narrows the CPU affinity
# when fewer threads than CPUs are requested, because XLA sizes its thread
# pool from the affinity mask and libdispatch (used by Theory's kernel Gram)
# has no thread-count setting.
export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"
pin=()
if ((threads < $(nproc))) && command -v taskset > /dev/null; then
    pin=(taskset --cpu-list "0-$((threads - 1))")
fi

# The Swift side keeps OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as the machine
# sets them. The peers run without both, so that the OpenBLAS bundled with
# NumPy picks its own kernels.
peer_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE TF_CPP_MIN_LOG_LEVEL=2)
tensorflow_noise='^(WARNING: All log messages before absl|I0000 )'

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
load_start="$(cat /proc/loadavg 2> /dev/null || true)"

for name in "${cases[@]}"; do
    echo "run.sh: $name: spectral-bench" >&2
    "${pin[@]}" .build/release/spectral-bench --threads "$threads" --repeats "$repeats" \
        --case "$name" > "$scratch/ours-$name.json"
    echo "run.sh: $name: peers.py" >&2
    # Importing neural-tangents loads TensorFlow (through tf2jax), whose
    # start-up lines on standard error are dropped.
    "${pin[@]}" "${peer_env[@]}" .venv/bin/python peers.py --threads "$threads" \
        --repeats "$repeats" --case "$name" > "$scratch/peers-$name.json" \
        2> >(grep --invert-match --extended-regexp "$tensorflow_noise" >&2)
done

.venv/bin/python compare.py --results "$scratch" --output results/latest.json \
    --threads "$threads" --load-average-start "$load_start"
