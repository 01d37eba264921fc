"""Inputs of the RPM-family preflight (issue 17 item 1): each bad value fails naming its
variable, before anything is read or changed. Runs the real ansible-playbook with the
edgeworker_preflight role on this machine in --check mode (the role only reads). The RPM-family
report itself is proven on the lab's Rocky stand-in (tests/lab/test_provision_play.py), whose
Debian userland has no SELinux, firewalld or NetworkManager (docs/playbook.md says so).
"""

import subprocess
import sys

import pytest

from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional


def test_bad_rpm_settings_fail_naming_the_variable(tmp_path):
    local = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "edgeworker_api_endpoint": "192.0.2.1:6443",
        "edgeworker_kube_version": "1.29.2",
        "edgeworker_ca_cert_pem": "-----BEGIN CERTIFICATE-----",
    }
    hosts = {
        "badselinux": dict(local, edgeworker_selinux_state="disabled"),
        "badmanage": dict(local, edgeworker_firewalld_manage="sometimes"),
        "badports": dict(local, edgeworker_firewalld_ports=["10250/tcp", "30000:32767", "ssh"]),
    }
    play = {
        "name": "Preflight",
        "hosts": "all:!localhost",
        "gather_facts": False,
        "roles": [{"role": "edgeworker_preflight"}],
    }
    argv = cr.command(tmp_path, [play], cr.write_inventory(tmp_path, hosts))
    result = subprocess.run(
        argv + ["--check"], env=cr.env(tmp_path), cwd=str(tmp_path), capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    out = " ".join(result.stdout.split())
    assert result.returncode == 2, result.stdout[-4000:]
    assert (
        "value of edgeworker_selinux_state must be one of: permissive, keep, got: disabled" in out
    )
    assert "argument 'edgeworker_firewalld_manage' is of type str and we were unable to convert " \
        "to bool" in out  # fmt: skip
    assert (
        "edgeworker_firewalld_ports must list ports as <port>[-<port>]/<tcp|udp|sctp> (got "
        "['30000:32767', 'ssh'])"
    ) in out
    for host in hosts:
        assert f"fatal: [{host}]" in result.stdout
    assert "Preflight | Gather facts" not in out  # failed before reading the host
