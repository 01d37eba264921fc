"""sysinv-edgeworker-kube-check and ``system kube-skew-check`` end to end: a real all-in-one
service (the inventory) and the loopback Kubernetes API server double (tests/kubeapi.py)
holding Nodes at chosen kubelet versions; the real console scripts as subprocesses."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli_aio
from tests.kubeapi import start_control_plane
from tests.servers._proc import free_port

pytestmark = pytest.mark.functional

CHECK = Path(sys.executable).parent / "sysinv-edgeworker-kube-check"


add_node = cli_aio.add_node


KUBE_NODES = [("controller-0", "v1.29.2", {"node-role.kubernetes.io/control-plane": ""}),
              ("edge-01", "v1.29.2"), ("edge-02", "v1.28.7"),
              ("stray-1", "v1.29.2")]  # stray-1: in the cluster, not in the inventory


@pytest.fixture(scope="module")
def service(kube_service):
    """This module's all-in-one service reaches the loopback cluster."""
    return kube_service


@pytest.fixture(scope="module")
def inventory(system):
    for i, name in enumerate(("edge-01", "edge-02", "edge-03"), 1):  # edge-03 has no Node
        res = system("host-add", "-n", name, "-p", "edgeworker", "-m", "52:54:00:cc:00:%02x" % i)
        assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def run(service, kube, inventory):
    def _run(*args, kubeconfig=None, url=None, command=(str(CHECK),)):
        cmd = list(command) + ["--kubeconfig", str(kubeconfig or kube.kubeconfig)]
        return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True,
                              timeout=60, check=False,
                              env=cli_aio.clean_env(SYSTEM_URL=url or service.url))
    return _run


def verdicts(res):
    doc = json.loads(res.stdout)
    return {r["hostname"]: r["verdict"] for r in doc["edgeworkers"]}, doc


def test_current_control_plane_ok_needs_upgrade_missing_and_extra(run):
    res = run("--format", "json")
    assert res.returncode == 0, res.stderr
    got, doc = verdicts(res)
    assert got == {"edge-01": "ok", "edge-02": "needs-upgrade", "edge-03": "unknown"}
    assert doc["control_plane"]["apiserver_versions"] == ["v1.29.2"]
    assert doc["missing_from_cluster"] == ["edge-03"]
    assert [n["name"] for n in doc["not_in_inventory"]] == ["stray-1"]
    assert doc["safe"] is True and doc["exit_code"] == 0 and doc["error"] is None
    assert res.stderr == ""


def test_target_one_minor_ahead_needs_upgrade(run):
    res = run("--target-version", "v1.30.2", "--format", "json")
    assert res.returncode == 0, res.stderr
    got, doc = verdicts(res)
    assert got == {"edge-01": "needs-upgrade", "edge-02": "needs-upgrade", "edge-03": "unknown"}
    assert doc["target_version"] == "v1.30.2"


def test_target_four_minors_ahead_blocks_upgrade_exit_3(run):
    res = run("--target-version", "1.33.0", "--format", "json")
    assert res.returncode == 3, res.stderr
    got, doc = verdicts(res)
    assert got["edge-01"] == got["edge-02"] == "blocks-upgrade"
    row = next(r for r in doc["edgeworkers"] if r["hostname"] == "edge-01")
    assert "the target v1.33.0 would strand it" in row["reason"]
    assert doc["safe"] is False and doc["summary"]["blocks-upgrade"] == 2


def test_table_output(run):
    res = run("--target-version", "v1.33.0")
    assert res.returncode == 3
    lines = res.stdout.splitlines()
    assert lines[0] == "Control plane: v1.29.2 (from /version)"
    assert lines[1] == "Target version: v1.33.0"
    table = "\n".join(lines)
    assert "| edge-01  | yes          | yes        | v1.29.2 | yes   | blocks-upgrade |" in table
    assert "| edge-03  | yes          | no         | -       | -     | unknown        |" in table
    assert "| stray-1  | no           | yes        | v1.29.2 | yes   | blocks-upgrade |" in table
    assert "In the inventory, not in the cluster: edge-03" in lines
    assert "In the cluster, not in the inventory: stray-1" in lines
    refused = ("the control plane cannot go from v1.29.2 (its oldest kube-apiserver) to "
               "v1.33.0: kubeadm upgrades one minor version at a time; upgrade to the latest "
               "v1.30.x first")
    assert lines[2] == "Control plane refused: " + refused
    assert lines[-1] == ("Result: UNSAFE: 2 edgeworkers would be stranded (blocks-upgrade); "
                         "%s (exit 3)" % refused)


def test_strict_counts_unknown(run):
    assert run("--strict", "--format", "json").returncode == 3


def test_unreachable_cluster_exit_4(run, tmp_path):
    dead = start_control_plane(tmp_path)
    dead.stop()
    res = run("--format", "json", kubeconfig=dead.kubeconfig)
    assert res.returncode == 4
    doc = json.loads(res.stdout)
    assert doc["error"].startswith("cannot reach the Kubernetes API at https://127.0.0.1:")
    assert {r["verdict"] for r in doc["edgeworkers"]} == {"unknown"}
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("sysinv-edgeworker-kube-check: error: cannot reach")


def test_missing_kubeconfig_exit_4(run, tmp_path):
    res = run(kubeconfig=tmp_path / "nope.conf")
    assert res.returncode == 4
    assert "kubeconfig %s does not exist" % (tmp_path / "nope.conf") in res.stderr
    assert res.stdout.splitlines()[-1].startswith("Result: cannot check: kubeconfig")


def test_unreachable_api_exit_4(run):
    res = run("--format", "json", url="http://127.0.0.1:%d" % free_port())
    assert res.returncode == 4
    assert "inventory API" in json.loads(res.stdout)["error"]
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("args, fragment", [
    (["--target-version", "banana"], "argument --target-version: 'banana' is not a Kubernetes"),
    (["--target-version", "1.30"], "argument --target-version: '1.30' is not"),
    (["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    (["--request-timeout", "0"], "argument --request-timeout: '0' is not a positive number"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_exit_2(run, args, fragment):
    res = run(*args)
    assert res.returncode == 2
    assert fragment in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_malformed_system_url_is_a_usage_error(run):
    res = run(url="ftp://nowhere")
    assert res.returncode == 2 and "Invalid service URL" in res.stderr


def test_help_explains_verdicts_and_exit_codes():
    res = subprocess.run([str(CHECK), "--help"], capture_output=True, text=True, check=False)
    assert res.returncode == 0
    for text in ("blocks-upgrade", "needs-upgrade", "exit codes:",
                 "3  unsafe, and the Result line says why",
                 "4  the cluster (--kubeconfig) or the inventory API", "2  usage error"):
        assert text in res.stdout


def test_system_kube_skew_check_subcommand(run):
    cmd = tuple(cli_aio.system_command()) + ("kube-skew-check",)
    res = run("--target-version", "v1.33.0", "--format", "json", command=cmd)
    assert res.returncode == 3, res.stderr
    assert verdicts(res)[0]["edge-01"] == "blocks-upgrade"
    res = run("--target-version", "v1.30.2", command=cmd)
    assert res.returncode == 0 and "needs-upgrade" in res.stdout
    res = run("--target-version", "nope", command=cmd)
    assert res.returncode == 2 and "argument --target-version" in res.stderr


def test_host_delete_removes_the_node(system, run, kube):
    assert system("host-add", "-n", "edge-08", "-p", "edgeworker",
                  "-m", "52:54:00:cc:00:08").returncode == 0
    add_node(kube, "edge-08", "v1.29.2")
    token = kube.create_token(description="edgeworker join of edge-08")
    res = system("host-delete", "edge-08")
    assert (res.returncode, res.stderr) == (0, "")
    assert "edge-08" not in kube.nodes()
    secrets = kube.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]
    assert "bootstrap-token-" + token[:6] not in {s["metadata"]["name"] for s in secrets}


def test_host_delete_warns_when_the_cluster_is_unreachable(tmp_path):
    """The delete succeeds and ``system host-delete`` prints the service's Warning header."""
    missing = tmp_path / "no-such-admin.conf"
    extra = "[kubernetes]\nkubeconfig = %s\n" % missing
    with cli_aio.run_service(tmp_path, extra) as svc:
        system = cli_aio.make_runner(svc)
        assert system("host-add", "-n", "edge-09", "-p", "edgeworker",
                      "-m", "52:54:00:cc:00:09").returncode == 0
        res = system("host-delete", "edge-09")
        assert res.returncode == 0 and res.stdout == "Deleted host edge-09\n"
        assert res.stderr == (
            "Warning: host edge-09 was deleted from the inventory, but its Kubernetes Node and "
            "bootstrap tokens could not be removed: kubeconfig %s does not exist; remove them "
            "with kubectl delete node edge-09 and kubeadm token delete <id> for its bootstrap "
            "tokens (kubeadm token list: the description names the host) when the cluster is "
            "back\n" % missing)
        assert system("host-show", "edge-09").returncode == 1


def test_insecure_kubeconfig_is_said_once_in_our_words(run, kube, tmp_path):
    # insecure-skip-tls-verify: urllib3 warns once per request (several here: /version,
    # apiserver pods, nodes); the check says it once, itself.
    conf = json.loads(Path(kube.kubeconfig).read_text())
    cluster = conf["clusters"][0]["cluster"]
    del cluster["certificate-authority-data"]
    cluster["insecure-skip-tls-verify"] = True
    insecure = tmp_path / "insecure.conf"
    insecure.write_text(json.dumps(conf))
    insecure.chmod(0o600)
    res = run("--format", "json", kubeconfig=insecure)
    assert res.returncode == 0, res.stderr
    notice = ("kubeconfig %s skips TLS verification (insecure-skip-tls-verify): the certificate "
              "of the Kubernetes API at %s is not checked" % (insecure, kube.server_url))
    assert res.stderr == "sysinv-edgeworker-kube-check: warning: %s\n" % notice
    assert json.loads(res.stdout)["warnings"] == [notice]
