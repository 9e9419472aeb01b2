"""Combine the JSON of spectral-bench and peers.py into one results file.

run.sh calls this with a folder that contains ours-CASE.json and peers-CASE.json
for every case. It prints a table of the ratios of the median times (ours /
peer) against their targets, with the ratio of the fastest repeats beside
them. It writes the combined results and exits with status 1 when a checksum
differs between the two sides by more than its tolerance.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

CASE_NAMES = (
    "ntk_gram", "gradient_descent", "empirical_ntk", "conv_ntk_gram",
    "resnet_training",
)

# The ratio ours / peer at or below which a case passes.
TARGET_RATIOS = {
    "ntk_gram": 0.5,
    "gradient_descent": 1.0,
    "empirical_ntk": 0.5,
    "conv_ntk_gram": 0.5,
    "resnet_training": 1.0,
}

# Relative tolerance for each checksum of each case.
DEFAULT_TOLERANCE = 1e-10
TOLERANCES = {
    # neural-tangents 0.6.5 takes the ReLU angle of a diagonal entry as
    # arccos(Sigma_12 / sqrt(Sigma_11 Sigma_22)). A cosine one ulp below 1
    # gives an angle near 1e-8 instead of 0, so its trace is off by about
    # 2e-9 relative (checked against an exact rational evaluation).
    ("ntk_gram", "trace"): 1e-8,
    # The same stax.Relu kernel also runs in the convolutional network, at
    # every position of a diagonal pair, so its trace differs in the same
    # way: 5.8e-11 relative measured on the 500 digit images.
    ("conv_ntk_gram", "trace"): 1e-8,
}


def relative_difference(ours, peer):
    scale = max(abs(ours), abs(peer))
    return 0.0 if scale == 0 else abs(ours - peer) / scale


def cpu_description():
    """Return the model name, family and model number from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        return platform.processor() or None
    return "%s (family %s, model %s)" % (
        fields.get("model name"), fields.get("cpu family"), fields.get("model")
    )


def load_average():
    try:
        with open("/proc/loadavg") as file:
            return [float(value) for value in file.read().split()[:3]]
    except OSError:
        return None


def swift_version():
    try:
        output = subprocess.run(
            ["swift", "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return output.splitlines()[0].strip() if output else None


def compare_case(name, ours, peer):
    ratio = ours["median_seconds"] / peer["median_seconds"]
    # The fastest repeats are the least disturbed by other load on the
    # machine, so their ratio is kept next to the ratio of the medians.
    fastest_ratio = min(ours["sample_seconds"]) / min(peer["sample_seconds"])
    target = TARGET_RATIOS[name]
    differences = {}
    agree = True
    for key in sorted(ours["checksums"]):
        difference = relative_difference(
            ours["checksums"][key], peer["checksums"][key]
        )
        differences[key] = difference
        if difference > TOLERANCES.get((name, key), DEFAULT_TOLERANCE):
            agree = False
    return {
        "ours": ours,
        "peer": peer,
        "ratio": ratio,
        "fastest_ratio": fastest_ratio,
        "target_ratio": target,
        "result": "PASS" if ratio <= target else "MISS",
        "checksum_relative_differences": differences,
        "checksums_agree": agree,
    }


def print_table(cases):
    header = "%-17s %10s %10s %7s %7s  %-6s %8s  %s" % (
        "case", "ours (s)", "peer (s)", "ratio", "target", "result",
        "fastest", "checksums (max rel. difference)",
    )
    print(header)
    print("-" * len(header))
    for name, case in cases.items():
        largest = max(case["checksum_relative_differences"].values())
        print("%-17s %10.4f %10.4f %7.3f %7.2f  %-6s %8.3f  %s (%.1e)" % (
            name,
            case["ours"]["median_seconds"],
            case["peer"]["median_seconds"],
            case["ratio"],
            case["target_ratio"],
            case["result"],
            case["fastest_ratio"],
            "agree" if case["checksums_agree"] else "DIFFER",
            largest,
        ))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, metavar="FOLDER",
                        help="folder with ours-CASE.json and peers-CASE.json")
    parser.add_argument("--output", required=True, metavar="FILE",
                        help="path of the combined JSON to write")
    parser.add_argument("--threads", type=int, required=True, metavar="COUNT",
                        help="thread count that both sides ran with")
    parser.add_argument("--load-average-start", metavar="TEXT", default="",
                        help="contents of /proc/loadavg before the run")
    arguments = parser.parse_args()

    cases = {}
    peer_versions = {}
    for name in CASE_NAMES:
        paths = [os.path.join(arguments.results, "%s-%s.json" % (side, name))
                 for side in ("ours", "peers")]
        if not all(os.path.exists(path) for path in paths):
            continue
        with open(paths[0]) as ours_file, open(paths[1]) as peer_file:
            ours, peer = json.load(ours_file), json.load(peer_file)
        peer_versions = peer.get("versions", peer_versions)
        cases[name] = compare_case(name, ours["cases"][name],
                                   peer["cases"][name])
    if not cases:
        sys.exit("error: no pair of ours-CASE.json and peers-CASE.json found "
                 "in %s." % arguments.results)

    start_load = [float(value)
                  for value in arguments.load_average_start.split()[:3]]
    combined = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "machine": {
            "cpu": cpu_description(),
            "nproc": os.cpu_count(),
            "load_average_start": start_load or None,
            "load_average_end": load_average(),
        },
        "threads": arguments.threads,
        "environment": {
            name: os.environ.get(name)
            for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        },
        "versions": dict(peer_versions, swift=swift_version()),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(arguments.output)),
                exist_ok=True)
    with open(arguments.output, "w") as output:
        json.dump(combined, output, indent=2, sort_keys=True)
        output.write("\n")

    print_table(cases)
    print("\nwrote %s" % arguments.output)
    if not all(case["checksums_agree"] for case in cases.values()):
        sys.exit("error: the checksums of ours and the peer differ by more "
                 "than their tolerance; see checksum_relative_differences in "
                 "%s." % arguments.output)


if __name__ == "__main__":
    main()
