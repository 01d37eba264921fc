"""Teardown leaves the machine as it was; a crashed run is swept by the next one.

These tests take the session lab down themselves, so conftest orders them last (lab_teardown)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab import config
from tests.lab.fixtures import machine_sysctls
from tests.lab.lab import Lab, leftovers
from tests.lab.proc import alive, read_pid

pytestmark = [pytest.mark.lab, pytest.mark.lab_teardown]
NOTHING = {"netns": [], "links": [], "mounts": [], "processes": [], "cgroups": []}
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_teardown_leaves_nothing_behind(lab, lab_baseline):
    hosts = [lab.add_host("hyg1", "debian12"), lab.add_host("hyg2", "rocky9", mode="systemd")]
    for host in hosts:
        host.ssh("sysctl -w net.ipv4.ip_forward=1")
        assert host.sysctl("net.ipv4.ip_forward") == "1"
    pids = [h.record.pid for h in hosts] + [
        read_pid(lab.run_dir / "repo-http.pid"),
        read_pid(lab.control_plane.dir / "apiserver.pid"),
    ]
    before = leftovers(lab.run_dir)
    assert before["netns"] and before["mounts"] and before["processes"]  # the check can see them
    traces = json.loads((config.CACHE_DIR / "machine-traces.json").read_text())

    lab.down()

    assert leftovers(lab.run_dir) == NOTHING
    assert [pid for pid in pids if alive(pid)] == []
    assert not lab.run_dir.exists()
    assert machine_sysctls() == lab_baseline
    # /run/netns and /run/systemd/nspawn exist afterwards only if they did before the lab first ran
    if not traces["netns_dir"]:
        assert not Path("/run/netns").exists()
    if not traces["nspawn_dir"]:
        assert not Path("/run/systemd/nspawn").exists()


def test_crashed_run_is_swept_by_the_next_one(lab, lab_baseline):
    lab.down()  # idempotent; frees the machine for the simulated crash
    # `up` in another process leaves a running lab behind exactly as a killed test session would
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.lab",
            "up",
            "--host",
            "crash1:ubuntu2204",
            "--host",
            "crash2:centos9:systemd",
        ],
        check=True,
        cwd=REPO_ROOT,
        capture_output=True,
    )
    stale = leftovers(config.RUN_DIR)
    assert len(stale["netns"]) == 2 and stale["processes"]

    lab = Lab().up()  # sweeps the stale run before starting
    try:
        assert lab.hosts() == []
        assert leftovers(config.RUN_DIR)["netns"] == []
    finally:
        lab.down()
    assert leftovers(config.RUN_DIR) == NOTHING
    assert machine_sysctls() == lab_baseline
