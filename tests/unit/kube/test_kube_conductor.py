"""The conductor's cluster work through the API (WebTest, rpc_transport = none, a real DB) and
the loopback Kubernetes API server: POST /v1/ihosts/kube_refresh and host-delete's Node and
bootstrap-token clean-up."""

from sysinv_edgeworker.kube import cluster
from tests.kubeapi import start_control_plane
from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, post

REFRESH = "/v1/ihosts/kube_refresh"


def add_node(api, name, kubelet="v1.29.2", ready="True", labels=None):
    api.request("POST", "/api/v1/nodes", {
        "metadata": {"name": name, "labels": labels or {}},
        "status": {"nodeInfo": {"kubeletVersion": kubelet},
                   "conditions": [{"type": "Ready", "status": ready}]}})


def test_refresh_records_kubelet_ready_and_last_seen(kube, api):
    post(api, edgeworker("edge-01", MAC1))
    post(api, edgeworker("edge-02", MAC2))
    post(api, edgeworker("edge-03", "52:54:00:aa:bb:03"))
    post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": "52:54:00:aa:bb:04"})
    add_node(kube, "edge-01", "v1.29.2", "True")
    add_node(kube, "edge-02", "v1.28.7", "False")
    add_node(kube, "worker-0")
    add_node(kube, "stray-1")
    add_node(kube, "controller-0", labels={"node-role.kubernetes.io/control-plane": ""})
    got = api.post_json(REFRESH, {}).json
    assert got["updated"] == ["edge-01", "edge-02"]
    assert got["missing_from_cluster"] == ["edge-03"]
    assert got["not_in_inventory"] == ["stray-1", "worker-0"]  # worker-0 is no edgeworker
    hosts = {h["hostname"]: h for h in api.get("/v1/ihosts").json["ihosts"]}
    assert (hosts["edge-01"]["kubelet_version"], hosts["edge-01"]["kube_node_ready"]) == (
        "v1.29.2", True)
    assert (hosts["edge-02"]["kubelet_version"], hosts["edge-02"]["kube_node_ready"]) == (
        "v1.28.7", False)
    assert hosts["edge-01"]["kube_last_seen"] == got["refreshed_at"]
    assert hosts["edge-03"]["kube_node_ready"] is None
    assert hosts["edge-03"]["kube_last_seen"] is None
    assert hosts["edge-03"]["kubelet_version"] is None
    assert hosts["worker-0"]["kube_last_seen"] is None
    # The Node goes away: the host keeps its last kubelet version and last-seen time.
    kube.delete_node("edge-01")
    again = api.post(REFRESH).json  # no body is fine too
    assert again["missing_from_cluster"] == ["edge-01", "edge-03"]
    host = api.get("/v1/ihosts/edge-01").json
    assert host["kube_node_ready"] is None and host["kubelet_version"] == "v1.29.2"
    assert host["kube_last_seen"] == got["refreshed_at"]


def test_refresh_reports_a_ready_unknown_node_distinctly(kube, api):
    # A dead node: the node controller set its Ready condition to Unknown.
    post(api, edgeworker("edge-01", MAC1))
    post(api, edgeworker("edge-02", MAC2))
    add_node(kube, "edge-01", "v1.29.2", "Unknown")
    add_node(kube, "edge-02", "v1.29.2", "False")
    got = api.post_json(REFRESH, {}).json
    assert got["ready_unknown"] == ["edge-01"]
    hosts = {h["hostname"]: h for h in api.get("/v1/ihosts").json["ihosts"]}
    # Not null ("no Ready condition"): the Node is not Ready.
    assert hosts["edge-01"]["kube_node_ready"] is False
    assert hosts["edge-02"]["kube_node_ready"] is False


def test_refresh_when_disabled_is_400(conf, api):
    conf.set_override("enabled", False, group="kubernetes")
    resp = api.post_json(REFRESH, {}, status=400)
    assert fault(resp) == ("kube_refresh needs the Kubernetes cluster, and [kubernetes] enabled "
                           "is false in the conductor's configuration.")


def test_refresh_when_unreachable_is_503_and_changes_nothing(conf, api, tmp_path):
    dead = start_control_plane(tmp_path)
    dead.stop()
    conf.set_override("kubeconfig", str(dead.kubeconfig), group="kubernetes")
    post(api, edgeworker())
    resp = api.post_json(REFRESH, {}, status=503)
    assert fault(resp).startswith("The Kubernetes cluster could not be queried: cannot reach "
                                  "the Kubernetes API at https://127.0.0.1:")
    assert api.get("/v1/ihosts/edge-01").json["kube_last_seen"] is None


def test_delete_edgeworker_removes_node_and_its_tokens(kube, api):
    post(api, edgeworker("edge-01"))
    add_node(kube, "edge-01")
    add_node(kube, "edge-010")
    mine = kube.create_token(description="join of edge-01")
    other = kube.create_token(description="join of edge-010")
    resp = api.delete("/v1/ihosts/edge-01", status=204)
    assert "Warning" not in resp.headers
    assert set(kube.nodes()) == {"edge-010"}
    names = {s["metadata"]["name"] for s in
             kube.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]}
    assert "bootstrap-token-" + other[:6] in names
    assert "bootstrap-token-" + mine[:6] not in names
    api.get("/v1/ihosts/edge-01", status=404)


def test_delete_dead_node_without_node_object(kube, api):
    post(api, edgeworker("edge-01"))
    resp = api.delete("/v1/ihosts/edge-01", status=204)
    assert "Warning" not in resp.headers  # no Node: nothing to remove, nothing to warn about
    api.get("/v1/ihosts/edge-01", status=404)


def test_delete_with_unreachable_cluster_still_deletes_and_warns(conf, api, tmp_path):
    dead = start_control_plane(tmp_path)
    dead.stop()
    conf.set_override("kubeconfig", str(dead.kubeconfig), group="kubernetes")
    post(api, edgeworker("edge-01"))
    resp = api.delete("/v1/ihosts/edge-01", status=204)
    warning = resp.headers["Warning"]
    assert warning.startswith('299 - "host edge-01 was deleted from the inventory, but its '
                              'Kubernetes Node and bootstrap tokens could not be removed: '
                              'cannot reach the Kubernetes API at https://127.0.0.1:')
    assert warning.endswith("; remove them with kubectl delete node edge-01 and kubeadm token "
                            "delete <id> for its bootstrap tokens (kubeadm token list: the "
                            'description names the host) when the cluster is back"')
    api.get("/v1/ihosts/edge-01", status=404)


def test_delete_with_tokens_forbidden_says_what_was_done_and_what_is_left(kube, conf, api):
    # The Node can be deleted, the bootstrap tokens (Secrets) cannot even be listed: 403.
    conf.set_override("kubeconfig", str(kube.kubeconfig_without_secrets()), group="kubernetes")
    post(api, edgeworker("edge-01"))
    add_node(kube, "edge-01")
    kube.create_token(description="join of edge-01")
    warning = api.delete("/v1/ihosts/edge-01", status=204).headers["Warning"]
    assert set(kube.nodes()) == set()
    assert warning == (
        '299 - "host edge-01 was deleted from the inventory and its Kubernetes Node was deleted, '
        "but its bootstrap tokens could not be removed: Kubernetes API at %s: list bootstrap "
        "tokens failed: HTTP 403 secrets is forbidden: User \\\"edgelab-no-secrets\\\" cannot "
        "list resource \\\"secrets\\\" in the namespace 'kube-system'; remove them with "
        "kubeadm token delete <id> for its bootstrap tokens (kubeadm token list: the description "
        "names the host) with credentials that are allowed to (the kubeconfig's were refused)\""
        % kube.server_url)


def test_delete_when_disabled_leaves_the_cluster_alone(kube, conf, api):
    conf.set_override("enabled", False, group="kubernetes")
    post(api, edgeworker("edge-01"))
    add_node(kube, "edge-01")
    resp = api.delete("/v1/ihosts/edge-01", status=204)
    assert "Warning" not in resp.headers
    assert set(kube.nodes()) == {"edge-01"}


def test_delete_of_a_worker_does_not_touch_the_cluster(kube, api):
    post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": MAC1})
    add_node(kube, "worker-0")
    resp = api.delete("/v1/ihosts/worker-0", status=204)
    assert "Warning" not in resp.headers
    assert set(kube.nodes()) == {"worker-0"}


def test_cluster_module_is_not_imported_by_the_api_start_up():
    import subprocess
    import sys
    code = ("import sys; from sysinv_edgeworker.api import app; "
            "from sysinv_edgeworker.conductor import manager; "
            "print('kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
    assert cluster.DEFAULT_KUBECONFIG == "/etc/kubernetes/admin.conf"


def test_insecure_kubeconfig_is_logged_once_without_urllib3_noise(kube, conf, api, tmp_path,
                                                                  caplog):
    import json
    import warnings
    from pathlib import Path
    kubeconfig = json.loads(Path(kube.kubeconfig).read_text())
    del kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]
    kubeconfig["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
    insecure = tmp_path / "insecure.conf"
    insecure.write_text(json.dumps(kubeconfig))
    conf.set_override("kubeconfig", str(insecure), group="kubernetes")
    post(api, edgeworker("edge-01", MAC1))
    add_node(kube, "edge-01")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.post_json(REFRESH, {})
        api.post_json(REFRESH, {})
    assert [str(w.message) for w in caught if "Unverified HTTPS" in str(w.message)] == []
    said = [r.getMessage() for r in caplog.records if "skips TLS verification" in r.getMessage()]
    assert said == ["kubeconfig %s skips TLS verification (insecure-skip-tls-verify): the "
                    "certificate of the Kubernetes API at %s is not checked"
                    % (insecure, kube.server_url)]
