#!/usr/bin/env python3
"""provision_edgeworker wall-clock figures on the provisioning lab (systemd-mode hosts, real
SSH/apt/dnf/containerd; kubeadm join is the lab's validating double). Prints JSON; never
asserted in tests.

  first_run_1_host_s      one bare host -> joined (controller play + cleanup included)
  rerun_1_host_s          the same host again (idempotent, changed=0)
  first_run_n_hosts_s     N bare hosts (mixed apt/dnf) in one parallel run
  add_1_to_n_fleet_s      1 bare host added to N provisioned ones, the run limited to
                          `localhost,<new host>` as docs/playbook.md says (must not grow with N)
  add_1_alone_n_running_s the control: 1 bare host provisioned with an inventory of its own
                          while the N provisioned hosts keep running, i.e. an empty fleet on a
                          machine as loaded as the one above. The N lab hosts share this
                          machine's cores, so first_run_1_host_s (an idle machine) is slower
                          to compare with; add_to_fleet_vs_alone_same_load isolates the fleet
                          in the inventory from the load of the fleet on the machine.
  rerun_n_plus_1_fleet_s  the whole fleet of N+1 re-run (changed=0 everywhere)
Ratios: n_vs_1 = first_run_n / first_run_1 (1.0 = perfect parallelism),
        rerun_vs_first, add_to_fleet_vs_empty = add_1_to_n_fleet / first_run_1,
        add_to_fleet_vs_alone_same_load = add_1_to_n_fleet / add_1_alone_n_running.
cpu_busy_*: the share of the machine's CPU time in use (from /proc/stat, over 5 s) just
before the 1-host run and just before the two add runs: the load of the idle lab hosts.

Each systemd lab host holds about a dozen inotify instances, all counted against root, so the
benchmark raises fs.inotify.max_user_instances for its run when the fleet needs more than the
machine allows (Debian's default of 128 fits about 9 hosts) and restores it at the end.

Usage (root): python benchmarks/playbook.py [--hosts N]
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.lab.ansible_run import recap  # noqa: E402
from tests.lab.lab import Lab  # noqa: E402
from tests.lab.provision_run import failure_text, provision  # noqa: E402

FLAVOURS = ("ubuntu2204", "rocky9", "ubuntu2404", "centos9")


INOTIFY = "/proc/sys/fs/inotify/max_user_instances"
INOTIFY_PER_HOST = 12  # measured: 229 instances in use with 21 systemd lab hosts running


def _cpu_busy(seconds=5.0):
    """The share of all CPU time, over ``seconds``, that was not idle or iowait."""
    def sample():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return round(1 - (idle1 - idle0) / max(total1 - total0, 1), 3)


@contextlib.contextmanager
def _inotify_room(hosts):
    """Raise fs.inotify.max_user_instances for the run if ``hosts`` lab hosts need more;
    yields (before, during) and restores the machine's value afterwards."""
    before = int(Path(INOTIFY).read_text())
    needed = 128 + INOTIFY_PER_HOST * hosts
    if needed <= before:
        yield before, before
        return
    Path(INOTIFY).write_text(str(needed))
    try:
        yield before, needed
    finally:
        Path(INOTIFY).write_text(str(before))


def timed(lab, hosts, workdir, args=()):
    started = time.monotonic()
    result = provision(lab, hosts, workdir, args=args)
    elapsed = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        raise SystemExit(failure_text(result))
    changed = {n: s["changed"] for n, s in recap(result.stdout).items() if n != "localhost"}
    return elapsed, changed


def run_all(lab, work, hosts, figures):
    figures["cpu_busy_before_1_host"] = _cpu_busy()
    one = lab.add_host("b1", "ubuntu2204", "systemd")
    figures["first_run_1_host_s"], _ = timed(lab, [one], work / "one")
    figures["rerun_1_host_s"], changed = timed(lab, [one], work / "one-again")
    figures["rerun_changed"] = changed
    lab.remove_host("b1")
    lab.control_plane.delete_node("b1")

    fleet = [lab.add_host(f"bn{i}", FLAVOURS[i % len(FLAVOURS)], "systemd")
             for i in range(hosts)]
    figures["first_run_n_hosts_s"], _ = timed(lab, fleet, work / "fleet")
    figures["cpu_busy_before_adds"] = _cpu_busy()
    # The control: an empty fleet in the inventory, the N hosts still running on the machine.
    alone = lab.add_host("balone", "ubuntu2204", "systemd")
    figures["add_1_alone_n_running_s"], _ = timed(lab, [alone], work / "alone")
    extra = lab.add_host("bnew", "ubuntu2204", "systemd")
    # How an operator adds one edgeworker: the whole fleet in the inventory, the run
    # limited to the controller and the new host (docs/playbook.md).
    figures["add_1_to_n_fleet_s"], changed = timed(
        lab, fleet + [extra], work / "grow", args=("--limit", "localhost,bnew"))
    figures["add_1_to_n_fleet_changed"] = changed
    # The same fleet re-run as a whole (every host checked again, none changed).
    figures["rerun_n_plus_1_fleet_s"], changed = timed(lab, fleet + [extra], work / "whole")
    figures["rerun_n_plus_1_fleet_changed"] = sum(changed.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20,
                        help="N: the fleet provisioned in one parallel run (default 20)")
    args = parser.parse_args()
    figures = {}
    with _inotify_room(args.hosts + 3) as (inotify_before, inotify_during):
        lab = Lab().up()
        work = Path(tempfile.mkdtemp(prefix="bench-playbook-"))
        try:
            run_all(lab, work, args.hosts, figures)
        finally:
            lab.down()
            shutil.rmtree(work, ignore_errors=True)
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
            "add_to_fleet_vs_alone_same_load": round(
                figures["add_1_to_n_fleet_s"] / figures["add_1_alone_n_running_s"], 2),
        },
        "inotify_max_user_instances": {"machine": inotify_before, "during_run": inotify_during},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "kernel": platform.release()},
        "note": "lab hosts are containers on one machine; kubeadm join is a validating double",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
