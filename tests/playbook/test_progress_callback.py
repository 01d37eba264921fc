"""The playbook's progress callback (callback_plugins/edgeworker_progress.py), run by a real
ansible-playbook with the playbook directory's own ansible.cfg, on two local-connection hosts."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.playbook import controller_run

pytestmark = pytest.mark.functional
BIN = Path(sys.executable).parent

ROLES = {
    "edgeworker_alpha": """
- name: Alpha | Change something
  ansible.builtin.command: "true"
  changed_when: true
- name: Alpha | Never runs
  ansible.builtin.debug: {msg: skipped}
  when: false
- name: Alpha | Slow step
  ansible.builtin.command: sleep 3
  changed_when: false
""",
    "beta": """
- name: Beta | Break h2
  ansible.builtin.fail: {msg: "h2 broke\\nhere"}
  when: inventory_hostname == 'h2'
""",
}


def _play(tmp_path, **env):
    for role, tasks in ROLES.items():
        (tmp_path / "roles" / role / "tasks").mkdir(parents=True)
        (tmp_path / "roles" / role / "tasks" / "main.yml").write_text(tasks)
    (tmp_path / "play.yml").write_text(
        "- name: Progress test play\n  hosts: all\n  gather_facts: false\n"
        "  roles: [edgeworker_alpha, beta]\n")
    run_env = dict(controller_run.env(tmp_path), ANSIBLE_ROLES_PATH=str(tmp_path / "roles"), **env)
    return subprocess.run(
        [BIN / "ansible-playbook", "-i", "h1,h2,", "-c", "local",
         "-e", "ansible_python_interpreter=%s" % sys.executable, "play.yml"],
        cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=120)


def _lines(text):
    return [re.sub(r"^\[play\] \d\d:\d\d:\d\d ", "", line)
            for line in text.splitlines() if line.startswith("[play] ")]


def test_one_line_per_host_per_phase_failures_at_once_and_a_heartbeat(tmp_path):
    result = _play(tmp_path, EDGEWORKER_PROGRESS_HEARTBEAT="1")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = _lines(result.stderr)
    assert "[play]" not in result.stdout  # the normal output is untouched
    assert lines[0] == "Progress test play"
    phases = [line for line in lines if re.match(r"h\d +\w+ +ok=", line)]
    assert sorted(re.sub(r"  [\d.]+ s$", "", line) for line in phases) == [
        "h1          alpha                ok=2 changed=1 skipped=1",
        "h1          beta                 ok=0 changed=0 skipped=1",
        "h2          alpha                ok=2 changed=1 skipped=1",
    ]
    assert "h2          beta                 FAILED at 'Beta | Break h2': h2 broke here" in lines
    # nothing was printed while the slow step ran, so it was named
    still = r"still running 'Alpha \| Slow step' on h1, h2 \(this task: \d+ s\)"
    assert any(re.fullmatch(still, line) for line in lines), lines
    assert lines[-1] == ("recap: h1 ok=2 changed=1 failed=0 unreachable=0 | "
                         "h2 ok=2 changed=1 failed=1 unreachable=0")


def test_progress_goes_to_the_named_file_only(tmp_path):
    progress = tmp_path / "progress.log"
    result = _play(tmp_path, EDGEWORKER_PROGRESS_FILE=str(progress),
                   EDGEWORKER_PROGRESS_HEARTBEAT="60")
    assert result.returncode == 2
    assert "[play]" not in result.stdout + result.stderr
    lines = _lines(progress.read_text())
    assert lines[0] == "Progress test play" and lines[-1].startswith("recap: h1 ok=2")
    assert not any(line.startswith("still running") for line in lines)
