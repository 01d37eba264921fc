"""provision.yml run with a --limit that leaves out localhost: the controller play is skipped,
so every edgeworker must fail at once with a message saying how to limit, before any
connection to it (its address is unroutable TEST-NET-1 here) and without reporting."""

import subprocess

import pytest
import yaml

from tests.playbook.controller_run import PLAYBOOK_DIR, ansible_bin, env

pytestmark = pytest.mark.functional


def test_limit_without_localhost_fails_clearly(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"edgeworker": {"hosts": {
        "edge-21": {"ansible_host": "192.0.2.21", "ansible_connection": "ssh"}}}}))
    out = subprocess.run(
        [ansible_bin("ansible-playbook"), "-i", str(inventory),
         str(PLAYBOOK_DIR / "provision.yml"), "--limit", "edge-21"],
        capture_output=True, text=True, timeout=120, env=env(tmp_path), cwd=str(PLAYBOOK_DIR))
    assert out.returncode != 0
    assert ("The controller play did not run, so there is no version or join token: keep "
            "localhost in --limit, e.g. --limit localhost,edge-21") in out.stdout
    assert "UNREACHABLE" not in out.stdout  # refused before connecting
    assert "Report provisioning" not in out.stdout
