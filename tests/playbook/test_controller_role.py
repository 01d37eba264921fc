"""The provision_edgeworker controller side (roles edgeworker_controller and edgeworker_report),
run by the real ansible-playbook from this venv against real servers on loopback:

- the Kubernetes API double of tests/kubeapi.py (the lab API server: real HTTPS Kubernetes API,
  lab CA, bootstrap-token Secrets; a test double for kube-apiserver, see docs/lab.md) — no root,
  no lab lock, no lab hosts;
- the real all-in-one sysinv-edgeworker service with http_basic auth (tests/functional's way).

Assertions are made from outside: Secrets read back from the API server, the lock file, the
facts the role set (dumped to a 0600 file), the inventory API's record, the captured output.
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.kubeapi import start_control_plane
from tests.lab.ansible_run import recap
from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional

REG_PASSWORD = "Reg-Secr3t-pw-7f3a9"


def secrets(cp):
    items = cp.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]
    return {s["metadata"]["name"]: s for s in items
            if s["metadata"]["name"].startswith("bootstrap-token-")}


def decoded(secret):
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def wait_file(path, proc, workdir, timeout=90):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail("playbook ended early:\n" + (workdir / "stdout.txt").read_text()[-6000:])
        assert time.monotonic() < deadline, f"{path} not written within {timeout}s"
        time.sleep(0.2)
    time.sleep(0.3)  # the copy module renames into place; let the task finish
    return json.loads(path.read_text())


def base_vars(cp, tmp_path):
    return {"edgeworker_kubeconfig": str(cp.kubeconfig),
            "edgeworker_lock_path": str(tmp_path / "run" / "provision.lock")}


def test_token_lock_facts_and_cleanup_after_a_later_failure(kube_api, tmp_path):
    """RSA CA at v1.29.2 with a registry: facts, the token while the run lasts, a concurrent run
    refused, cleanup (twice) from an `always` after every edgeworker failed, no secret in -vvv."""
    run1, run2 = tmp_path / "run1", tmp_path / "run2"
    run1.mkdir(), run2.mkdir()
    facts_file, go = run1 / "facts.json", run1 / "go"
    variables = dict(base_vars(kube_api, tmp_path), edgeworker_token_ttl_seconds=1800,
                     edgeworker_registry_host="registry.local:9001",
                     edgeworker_registry_address="198.18.0.1",
                     edgeworker_registry_ca_cert_file=str(kube_api.ca_cert),
                     edgeworker_registry_username="reguser",
                     edgeworker_registry_password=REG_PASSWORD)
    plays = [
        cr.controller_play([cr.dump_facts_task(facts_file),
                            {"name": "Test | Hold the run until the test says go",
                             "ansible.builtin.wait_for": {"path": str(go), "timeout": 120}}]),
        {"name": "Edgeworkers", "hosts": "edge", "gather_facts": False, "tasks": [{
            "name": "Edgeworker steps", "block": [{
                "name": "Test | An edgeworker step fails",
                "ansible.builtin.fail": {"msg": "edgeworker step failed on purpose"}}],
            "always": [cr.CLEANUP_TASK, dict(cr.CLEANUP_TASK, name="Clean up again")]}]},
        cr.cleanup_play(),
    ]
    inventory = cr.write_inventory(run1, {"edge": {}})
    proc = cr.start(run1, plays, inventory, variables, verbose=True)
    try:
        facts = wait_file(facts_file, proc, run1)
        assert facts["edgeworker_kube_version"] == "1.29.2" == kube_api.version.lstrip("v")
        assert facts["edgeworker_kube_minor"] == "1.29"
        assert facts["edgeworker_api_endpoint"] == kube_api.endpoint
        assert facts["edgeworker_ca_cert_hash"] == kube_api.ca_hash
        assert facts["edgeworker_ca_cert_pem"].strip() == kube_api.ca_cert.read_text().strip()
        assert facts["registry"] == {"host": "registry.local:9001", "address": "198.18.0.1",
                                     "ca_cert_pem": kube_api.ca_cert.read_text(),
                                     "username": "reguser"}
        assert facts["has_password"] and facts["token_ok"] and facts["token_id_ok"]
        assert facts["edgeworker_prepull_images"] == [
            "registry.k8s.io/pause:3.9", "registry.k8s.io/kube-proxy:v1.29.2"]

        # one token, exactly as kubeadm token create writes it, TTL <= what was asked
        tokens = secrets(kube_api)
        token_id = facts["edgeworker_join_token_id"]
        assert list(tokens) == [f"bootstrap-token-{token_id}"]
        secret = tokens[f"bootstrap-token-{token_id}"]
        assert secret["type"] == "bootstrap.kubernetes.io/token"
        data = decoded(secret)
        token_secret = data.pop("token-secret")
        expires = datetime.datetime.fromisoformat(data.pop("expiration").replace("Z", "+00:00"))
        left = (expires - datetime.datetime.now(datetime.UTC)).total_seconds()
        assert 1700 < left <= 1800
        assert data.pop("description").startswith("provision_edgeworker run ")
        assert data == {"token-id": token_id, "usage-bootstrap-authentication": "true",
                        "usage-bootstrap-signing": "true",
                        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}
        lock = Path(variables["edgeworker_lock_path"])
        owner = json.loads(lock.read_text())
        assert owner["host"] == socket.gethostname() and os.path.exists(f"/proc/{owner['pid']}")

        # a second run on the same controller is refused, creates nothing, leaves the lock
        second = cr.run(run2, [cr.controller_play(), cr.cleanup_play()],
                        cr.write_inventory(run2), variables, verbose=True)
        assert second.returncode != 0
        assert "another provision_edgeworker run holds the lock since " + owner["created"] \
            + f" (pid {owner['pid']} on {owner['host']}, run {owner['run_id']})" in second.stdout
        assert list(secrets(kube_api)) == [f"bootstrap-token-{token_id}"]
        assert json.loads(lock.read_text()) == owner
    finally:
        go.touch()
        code, out1 = cr.finish(proc, run1)
    assert code == 2, out1[-6000:]
    assert "edgeworker step failed on purpose" in out1
    assert secrets(kube_api) == {}  # deleted although the edgeworker failed
    assert not lock.exists()
    assert "PLAY [Cleanup]" not in out1  # Ansible stops once every host of a play failed
    for out in (out1, second.stdout + second.stderr):
        assert "<127.0.0.1>" in out or "ESTABLISH LOCAL CONNECTION" in out  # really -vvv
        assert token_secret not in out and REG_PASSWORD not in out


def test_ec_ca_other_version_and_stale_lock(tmp_path):
    """An EC CA at v1.30.2: version and hash follow the cluster; a lock whose owner is gone is
    taken over (and said so); cleanup twice is fine."""
    cp = start_control_plane(tmp_path / "cp", version="v1.30.2", ca_kind="ec")
    try:
        variables = base_vars(cp, tmp_path)
        lock = Path(variables["edgeworker_lock_path"])
        lock.parent.mkdir()
        gone = subprocess.Popen(["true"])
        gone.wait()
        lock.write_text(json.dumps({"run_id": "crashedrun01", "pid": gone.pid,
                                    "host": socket.gethostname(), "created_epoch": time.time(),
                                    "created": "2026-01-01T00:00:00Z"}))
        facts_file = tmp_path / "facts.json"
        result = cr.run(tmp_path, [cr.controller_play([cr.dump_facts_task(facts_file)]),
                                   cr.cleanup_play(), cr.cleanup_play()],
                        cr.write_inventory(tmp_path), variables)
        assert result.returncode == 0, result.stdout[-6000:]
        facts = json.loads(facts_file.read_text())
        assert "took over a stale provision_edgeworker lock held since 2026-01-01T00:00:00Z " \
            f"(pid {gone.pid} on {socket.gethostname()}, run crashedrun01): its owner process " \
            f"{gone.pid} is gone" in " ".join(result.stderr.split())  # an Ansible warning
        assert (facts["edgeworker_kube_version"], facts["edgeworker_kube_minor"]) == (
            "1.30.2", "1.30")
        assert facts["edgeworker_ca_cert_hash"] == cp.ca_hash
        assert "BEGIN CERTIFICATE" in facts["edgeworker_ca_cert_pem"]
        assert facts["registry"]["host"] == "" and not facts["has_password"]
        assert facts["edgeworker_prepull_images"][1] == "registry.k8s.io/kube-proxy:v1.30.2"
        assert secrets(cp) == {} and not lock.exists()
    finally:
        cp.stop()


def test_version_override_and_input_validation(kube_api, tmp_path):
    """A valid override replaces the query; invalid inputs fail before any change."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    variables = dict(base_vars(kube_api, tmp_path), edgeworker_kube_version_override="v1.28.7")
    facts_file = good / "facts.json"
    result = cr.run(good, [cr.controller_play([cr.dump_facts_task(facts_file)]),
                           cr.cleanup_play()], cr.write_inventory(good), variables)
    assert result.returncode == 0, result.stdout[-6000:]
    facts = json.loads(facts_file.read_text())
    assert (facts["edgeworker_kube_version"], facts["edgeworker_kube_minor"]) == ("1.28.7", "1.28")
    assert facts["edgeworker_prepull_images"][1].endswith("/kube-proxy:v1.28.7")
    assert "Read the server version" in result.stdout and secrets(kube_api) == {}

    kubeconfig = {"edgeworker_kubeconfig": str(kube_api.kubeconfig)}
    hosts = {"badversion": dict(kubeconfig, edgeworker_kube_version_override="1.29"),
             "badttl": dict(kubeconfig, edgeworker_token_ttl_seconds=7200),
             "badkubeconfig": {"edgeworker_kubeconfig": str(tmp_path / "missing.conf")},
             "badregistry": dict(kubeconfig, edgeworker_registry_host="registry.local:9001",
                                 edgeworker_registry_password=REG_PASSWORD),
             "deadapi": {"edgeworker_kubeconfig": str(dead_kubeconfig(kube_api, tmp_path))}}
    lock_path = tmp_path / "badlock" / "provision.lock"
    play = {"name": "Controller", "hosts": "all:!localhost", "gather_facts": False,
            "roles": [{"role": "edgeworker_controller"}]}
    result = cr.run(bad, [play], cr.write_inventory(bad, hosts),
                    {"edgeworker_lock_path": str(lock_path)}, verbose=True)
    out = " ".join(result.stdout.split())
    assert result.returncode == 2
    assert "edgeworker_kube_version_override '1.29' is not a Kubernetes release version" in out
    assert "edgeworker_token_ttl_seconds must be a whole number of seconds from 60 to 3600 " \
        "(got '7200')" in out
    assert f"{tmp_path / 'missing.conf'} does not exist or is not a file" in out
    assert "edgeworker_registry_username and edgeworker_registry_password set together " \
        "(username set: False, password set: True)" in out
    assert "Controller | Read the server version (/version) failed: " in out
    assert "The run lock was released and the run's bootstrap token (if any) deleted." in out
    assert REG_PASSWORD not in result.stdout
    assert not lock_path.exists() and secrets(kube_api) == {}


def dead_kubeconfig(cp, tmp_path):
    """The admin kubeconfig pointing at a port where no API server listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = json.loads(cp.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{port}"
    path = tmp_path / "dead.conf"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


def test_report_role_against_the_inventory_api(tmp_path):
    """edgeworker_report against the real all-in-one service with http_basic: reports land;
    unknown host (404), not an edgeworker (409), bad report (400) and a wrong password (401) fail
    naming the host and the API's reason; the password never shows in -vvv."""
    from tests.playbook.controller_sysinv import ADMIN_PW, basic_service, call

    state = tmp_path / "aio"
    state.mkdir()
    with basic_service(state) as svc:
        for name, mac in (("edge-01", "52:54:00:ee:00:01"), ("edge-02", "52:54:00:ee:00:02"),
                          ("edge-03", "52:54:00:ee:00:03")):
            status, _ = call(svc, "POST", "/v1/ihosts",
                             {"hostname": name, "personality": "edgeworker", "mgmt_mac": mac})
            assert status == 200
        status, bare = call(svc, "POST", "/v1/ihosts", {"mgmt_mac": "52:54:00:ee:00:09"})
        assert status == 200
        _, edge01 = call(svc, "GET", "/v1/ihosts/edge-01")
        status, _ = call(svc, "POST", "/v1/labels/%s?overwrite=False" % edge01["uuid"],
                         {"gpu": "nvidia", "example.com/rack": ""})
        assert status == 200
        hosts = {
            "edge-01": {"do_lookup": True, "edgeworker_report_state": "provisioned",
                        "edgeworker_report_step": "edgeworker_node",
                        "edgeworker_report_kubelet_version": "v1.29.2"},
            "edge-02": {"edgeworker_report_state": "failed", "edgeworker_report_step": "join",
                        "edgeworker_report_error": "kubeadm join: token expired"},
            "ghost": {"do_lookup": True},
            "ghost-report": {"edgeworker_report_host": "nope"},
            "bare-lookup": {"do_lookup": True, "edgeworker_report_host": bare["uuid"]},
            "bare-report": {"edgeworker_report_host": bare["uuid"]},
            "edge-03": {"edgeworker_report_state": "provisioned"},
            "wrongpw": {"edgeworker_report_host": "edge-03",
                        "edgeworker_sysinv_password": "not-the-password"},
        }
        play = {"name": "Report", "hosts": "all:!localhost", "gather_facts": False, "tasks": [
            {"name": "Look up", "ansible.builtin.include_role": {
                "name": "edgeworker_report", "tasks_from": "lookup.yml"},
             "when": "do_lookup | default(false)"},
            {"name": "Test | The lookup found the host", "ansible.builtin.assert": {
                "that": ["edgeworker_sysinv_host.hostname == 'edge-01'",
                         "edgeworker_sysinv_host.personality == 'edgeworker'"]},
             "when": "do_lookup | default(false)"},
            {"name": "Test | The lookup read the host's labels", "ansible.builtin.assert": {
                "that": "sysinv_labels == {'gpu': 'nvidia', 'example.com/rack': ''}"},
             "when": "inventory_hostname == 'edge-01'"},
            {"name": "Report", "ansible.builtin.include_role": {"name": "edgeworker_report"}},
            {"name": "Test | The role returned the host", "ansible.builtin.assert": {
                "that": "edgeworker_report_result.hostname == inventory_hostname"}}]}
        group_vars = {"edgeworker_sysinv_url": svc.url, "edgeworker_sysinv_username": "admin",
                      "edgeworker_sysinv_password": ADMIN_PW,
                      "edgeworker_report_state": "provisioning"}
        result = cr.run(tmp_path, [play], cr.write_inventory(tmp_path, hosts, group_vars),
                        verbose=True)
        out = " ".join(result.stdout.split())
        assert result.returncode == 2
        stats = {h: s["failed"] for h, s in recap(result.stdout).items()}
        assert stats == {"edge-01": 0, "edge-02": 0, "ghost": 1, "ghost-report": 1,
                         "bare-lookup": 1, "bare-report": 1, "edge-03": 1, "wrongpw": 1}
        _, got = call(svc, "GET", "/v1/ihosts/edge-01")
        assert (got["provision_state"], got["provision_step"], got["kubelet_version"],
                got["invprovision"]) == ("provisioned", "edgeworker_node", "v1.29.2",
                                         "provisioned")
        _, got = call(svc, "GET", "/v1/ihosts/edge-02")
        assert (got["provision_state"], got["provision_error"]) == (
            "failed", "kubeadm join: token expired")
        _, got = call(svc, "GET", "/v1/ihosts/edge-03")
        assert got["provision_state"] == "unprovisioned"
    url = svc.url
    assert f"Host ghost is not in the inventory at {url}; register it first: system host-add " \
        "-n ghost -p edgeworker" in out
    assert f"Could not report nope as provisioning to {url}: HTTP 404: Host nope could not " \
        "be found." in out
    assert f"Host {bare['uuid']} is registered as unprovisioned, not edgeworker" in out
    assert f"Could not report {bare['uuid']} as provisioning to {url}: HTTP 409: Provisioning " \
        "reports are accepted only for edgeworker hosts" in out
    assert f"Could not report edge-03 as provisioned to {url}: HTTP 400: kubelet_version is " \
        "required when provision_state is provisioned." in out
    assert f"Could not report edge-03 as provisioning to {url}: HTTP 401: Authentication " \
        "failed: invalid username or password." in out
    basic = base64.b64encode(f"admin:{ADMIN_PW}".encode()).decode()
    assert "ESTABLISH LOCAL CONNECTION" in result.stdout  # really -vvv
    for secret in (ADMIN_PW, basic, "not-the-password"):
        assert secret not in result.stdout + result.stderr


def test_syntax_check_and_ansible_lint(tmp_path):
    """--syntax-check of a playbook using every entry point; ansible-lint (production profile,
    the repository's .ansible-lint) on the two roles when ansible-lint is installed."""
    plays = [cr.controller_play(), cr.cleanup_play(),
             {"name": "Report", "hosts": "all", "gather_facts": False, "tasks": [
                 {"name": "Look up", "ansible.builtin.include_role": {
                     "name": "edgeworker_report", "tasks_from": "lookup.yml"}},
                 {"name": "Report", "ansible.builtin.include_role": {
                     "name": "edgeworker_report"}}]}]
    argv = cr.command(tmp_path, plays, cr.write_inventory(tmp_path)) + ["--syntax-check"]
    result = subprocess.run(argv, env=cr.env(tmp_path), cwd=str(tmp_path), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lint = cr.BIN / "ansible-lint"
    if not lint.exists():
        pytest.skip("ansible-lint is not installed (pip install -r test-requirements.txt)")
    roles = cr.PLAYBOOK_DIR / "roles"
    targets = [str(roles / "edgeworker_controller"), str(roles / "edgeworker_report")]
    result = subprocess.run([str(lint), "--nocolor", "--profile", "production", *targets],
                            cwd=str(cr.REPO), capture_output=True, text=True, timeout=300,
                            check=False,
                            env=dict(cr.env(tmp_path), ANSIBLE_CONFIG=str(cr.ANSIBLE_CFG)))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-4000:]
    assert "Profile 'production' was required, and it passed." in result.stderr + result.stdout
