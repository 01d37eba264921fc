#!/usr/bin/env python3
"""provision_edgeworker wall-clock figures on the provisioning lab (systemd-mode hosts, real
SSH/apt/dnf/containerd; kubeadm join is the lab's validating double). Prints JSON; never
asserted in tests.

  first_run_1_host_s      one bare host -> joined (controller play + cleanup included)
  rerun_1_host_s          the same host again (idempotent, changed=0)
  first_run_n_hosts_s     N bare hosts (mixed apt/dnf) in one parallel run
  add_1_to_n_fleet_s      1 bare host added to N provisioned ones, the run limited to
                          `localhost,<new host>` as docs/playbook.md says (must not grow with N)
  rerun_n_plus_1_fleet_s  the whole fleet of N+1 re-run (changed=0 everywhere)
Ratios: n_vs_1 = first_run_n / first_run_1 (1.0 = perfect parallelism),
        rerun_vs_first, add_to_fleet_vs_empty = add_1_to_n_fleet / first_run_1.

Usage (root): python benchmarks/playbook.py [--hosts N]
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.lab.ansible_run import recap  # noqa: E402
from tests.lab.lab import Lab  # noqa: E402
from tests.lab.provision_run import failure_text, provision  # noqa: E402

FLAVOURS = ("ubuntu2204", "rocky9", "ubuntu2404", "centos9")


def timed(lab, hosts, workdir, args=()):
    started = time.monotonic()
    result = provision(lab, hosts, workdir, args=args)
    elapsed = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        raise SystemExit(failure_text(result))
    changed = {n: s["changed"] for n, s in recap(result.stdout).items() if n != "localhost"}
    return elapsed, changed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20,
                        help="N: the fleet provisioned in one parallel run (default 20)")
    args = parser.parse_args()
    lab = Lab().up()
    work = Path(tempfile.mkdtemp(prefix="bench-playbook-"))
    figures = {}
    try:
        one = lab.add_host("b1", "ubuntu2204", "systemd")
        figures["first_run_1_host_s"], _ = timed(lab, [one], work / "one")
        figures["rerun_1_host_s"], changed = timed(lab, [one], work / "one-again")
        figures["rerun_changed"] = changed
        lab.remove_host("b1")
        lab.control_plane.delete_node("b1")

        fleet = [lab.add_host(f"bn{i}", FLAVOURS[i % len(FLAVOURS)], "systemd")
                 for i in range(args.hosts)]
        figures["first_run_n_hosts_s"], _ = timed(lab, fleet, work / "fleet")
        extra = lab.add_host("bnew", "ubuntu2204", "systemd")
        # How an operator adds one edgeworker: the whole fleet in the inventory, the run
        # limited to the controller and the new host (docs/playbook.md).
        figures["add_1_to_n_fleet_s"], changed = timed(
            lab, fleet + [extra], work / "grow", args=("--limit", "localhost,bnew"))
        figures["add_1_to_n_fleet_changed"] = changed
        # The same fleet re-run as a whole (every host checked again, none changed).
        figures["rerun_n_plus_1_fleet_s"], changed = timed(lab, fleet + [extra],
                                                           work / "whole")
        figures["rerun_n_plus_1_fleet_changed"] = sum(changed.values())
    finally:
        lab.down()
    first = figures["first_run_1_host_s"]
    result = {
        "benchmark": "provision_edgeworker_playbook",
        "hosts": args.hosts,
        "figures": figures,
        "baseline": {"first_run_1_host_s": first},
        "ratios": {
            "n_vs_1": round(figures["first_run_n_hosts_s"] / first, 2),
            "rerun_vs_first": round(figures["rerun_1_host_s"] / first, 2),
            "add_to_fleet_vs_empty": round(figures["add_1_to_n_fleet_s"] / first, 2),
        },
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "kernel": platform.release()},
        "note": "lab hosts are containers on one machine; kubeadm join is a validating double",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
