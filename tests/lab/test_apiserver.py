"""The lab API server answers the official kubernetes Python client like a real API server."""

import base64
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
import yaml

from tests.lab import kubectl_bin
from tests.lab.cluster import new_token, token_secret

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client as k8s  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

pytestmark = pytest.mark.lab


@pytest.fixture
def api(lab_cluster):
    api_client = k8s_config.new_client_from_config(config_file=str(lab_cluster.kubeconfig))
    yield api_client
    api_client.close()


def test_version_comes_from_the_server(api, lab_cluster):
    info = k8s.VersionApi(api).get_code()
    assert info.git_version == lab_cluster.version == "v1.29.2"
    assert (info.major, info.minor) == ("1", "29")


def test_kubeadm_config_names_version_and_endpoint(api, lab_cluster):
    cm = k8s.CoreV1Api(api).read_namespaced_config_map("kubeadm-config", "kube-system")
    assert f"kubernetesVersion: {lab_cluster.version}" in cm.data["ClusterConfiguration"]
    assert f"controlPlaneEndpoint: {lab_cluster.endpoint}" in cm.data["ClusterConfiguration"]


def test_bootstrap_token_secret_lifecycle(api):
    core = k8s.CoreV1Api(api)
    token = new_token()
    body = token_secret(token, ttl_seconds=900, description="lab test")
    created = core.create_namespaced_secret("kube-system", body)
    name = f"bootstrap-token-{token.split('.')[0]}"
    assert created.metadata.name == name and created.type == "bootstrap.kubernetes.io/token"
    read = core.read_namespaced_secret(name, "kube-system")
    assert base64.b64decode(read.data["description"]).decode() == "lab test"
    listed = core.list_namespaced_secret("kube-system").items
    assert name in [s.metadata.name for s in listed]
    info = core.read_namespaced_config_map("cluster-info", "kube-public")
    assert f"jws-kubeconfig-{token.split('.')[0]}" in info.data
    with pytest.raises(ApiException) as exists:
        core.create_namespaced_secret("kube-system", body)
    assert exists.value.status == 409
    core.delete_namespaced_secret(name, "kube-system")
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_secret(name, "kube-system")
    assert gone.value.status == 404
    assert (
        f"jws-kubeconfig-{token.split('.')[0]}"
        not in core.read_namespaced_config_map("cluster-info", "kube-public").data
    )


def test_nodes_ready_and_labels(api, lab_cluster):
    core = k8s.CoreV1Api(api)
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "apitest", "labels": {"a": "1"}},
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "nodeInfo": {
                k: ""
                for k in (
                    "machineID",
                    "systemUUID",
                    "bootID",
                    "kernelVersion",
                    "osImage",
                    "containerRuntimeVersion",
                    "kubeProxyVersion",
                    "operatingSystem",
                    "architecture",
                )
            }
            | {"kubeletVersion": "v1.29.2"},
        },
    }
    core.create_node(node)
    try:
        core.patch_node(
            "apitest", {"metadata": {"labels": {"node-role.kubernetes.io/edgeworker": ""}}}
        )
        core.patch_node_status(
            "apitest", {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        )
        got = core.read_node("apitest")
        assert got.metadata.labels == {"a": "1", "node-role.kubernetes.io/edgeworker": ""}
        assert [c.status for c in got.status.conditions if c.type == "Ready"] == ["True"]
        selected = core.list_node(label_selector="node-role.kubernetes.io/edgeworker").items
        assert [n.metadata.name for n in selected] == ["apitest"]
        assert core.list_node(label_selector="a=2").items == []
        assert got.status.node_info.kubelet_version == "v1.29.2"
    finally:
        core.delete_node("apitest")
    assert "apitest" not in [n.metadata.name for n in core.list_node().items]


def _raw(lab_cluster, path, headers=None):
    ctx = ssl.create_default_context(cafile=str(lab_cluster.ca_cert))
    req = urllib.request.Request(lab_cluster.server_url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_authentication_and_authorization(lab_cluster):
    assert _raw(lab_cluster, "/version") == 200
    assert _raw(lab_cluster, "/api/v1/namespaces/kube-public/configmaps/cluster-info") == 200
    assert _raw(lab_cluster, "/api/v1/nodes") == 403  # anonymous
    assert (
        _raw(lab_cluster, "/api/v1/nodes", {"Authorization": "Bearer abcdef.0123456789abcdef"})
        == 401
    )
    token = lab_cluster.create_token()
    bearer = {"Authorization": f"Bearer {token}"}
    assert (
        _raw(lab_cluster, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config", bearer) == 200
    )
    assert _raw(lab_cluster, "/api/v1/namespaces/kube-system/secrets", bearer) == 403
    lab_cluster.delete_token(token)
    assert (
        _raw(lab_cluster, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config", bearer) == 401
    )


def test_real_kubectl_reads_nodes_from_the_lab(lab_cluster):
    """A real kubectl (v1.29, installed by .ci/install: tests/lab/kubectl_bin.py, not the
    machine's PATH) talks to the lab API server."""
    kubectl = str(kubectl_bin.KUBECTL)
    assert kubectl_bin.KUBECTL.exists(), "%s is missing: run bash .ci/install" % kubectl
    node = {
        "metadata": {"name": "kubectltest", "labels": {"node-role.kubernetes.io/edgeworker": ""}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.29.2"},
        },
    }
    lab_cluster.request("POST", "/api/v1/nodes", node)
    try:
        cmd = [kubectl, "--kubeconfig", str(lab_cluster.kubeconfig)]
        table = subprocess.run(
            cmd + ["get", "nodes"], capture_output=True, text=True, check=True
        ).stdout
        assert table.split("\n")[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        assert "kubectltest   Ready    edgeworker" in table and "v1.29.2" in table
        subprocess.run(
            cmd + ["label", "node", "kubectltest", "edgelab.io/site=lab"],
            check=True,
            capture_output=True,
        )
        assert lab_cluster.nodes()["kubectltest"]["metadata"]["labels"]["edgelab.io/site"] == "lab"
        server = subprocess.run(
            cmd + ["version", "-o", "json"], capture_output=True, text=True
        ).stdout
        assert json.loads(server)["serverVersion"]["gitVersion"] == lab_cluster.version
    finally:
        lab_cluster.delete_node("kubectltest")


def test_kubernetes_core_collection_works_against_the_lab(lab, lab_cluster, tmp_path):
    """kubernetes.core (from the `ansible` bundle) reads and writes through the lab API server."""
    from tests.lab.ansible_run import ansible_bin, recap

    collections = subprocess.run(
        [ansible_bin("ansible-galaxy"), "collection", "list", "kubernetes.core"],
        capture_output=True,
        text=True,
    )
    if "kubernetes.core" not in collections.stdout:
        pytest.skip("kubernetes.core collection not installed (pip install ansible)")
    kc = str(lab_cluster.kubeconfig)
    token = new_token()
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "kubernetes.core.k8s_info": {
                        "kubeconfig": kc,
                        "kind": "ConfigMap",
                        "namespace": "kube-system",
                        "name": "kubeadm-config",
                    },
                    "register": "cm",
                },
                {
                    "ansible.builtin.assert": {
                        "that": [
                            f"'kubernetesVersion: {lab_cluster.version}' in "
                            "cm.resources[0].data.ClusterConfiguration"
                        ]
                    }
                },
                {
                    "kubernetes.core.k8s": {
                        "kubeconfig": kc,
                        "state": "present",
                        "definition": token_secret(token, 600, "ansible"),
                    },
                    "no_log": True,
                },
                {
                    "kubernetes.core.k8s": {
                        "kubeconfig": kc,
                        "state": "absent",
                        "kind": "Secret",
                        "namespace": "kube-system",
                        "name": f"bootstrap-token-{token.split('.')[0]}",
                    }
                },
            ],
        }
    ]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    result = subprocess.run(
        [
            ansible_bin("ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(tmp_path / "play.yml"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **lab.ansible_env()},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert recap(result.stdout)["localhost"]["changed"] == 2
    assert f"bootstrap-token-{token.split('.')[0]}" not in [
        s["metadata"]["name"]
        for s in lab_cluster.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]
    ]
