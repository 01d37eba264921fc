"""kube/cluster.py against a server speaking the Kubernetes HTTP API over TLS with client
certificates: the loopback lab API server (tests/kubeapi.py, tests/lab/apiserver.py), through
the real ``kubernetes`` client. No client mocks. Each test starts a fresh server (~0.2 s)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sysinv_edgeworker.kube import cluster
from sysinv_edgeworker.kube import version as kv
from tests.kubeapi import start_control_plane

REPO = Path(__file__).resolve().parents[3]

KUBE_SYSTEM = "/api/v1/namespaces/kube-system"


def add_node(api, name, kubelet="v1.29.2", ready="True", labels=None, conditions=True):
    status = {"nodeInfo": {"kubeletVersion": kubelet} if kubelet is not None else {}}
    if conditions:
        status["conditions"] = [{"type": "MemoryPressure", "status": "False"},
                                {"type": "Ready", "status": ready}]
    api.request("POST", "/api/v1/nodes",
                {"metadata": {"name": name, "labels": labels or {}}, "status": status})


def add_apiserver_pod(api, name, image):
    api.request("POST", KUBE_SYSTEM + "/pods", {
        "metadata": {"name": name, "labels": {"component": "kube-apiserver",
                                              "tier": "control-plane"}},
        "spec": {"containers": [{"name": "kube-apiserver", "image": image}]}})


def test_single_apiserver_version_from_version_endpoint(kube_api):
    kube = cluster.KubeCluster(kube_api.kubeconfig)
    got = kube.apiserver_versions()
    assert got.versions == (kv.parse("v1.29.2"),) and got.source == "version"
    assert kube.server_version() == kv.parse("v1.29.2")


def test_ha_apiserver_versions_from_pods(kube_api):
    add_apiserver_pod(kube_api, "kube-apiserver-controller-0",
                      "registry.k8s.io/kube-apiserver:v1.28.7")
    add_apiserver_pod(kube_api, "kube-apiserver-controller-1",
                      "registry.local:9001/k8s.gcr.io/kube-apiserver:v1.29.2")
    add_apiserver_pod(kube_api, "kube-apiserver-broken", "registry.k8s.io/kube-apiserver")
    kube_api.request("POST", KUBE_SYSTEM + "/pods", {  # not an apiserver: ignored
        "metadata": {"name": "etcd-0", "labels": {"component": "etcd"}},
        "spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.10-0"}]}})
    got = cluster.KubeCluster(kube_api.kubeconfig).apiserver_versions()
    assert [str(v) for v in got.versions] == ["v1.28.7", "v1.29.2"]
    assert got.source == "pods" and str(got.oldest) == "v1.28.7" and str(got.newest) == "v1.29.2"


def test_nodes_with_kubelet_version_and_ready(kube_api):
    add_node(kube_api, "edge-01", "v1.29.2", "True")
    add_node(kube_api, "edge-02", "v1.28.7", "False")
    add_node(kube_api, "edge-03", None, conditions=False)
    add_node(kube_api, "controller-0", labels={"node-role.kubernetes.io/control-plane": ""})
    nodes = {n.name: n for n in cluster.KubeCluster(kube_api.kubeconfig).nodes()}
    assert nodes["edge-01"] == cluster.Node("edge-01", "v1.29.2", True, False, False)
    assert nodes["edge-02"].ready is False and nodes["edge-02"].kubelet_version == "v1.28.7"
    assert nodes["edge-03"].ready is None and nodes["edge-03"].kubelet_version is None
    assert (nodes["edge-01"].ready_condition, nodes["edge-02"].ready_condition,
            nodes["edge-03"].ready_condition) == ("True", "False", None)
    assert nodes["controller-0"].control_plane


def test_ready_unknown_is_not_ready_and_kept_distinct(kube_api):
    add_node(kube_api, "edge-01", ready="Unknown")  # the node controller lost the kubelet
    node, = cluster.KubeCluster(kube_api.kubeconfig).nodes()
    assert node.ready is False and node.ready_condition == "Unknown"


def test_remove_node_cordons_then_deletes_and_tolerates_absence(kube_api):
    add_node(kube_api, "edge-01", ready="Unknown")  # a dead node
    add_node(kube_api, "edge-02")
    kube = cluster.KubeCluster(kube_api.kubeconfig)
    assert kube.cordon("edge-02") is True
    assert kube_api.nodes()["edge-02"]["spec"]["unschedulable"] is True
    assert kube.remove_node("edge-01") is True
    assert set(kube_api.nodes()) == {"edge-02"}
    assert kube.remove_node("edge-01") is False
    assert kube.delete_node("nope") is False and kube.cordon("nope") is False


def test_delete_bootstrap_tokens_naming_the_host(kube_api):
    mine = kube_api.create_token(description="edgeworker join of edge-1 (run 42)")
    labelled = kube_api.create_token(description="no host named here")
    kube_api.request("PATCH", KUBE_SYSTEM + "/secrets/bootstrap-token-" + labelled[:6],
                     {"metadata": {"labels": {cluster.TOKEN_HOST_LABEL: "edge-1"}}},
                     content_type="application/merge-patch+json")
    other = kube_api.create_token(description="edgeworker join of edge-10")
    dotted = kube_api.create_token(description="for edge-1.example.com")
    kube_api.request("POST", KUBE_SYSTEM + "/secrets", {  # not a token: never touched
        "metadata": {"name": "bootstrap-token-zzzzzz"}, "type": "Opaque",
        "stringData": {"description": "edge-1"}})
    deleted = cluster.KubeCluster(kube_api.kubeconfig).delete_bootstrap_tokens("edge-1")
    assert sorted(deleted) == sorted("bootstrap-token-" + t[:6] for t in (mine, labelled))
    left = {s["metadata"]["name"] for s in
            kube_api.request("GET", KUBE_SYSTEM + "/secrets")["items"]}
    assert {"bootstrap-token-" + other[:6], "bootstrap-token-" + dotted[:6],
            "bootstrap-token-zzzzzz"} <= left
    assert not ({"bootstrap-token-" + mine[:6], "bootstrap-token-" + labelled[:6]} & left)


@pytest.mark.parametrize("description, hostname, match", [
    ("edgeworker join of edge-1", "edge-1", True),
    ("edge-1", "edge-1", True),
    ("hosts: edge-1, edge-2", "edge-2", True),
    ("edgeworker join of edge-10", "edge-1", False),
    ("xedge-1", "edge-1", False),
    ("edge-1.lab", "edge-1", False),
    ("edge-1.", "edge-1", True),
    ("", "edge-1", False),
])
def test_token_names_host(description, hostname, match):
    import base64
    secret = {"type": cluster.TOKEN_TYPE, "metadata": {},
              "data": {"description": base64.b64encode(description.encode()).decode()}}
    assert cluster.token_names_host(secret, hostname) is match


def test_unreachable_cluster_is_one_clear_error(tmp_path):
    api = start_control_plane(tmp_path)
    api.stop()  # the kubeconfig is valid; nothing listens any more
    kube = cluster.KubeCluster(api.kubeconfig, timeout=2)
    for call in (kube.nodes, kube.apiserver_versions, lambda: kube.remove_node("x"),
                 lambda: kube.delete_bootstrap_tokens("x")):
        with pytest.raises(cluster.ClusterUnreachable) as err:
            call()
        msg = str(err.value)
        assert msg.startswith("cannot reach the Kubernetes API at https://127.0.0.1:")
        assert "Connection refused" in msg and "\n" not in msg


@pytest.mark.parametrize("content, fragment", [
    (None, "does not exist"),
    ("", "is not usable"),
    ("not: [yaml", "is not usable"),
    (json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [],
                 "users": []}), "is not usable"),
])
def test_bad_kubeconfig(tmp_path, content, fragment):
    path = tmp_path / "kubeconfig"
    if content is not None:
        path.write_text(content)
    with pytest.raises(cluster.ClusterUnreachable) as err:
        cluster.KubeCluster(path).nodes()
    assert str(err.value).startswith("kubeconfig %s " % path) and fragment in str(err.value)


_READ_KUBECONFIG = """
import sys
from sysinv_edgeworker.kube import cluster
try:
    cluster.KubeCluster(sys.argv[1]).nodes()
except cluster.ClusterUnreachable as err:
    print(err)
"""


def test_unreadable_kubeconfig(kube_api, tmp_path):
    """A kubeconfig of mode 0 is refused with "permission denied". Root reads any file, so
    as root the check runs in a child without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (setpriv
    drops them from its bounding set): the file's mode binds root too."""
    path = tmp_path / "admin.conf"
    path.write_bytes(kube_api.kubeconfig.read_bytes())
    path.chmod(0)
    argv = [sys.executable, "-c", _READ_KUBECONFIG, str(path)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                "--inh-caps", "-all"] + argv
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=str(REPO))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "kubeconfig %s cannot be read (permission denied)\n" % path


def test_untrusted_server_certificate(kube_api, tmp_path):
    config = json.loads(kube_api.kubeconfig.read_text())
    config["clusters"][0]["cluster"].pop("certificate-authority-data")
    path = tmp_path / "other.conf"
    path.write_text(json.dumps(config))
    with pytest.raises(cluster.ClusterUnreachable, match="cannot reach the Kubernetes API"):
        cluster.KubeCluster(path).nodes()


def test_forbidden_is_reported_with_the_server_message(kube_api, tmp_path):
    config = json.loads(kube_api.kubeconfig.read_text())
    user = config["users"][0]["user"]
    user.pop("client-certificate-data"), user.pop("client-key-data")
    path = tmp_path / "anonymous.conf"
    path.write_text(json.dumps(config))
    with pytest.raises(cluster.ClusterUnreachable) as err:
        cluster.KubeCluster(path).nodes()
    assert "list nodes failed: HTTP 403" in str(err.value)
    assert 'User "system:anonymous" cannot list' in str(err.value)


def test_a_silent_server_is_bounded_by_the_request_timeout(kube_api, tmp_path):
    """A server that accepts TCP connections and never answers (a hung apiserver): each
    call gives up after request_timeout, with no retries."""
    import socket
    import time
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        config = json.loads(kube_api.kubeconfig.read_text())
        config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:%d" % (
            silent.getsockname()[1])
        path = tmp_path / "silent.conf"
        path.write_text(json.dumps(config))
        kube = cluster.KubeCluster(path, timeout=0.5)
        start = time.monotonic()
        with pytest.raises(cluster.ClusterUnreachable, match="cannot reach the Kubernetes API"):
            kube.remove_node("edge-01")
        assert time.monotonic() - start < 2.5
    finally:
        silent.close()
