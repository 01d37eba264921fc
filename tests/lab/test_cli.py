"""The command line refuses to run without root and says why; `up`/`status`/`down` round-trip."""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_refuses_without_root_and_says_why():
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to an unprivileged user")
    # import first (the interpreter may live under /root), then drop to nobody and run the CLI
    code = (
        "import os, sys, tests.lab.__main__ as cli; os.setgid(65534); os.setuid(65534); "
        "sys.exit(cli.main(['status']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "needs root" in result.stderr and "network namespaces" in result.stderr


def test_status_of_the_running_lab(lab, lab_hosts):
    host = lab_hosts("ubuntu2404")
    env = {**os.environ, "LAB_RUN": str(lab.run_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.lab", "status"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    status = json.loads(result.stdout)
    assert {"name": host.name, "ip": host.ip, "flavour": "ubuntu2404", "mode": "ssh"} in status[
        "hosts"
    ]
    assert f"edgelab-{host.name}" in status["resources"]["netns"]
    ssh = subprocess.run(
        [sys.executable, "-m", "tests.lab", "ssh", host.name, "hostname"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ssh.stdout.strip() == host.name


@pytest.mark.parametrize("held", ["machine", "cache"])
def test_up_waiting_for_another_session_keeps_stdout_for_json(tmp_path, held):
    """`up` waiting for another session's lock (as on a busy machine) says so on stderr, a
    progress line per LAB_HEARTBEAT, and prints nothing on stdout, which callers parse as JSON.
    Either lock makes it wait: the machine's (LAB_LOCK) or the cache's ($LAB_CACHE/run.lock, the
    one older checkouts take). The test holds its own, so no lab is started or swept."""
    if os.geteuid() != 0:
        pytest.skip("the lab command line needs root")
    (tmp_path / "cache").mkdir()
    lock = tmp_path / "run.lock" if held == "machine" else tmp_path / "cache" / "run.lock"
    env = {**os.environ, "LAB_LOCK": str(tmp_path / "run.lock"), "LAB_LOCK_TIMEOUT": "3",
           "LAB_HEARTBEAT": "1", "LAB_CACHE": str(tmp_path / "cache")}
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = subprocess.run(
            [sys.executable, "-m", "tests.lab", "up", "--host", "w1:debian12"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    waiting = [line for line in result.stderr.splitlines()
               if line.startswith("[lab] another lab session is running on this machine")]
    assert len(waiting) >= 2 and f"lock {lock}" in waiting[0]
    assert f"error: another lab session is running on this machine (lock {lock})" in result.stderr
    assert not (tmp_path / "cache" / "run").exists()  # nothing was swept or started


def test_locked_runs_the_command_holding_the_locks(tmp_path):
    """`locked -- COMMAND` (what the demo runs under) holds the lab's locks while COMMAND runs:
    COMMAND's lab calls are told so (LAB_LOCK_HELD=1), its exit code is passed on, and while
    another session holds a lock the command does not start. No lab is started."""
    if os.geteuid() != 0:
        pytest.skip("the lab command line needs root")
    env = {**os.environ, "LAB_LOCK": str(tmp_path / "run.lock"), "LAB_LOCK_TIMEOUT": "2",
           "LAB_CACHE": str(tmp_path / "cache")}
    env.pop("LAB_LOCK_HELD", None)
    probe = (f"{sys.executable} -c 'import fcntl, sys; f = open(sys.argv[1], \"w\"); "
             "fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)' \"$0\" || echo held-by-parent; "
             "echo LAB_LOCK_HELD=$LAB_LOCK_HELD; exit 7")
    command = [sys.executable, "-m", "tests.lab", "locked", "--", "sh", "-c", probe,
               str(tmp_path / "run.lock")]
    ran = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert ran.returncode == 7, ran.stderr
    assert ran.stdout.split() == ["held-by-parent", "LAB_LOCK_HELD=1"]
    with open(tmp_path / "run.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        refused = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True,
                                 text=True, timeout=60)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "error: another lab session is running on this machine" in refused.stderr
