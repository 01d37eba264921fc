#!/usr/bin/env python3
"""What the provisioning lab costs (tests/lab, docs/lab.md): the one-off builds (debootstrap base,
RPM layer, package repos) and, per mode and flavour, bringing a host up and down. Medians over
--hosts repeats. The baseline is the CI budget this project aims for (30 minutes), so the ratio
says how much of it a cold lab start takes. Needs root; waits for a running lab session.

For a cold figure, point the lab at an empty cache while no other lab runs on the machine:
LAB_CACHE=/tmp/lab-cold .venv/bin/python benchmarks/lab.py

Usage: sudo .venv/bin/python benchmarks/lab.py [--hosts N]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CI_BUDGET_S = 30 * 60


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=3, help="repeats per mode and flavour")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("benchmarks/lab.py needs root (network namespaces, overlay mounts, nspawn)")
    out = subprocess.run([sys.executable, "-m", "tests.lab", "bench", "--hosts", str(args.hosts)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    raw = json.loads(out)
    per_kind = {}
    for h in raw["hosts"]:
        per_kind.setdefault("%s/%s" % (h["mode"], h["flavour"]), []).append(h)
    hosts = {kind: {"up_median_s": statistics.median(x["up_s"] for x in rows),
                    "down_median_s": statistics.median(x["down_s"] for x in rows),
                    "repeats": len(rows)}
             for kind, rows in per_kind.items()}
    base = raw.get("base_build_recorded_s")  # None: the cache predates the build record
    print(json.dumps({
        "benchmark": "lab_cost",
        "figure": {"base_build_s (recorded when the cache was built)": base,
                   "lab_up_s (this run, cache warm unless first run)": raw["lab_up_s"],
                   "lab_down_s": raw["lab_down_s"], "hosts": hosts},
        "baseline": {"ci_budget_s": CI_BUDGET_S},
        "ratio": {"cold_start_vs_ci_budget": None if base is None else
                  round((base + raw["lab_up_s"]) / CI_BUDGET_S, 3)},
        "leftovers_after_down": raw["leftovers"],
        "raw": raw,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "kernel": platform.release()},
    }, indent=2))


if __name__ == "__main__":
    main()
