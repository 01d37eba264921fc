"""provision_edgeworker against REAL Kubernetes v1.20.2 (docs/lab.md, "What is real").

Real: the control plane (kubeadm-made etcd, kube-apiserver, controller-manager, scheduler,
configured like a StarlingX controller: kubelet cgroupRoot /k8sinfra, cgroupfs, CNI plugins in
/var/opt/cni/bin), the registry registry.local:9001 (Debian's docker-registry, TLS, htpasswd) with
the lab-built pause and busybox images, the 1.20.2 kubelet/kubeadm/kubectl packages carrying the
real binaries, kubeadm join, the kubelet under each host's systemd, containerd + runc, the CNI
(Debian's plugins, installed by a DaemonSet as Calico's install-cni does), the scheduler placing a
busybox pod on each edgeworker, the API service. Doubles: none (cri-tools' crictl is the lab's
stand-in built from Kubernetes' own CRI client; docs/lab.md).
"""

import re
import time
from types import SimpleNamespace

import pytest

from tests.lab.ansible_run import recap
from tests.lab.provision_api import running_service
from tests.lab.provision_run import failure_text, provision

pytestmark = [pytest.mark.lab, pytest.mark.real_k8s]

VERSION = "1.20.2"
TAINT = {"key": "edgeworker.starlingx.io/edge", "effect": "NoSchedule"}


@pytest.fixture(scope="module")
def real_fleet(lab, real_stack, tmp_path_factory):
    """Two bare systemd hosts registered in the API and provisioned once against the real
    control plane."""
    work = tmp_path_factory.mktemp("real-join")
    cluster = real_stack.cluster
    tokens_before = set(cluster.tokens())
    hosts = []
    try:
        hosts = [
            lab.add_host("ru1", "ubuntu2204", "systemd"),
            lab.add_host("rr1", "rocky9", "systemd"),
        ]
        with running_service(work / "aio", kubeconfig=cluster.kubeconfig) as api:
            for host in hosts:
                api.add_edgeworker(host)
            extra = {
                **api.report_vars(),
                **real_stack.playbook_vars(),
                "edgeworker_node_labels": {"node-role.kubernetes.io/edgeworker": ""},
                "edgeworker_node_taints": [TAINT],
            }
            first = provision(lab, hosts, work / "run1", extra, timeout=1800)
            yield SimpleNamespace(
                lab=lab,
                hosts=hosts,
                api=api,
                first=first,
                extra=extra,
                work=work,
                stack=real_stack,
                cluster=cluster,
                tokens_before=tokens_before,
            )
    finally:
        for host in hosts:
            lab.remove_host(host.name)
        for name in {
            n["metadata"]["name"] for n in cluster.request("GET", "/api/v1/nodes")["items"]
        }:
            cluster.request("DELETE", f"/api/v1/nodes/{name}")


def _node(cluster, name):
    return cluster.request("GET", f"/api/v1/nodes/{name}")


def _ready(node):
    return [c["status"] for c in node["status"].get("conditions", []) if c["type"] == "Ready"]


def _wait_ready(cluster, name, timeout=180.0):
    deadline = time.monotonic() + timeout
    while True:
        node = _node(cluster, name)
        if _ready(node) == ["True"]:
            return node
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} not Ready after {timeout}s: {node['status']}")
        time.sleep(2)


def test_both_families_join_the_real_cluster(real_fleet):
    assert real_fleet.first.returncode == 0, failure_text(real_fleet.first)
    stats = recap(real_fleet.first.stdout)
    for host in real_fleet.hosts:
        assert stats[host.name]["failed"] == 0 and stats[host.name]["rescued"] == 0
        node = _wait_ready(real_fleet.cluster, host.name)
        info = node["status"]["nodeInfo"]
        assert info["kubeletVersion"] == f"v{VERSION}"
        assert info["containerRuntimeVersion"].startswith("containerd://1.6.")
        addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
        assert addresses["InternalIP"] == host.ip  # the sysinv mgmt_ip
        assert node["metadata"]["labels"]["node-role.kubernetes.io/edgeworker"] == ""
        assert TAINT in node["spec"]["taints"]
        # the cluster's kubelet configuration reached the node, and what it needs is there
        kubelet_config = host.file("/var/lib/kubelet/config.yaml").read_text()
        assert "cgroupRoot: /k8sinfra" in kubelet_config
        assert "cgroupDriver: cgroupfs" in kubelet_config
        containerd = host.file("/etc/containerd/config.toml").read_text()
        assert "SystemdCgroup = false" in containerd
        assert 'bin_dir = "/var/opt/cni/bin"' in containerd
        assert host.file("/var/opt/cni/bin/bridge").exists()  # put there by the CNI DaemonSet
        assert host.ssh("systemctl is-enabled kubelet").stdout.strip() == "enabled"
        assert host.ssh("kubelet --version").stdout.strip() == f"Kubernetes v{VERSION}"
        flags = host.file("/var/lib/kubelet/kubeadm-flags.env").read_text()
        assert "--container-runtime=remote" in flags
        assert not host.file("/etc/kubernetes/edgeworker-join.yaml").exists()


def test_the_api_shows_them_provisioned_at_the_running_version(real_fleet):
    for host in real_fleet.hosts:
        record = real_fleet.api.host(host.name)
        assert record["provision_state"] == "provisioned", record
        assert record["kubelet_version"] == f"v{VERSION}"


def test_the_run_s_bootstrap_token_is_gone(real_fleet):
    assert set(real_fleet.cluster.tokens()) == real_fleet.tokens_before


def test_a_busybox_pod_runs_on_each_edgeworker(real_fleet):
    for host in real_fleet.hosts:
        result = real_fleet.stack.run_pod(host.name)
        assert result["node"] == host.name
        assert re.fullmatch(
            rf"hello from pod hello-{host.name} on node {host.name}\n", result["log"]
        ), result


def test_second_run_changes_nothing(real_fleet):
    again = provision(
        real_fleet.lab, real_fleet.hosts, real_fleet.work / "run2", real_fleet.extra, timeout=1200
    )
    assert again.returncode == 0, failure_text(again)
    assert {n: s["changed"] for n, s in recap(again.stdout).items() if n != "localhost"} == {
        h.name: 0 for h in real_fleet.hosts
    }


def test_the_kubelet_comes_back_after_a_restart_of_the_host(real_fleet):
    host = real_fleet.hosts[1]  # the RPM family: its packages do not enable the kubelet
    real_fleet.lab.restart_host(host.name)
    # NotReady first would be ideal, but the node-monitor grace period (40 s) may outlast the
    # reboot; what matters is that the kubelet runs again and the Node is Ready.
    assert host.ssh("systemctl is-active kubelet", check=False).stdout.strip() in (
        "active",
        "activating",
    )
    _wait_ready(real_fleet.cluster, host.name)
    assert real_fleet.stack.run_pod(host.name, name="after-restart")["node"] == host.name


@pytest.fixture(scope="module")
def spare(real_fleet):
    """One more bare host for the failures below (registered, never successfully joined)."""
    host = real_fleet.lab.add_host("rneg", "ubuntu2204", "systemd")
    real_fleet.api.add_edgeworker(host)
    yield host
    real_fleet.lab.remove_host(host.name)


def _fails_cleanly(real_fleet, host, run, overrides, step, message, node_exists=False):
    """The run fails at step with message; the API says so; nothing is half-joined."""
    result = provision(
        real_fleet.lab,
        [host],
        real_fleet.work / run,
        {**real_fleet.extra, **overrides},
        timeout=1200,
    )
    assert result.returncode != 0
    assert f"failed at '{step}'" in result.stdout, failure_text(result)
    assert re.search(message, result.stdout), failure_text(result)
    record = real_fleet.api.host(host.name)
    assert (record["provision_state"], record["provision_step"]) == ("failed", step), record
    assert re.search(message, record["provision_error"]), record
    names = {
        n["metadata"]["name"] for n in real_fleet.cluster.request("GET", "/api/v1/nodes")["items"]
    }
    assert (host.name in names) == node_exists
    assert not host.file("/etc/kubernetes/kubelet.conf").exists()
    assert not host.file("/etc/kubernetes/bootstrap-kubelet.conf").exists()
    assert not host.file("/etc/kubernetes/edgeworker-join.yaml").exists()
    assert set(real_fleet.cluster.tokens()) == real_fleet.tokens_before
    return result


def test_wrong_registry_credentials_fail_before_the_join(real_fleet, spare):
    _fails_cleanly(
        real_fleet,
        spare,
        "bad-registry",
        {"edgeworker_registry_password": "not-the-password"},
        "Prepull | Pull missing images",
        r"401|[Uu]nauthorized",
    )


def test_a_wrong_ca_hash_fails_the_join_discovery(real_fleet, spare):
    _fails_cleanly(
        real_fleet,
        spare,
        "bad-ca",
        {"edgeworker_ca_cert_hash": "sha256:" + "0" * 64},
        "Join | Fail with kubeadm's message (token redacted)",
        r"none of the public keys .* are pinned.*the cluster's CA does not match the CA hash",
    )


def test_a_deleted_token_fails_the_join(real_fleet, spare):
    token = real_fleet.cluster.create_token(ttl_seconds=600)
    real_fleet.cluster.delete_token(token)
    result = _fails_cleanly(
        real_fleet,
        spare,
        "bad-token",
        {"edgeworker_join_token": token, "edgeworker_join_token_id": token.split(".")[0]},
        "Join | Fail with kubeadm's message (token redacted)",
        r"the cluster does not know the run's bootstrap token: it was deleted or has expired",
    )
    assert token.split(".")[1] not in result.stdout + result.stderr


def test_a_name_taken_by_another_node_is_refused(real_fleet, spare):
    other = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": spare.name}}
    real_fleet.cluster.request("POST", "/api/v1/nodes", other)
    try:
        status = real_fleet.cluster.request(
            "PATCH",
            f"/api/v1/nodes/{spare.name}/status",
            {"status": {"addresses": [{"type": "InternalIP", "address": "198.18.0.250"}]}},
            content_type="application/merge-patch+json",
        )
        _fails_cleanly(
            real_fleet,
            spare,
            "name-taken",
            {},
            "Join | A Node of this name must be this host's own leftover",
            r"already exists in the cluster with address 198\.18\.0\.250",
            node_exists=True,
        )
        # the other machine's Node is untouched
        kept = real_fleet.cluster.request("GET", f"/api/v1/nodes/{spare.name}")
        assert kept["metadata"]["uid"] == status["metadata"]["uid"]
    finally:
        real_fleet.cluster.request("DELETE", f"/api/v1/nodes/{spare.name}")


def test_host_delete_removes_the_node_from_the_real_cluster(real_fleet):
    host = real_fleet.hosts[0]
    record = real_fleet.api.host(host.name)
    status, body = real_fleet.api.call("DELETE", f"/v1/ihosts/{record['uuid']}")
    assert status == 204, body
    names = {
        n["metadata"]["name"] for n in real_fleet.cluster.request("GET", "/api/v1/nodes")["items"]
    }
    assert host.name not in names
