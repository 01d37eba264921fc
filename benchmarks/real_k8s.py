#!/usr/bin/env python3
"""What the lab's REAL Kubernetes v1.20.2 costs (tests/lab/kubebuild.py, tests/lab/realcluster.py,
docs/lab.md "The real control plane"): the cold build of kube-apiserver, kube-controller-manager,
kube-scheduler, kubelet and kubeadm from Debian's source package (as recorded when the cache was
built, with its phases), a warm `ensure()` (the cache hit every later run pays), and bringing the
real control plane up (kubeadm phases, etcd + three components ready, ConfigMaps, bootstrap token)
and down. --repeats control-plane cycles, medians. Then the whole real stack (control plane,
registry, CNI DaemonSet; tests/lab/realstack.py) and one bare Ubuntu 22.04 stand-in (systemd mode)
provisioned by the unchanged playbook to a Ready Node (the playbook waits for Ready), and the
re-run (changed=0). The baseline is the CI budget (30 minutes).

For a cold figure, remove the cached build first (LAB_CACHE/kube/<key>) while no lab runs; the
build then happens inside this run (10-20 minutes on 2 cores) and its progress goes to stderr.

Usage: sudo .venv/bin/python benchmarks/real_k8s.py [--repeats N]
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
CI_BUDGET_S = 30 * 60


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="control-plane up/down cycles")
    parser.add_argument("--no-join", action="store_true", help="skip the bare host -> Ready part")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("benchmarks/real_k8s.py needs root (network namespaces, overlay mounts)")
    from tests.lab import config, kubebuild
    from tests.lab.lab import Lab, leftovers
    from tests.lab.realcluster import RealControlPlane

    config.check_requirements()
    built_now = kubebuild.cached() is None
    t0 = time.monotonic()
    bin_dir = kubebuild.ensure()
    ensure_s = round(time.monotonic() - t0, 2)
    t0 = time.monotonic()
    kubebuild.ensure()
    warm_s = round(time.monotonic() - t0, 3)
    record = kubebuild.build_record()

    cycles = []
    with contextlib.redirect_stdout(sys.stderr):  # the lab's lock-wait notice is not JSON
        lab = Lab().up()
    try:
        for _ in range(args.repeats):
            cluster = RealControlPlane(lab.run_dir, bin_dir)
            t0 = time.monotonic()
            try:
                cluster.up()
                up_s = round(time.monotonic() - t0, 2)
            finally:
                t1 = time.monotonic()
                cluster.down()
            cycles.append({"up_s": up_s, "down_s": round(time.monotonic() - t1, 2),
                           "timings": cluster.timings})
        join = None if args.no_join else _join(lab)
    finally:
        with contextlib.redirect_stdout(sys.stderr):
            lab.down()
    up = statistics.median(c["up_s"] for c in cycles)
    print(json.dumps({
        "benchmark": "real_k8s_cost",
        "figure": {
            "cold_build_s (recorded when the cache was built)": record["total_s"],
            "cold_build_phases_s": record["timings_s"],
            "built_in_this_run": built_now,
            "ensure_this_run_s": ensure_s,
            "warm_ensure_s": warm_s,
            "binaries_mb": {k: round(v / 2**20, 1) for k, v in record["sizes"].items()},
            "control_plane_up_median_s": up,
            "control_plane_down_median_s": statistics.median(c["down_s"] for c in cycles),
            "repeats": len(cycles),
            "join": join,
        },
        "baseline": {"ci_budget_s": CI_BUDGET_S},
        "ratio": {"cold_build_and_up_vs_ci_budget": round((record["total_s"] + up) / CI_BUDGET_S,
                                                         3)},
        "leftovers_after_down": leftovers(config.RUN_DIR),
        "raw": {"cycles": cycles, "build": record},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "kernel": platform.release()},
    }, indent=2))


def _join(lab):
    """Real stack up, one bare host provisioned to a Ready Node, then the re-run (seconds)."""
    import tempfile

    from tests.lab.ansible_run import recap
    from tests.lab.provision_run import failure_text, provision
    from tests.lab.realstack import RealStack

    t0 = time.monotonic()
    stack = RealStack(lab).up()
    stack_s = round(time.monotonic() - t0, 2)
    try:
        t0 = time.monotonic()
        host = lab.add_host("bench1", "ubuntu2204", "systemd")
        host_s = round(time.monotonic() - t0, 2)
        with tempfile.TemporaryDirectory(dir=lab.run_dir) as work:
            extra = {**stack.playbook_vars(), "edgeworker_report_enabled": False}
            t0 = time.monotonic()
            first = provision(lab, [host], f"{work}/run1", extra, timeout=1800)
            ready_s = round(time.monotonic() - t0, 2)
            if first.returncode != 0:
                raise RuntimeError(failure_text(first))
            t0 = time.monotonic()
            again = provision(lab, [host], f"{work}/run2", extra, timeout=1800)
            rerun_s = round(time.monotonic() - t0, 2)
            changed = recap(again.stdout).get("bench1", {}).get("changed")
        return {"stack_up_s": stack_s, "bare_host_up_s": host_s,
                "provision_to_ready_s": ready_s, "rerun_s": rerun_s,
                "rerun_changed": changed}
    finally:
        lab.remove_host("bench1")
        stack.down()


if __name__ == "__main__":
    main()
