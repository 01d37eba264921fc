#!/usr/bin/env python3
"""Run every benchmark that applies on this machine, side by side in one run, and write their
JSON figures to one file (default benchmarks/results.json) as well as stdout.

Each benchmark is a script in this directory that prints one JSON document; this runner only
starts them in turn and collects what they print. Root-only ones (the lab and the playbook on
lab hosts) are skipped, with the reason recorded, when not run as root; --only picks some.

Usage: .venv/bin/python benchmarks/run.py [--only NAME ...] [--output FILE]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name → (script arguments, needs root)
BENCHMARKS = {
    "allocation": ([], False),
    "host_list": ([], False),
    "host_add": ([], False),
    "rpc_floor": ([], False),
    "cli_startup": ([], False),
    "kube_check": ([], False),
    "lab": ([], True),
    "playbook": ([], True),
    "real_k8s": ([], True),
}


def _machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), "")
    except OSError:
        pass
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu,
            "kernel": platform.release()}


def run_one(name, args):
    script = os.path.join(HERE, name + ".py")
    if not os.path.exists(script):
        return {"skipped": "benchmarks/%s.py does not exist" % name}
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                         cwd=os.path.dirname(HERE), check=False)
    took = round(time.monotonic() - t0, 1)
    if out.returncode != 0:
        return {"failed": "exit %d" % out.returncode, "stderr": out.stderr[-2000:],
                "seconds": took}
    try:
        result = json.loads(out.stdout)
    except ValueError:
        return {"failed": "did not print JSON", "stdout": out.stdout[-2000:], "seconds": took}
    result["_seconds"] = took
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME",
                        help="run only these (%s)" % ", ".join(sorted(BENCHMARKS)))
    parser.add_argument("--output", default=os.path.join(HERE, "results.json"),
                        help="where to write the collected JSON (default: %(default)s)")
    args = parser.parse_args()
    results = {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "machine": _machine(), "benchmarks": {}}
    for name in args.only or BENCHMARKS:
        script_args, needs_root = BENCHMARKS[name]
        if needs_root and os.geteuid() != 0:
            results["benchmarks"][name] = {"skipped": "needs root (the provisioning lab)"}
            continue
        print("running %s ..." % name, file=sys.stderr, flush=True)
        results["benchmarks"][name] = run_one(name, script_args)
    text = json.dumps(results, indent=2)
    with open(args.output, "w") as f:
        f.write(text + "\n")
    print(text)
    failed = [n for n, r in results["benchmarks"].items() if "failed" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
