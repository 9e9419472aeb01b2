#!/usr/bin/env bash
# Installs the Debian packages the package builds against, when missing.
# The Swift toolchain itself (swift 6.x on PATH) is assumed present.
set -euo pipefail

packages=(libgsl-dev liblapacke-dev libopenblas-dev libsqlite3-dev)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "error: swift is not on PATH; install a Swift 6 toolchain first" >&2
    exit 2
fi
