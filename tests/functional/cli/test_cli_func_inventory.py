"""The Ansible inventory fed by the API: ``system edgeworker-inventory`` and
the executable inventory script, read by the real ``ansible-inventory``."""

import json
import os
import subprocess
import sys

import pytest
import yaml
from cli_aio import REPO, ansible_inventory, clean_env

pytestmark = pytest.mark.functional

SCRIPT = REPO / "playbooks" / "provision_edgeworker" / "inventory" / "sysinv_inventory.py"


@pytest.fixture(scope="module")
def hosts(system, service):
    for argv in (["-n", "edge-21", "-p", "edgeworker", "-m", "52:54:00:aa:dd:21"],
                 ["-n", "edge-22", "-p", "edgeworker", "-m", "52:54:00:aa:dd:22"],
                 ["-n", "worker-1", "-p", "worker", "-m", "52:54:00:aa:dd:31"],
                 ["-m", "52:54:00:aa:dd:41"]):
        res = system("host-add", *argv)
        assert res.returncode == 0, (argv, res.stderr)
    for argv in (["edge-21", "gpu=nvidia", "example.com/rack=r1"], ["worker-1", "gpu=amd"]):
        res = system("host-label-assign", *argv)
        assert res.returncode == 0, (argv, res.stderr)
    _status, doc = service.raw("GET", "/v1/ihosts")
    return {h["mgmt_mac"]: h for h in doc["ihosts"]}


def _check(inv, hosts):
    assert inv["edgeworker"]["hosts"] == ["edge-21", "edge-22"]
    assert "worker-1" not in json.dumps(inv)
    for mac, name in (("52:54:00:aa:dd:21", "edge-21"), ("52:54:00:aa:dd:22", "edge-22")):
        host = hosts[mac]
        hv = inv["_meta"]["hostvars"][name]
        assert hv["ansible_host"] == host["mgmt_ip"]
        assert hv["sysinv_uuid"] == host["uuid"]
        assert hv["mgmt_mac"] == mac
        assert hv["personality"] == "edgeworker"
        assert hv["provision_state"] == host["provision_state"]
    assert inv["_meta"]["hostvars"]["edge-21"]["sysinv_labels"] == {
        "gpu": "nvidia", "example.com/rack": "r1"}
    assert inv["_meta"]["hostvars"]["edge-22"]["sysinv_labels"] == {}


def _script(*args, service, **env):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          check=False, env=clean_env(SYSTEM_URL=service.url, **env))


def test_system_edgeworker_inventory_json(system, hosts):
    res = system("edgeworker-inventory")
    assert res.returncode == 0, res.stderr
    _check(json.loads(res.stdout), hosts)


def test_inventory_script_list_and_host(service, hosts):
    res = _script("--list", service=service, OS_PASSWORD="pw-s3cret", OS_USERNAME="admin")
    assert res.returncode == 0, res.stderr
    assert "s3cret" not in res.stdout
    inv = json.loads(res.stdout)
    _check(inv, hosts)
    # A worker or a host without personality never shows up.
    assert inv["edgeworker_incomplete"]["hosts"] == []
    one = json.loads(_script("--host", "edge-21", service=service).stdout)
    assert one == inv["_meta"]["hostvars"]["edge-21"]
    assert json.loads(_script("--host", "nope", service=service).stdout) == {}


def test_inventory_script_unreachable(service):
    from tests.servers._proc import free_port

    url = f"http://127.0.0.1:{free_port()}"
    res = subprocess.run([str(SCRIPT), "--list"], capture_output=True, text=True, check=False,
                         env=clean_env(SYSTEM_URL=url), timeout=60)
    assert res.returncode == 1
    assert res.stderr.startswith(f"sysinv inventory: Unable to establish connection to {url}/")
    assert "Traceback" not in res.stderr


def _ansible(*args, tmp_path):
    exe = ansible_inventory()
    if not exe:
        pytest.skip("ansible-inventory is not installed")
    env = clean_env(ANSIBLE_HOME=str(tmp_path / "ansible"), ANSIBLE_LOCAL_TEMP=str(tmp_path),
                    ANSIBLE_INVENTORY_UNPARSED_WARNING="False")
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return exe, env


def test_ansible_inventory_reads_the_script(service, hosts, tmp_path):
    exe, env = _ansible(tmp_path=tmp_path)
    env["SYSTEM_URL"] = service.url
    res = subprocess.run([exe, "-i", str(SCRIPT), "--list"], capture_output=True, text=True,
                         check=False, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    inv = json.loads(res.stdout)
    _check(inv, hosts)


def test_ansible_inventory_reads_the_yaml_file(system, hosts, tmp_path):
    out = tmp_path / "edgeworkers.yml"
    res = system("edgeworker-inventory", "--format", "yaml", "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""
    doc = yaml.safe_load(out.read_text())
    assert sorted(doc["all"]["children"]["edgeworker"]["hosts"]) == ["edge-21", "edge-22"]
    exe, env = _ansible(tmp_path=tmp_path)
    res = subprocess.run([exe, "-i", str(out), "--list"], capture_output=True, text=True,
                         check=False, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    _check(json.loads(res.stdout), hosts)
