"""GET /v1/kube_versions and /v1/kube_host_upgrades through the API (WebTest, in-process
conductor, a real DB) against the loopback Kubernetes API server (tests/kubeapi.py, a lab
double of kube-apiserver at v1.29.2)."""

import pytest

from tests.kubeapi import start_control_plane
from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, post
from tests.unit.contract import sysinv_keys as sk
from tests.unit.kube.test_kube_conductor import add_node


@pytest.fixture
def kube(conf, kube_api):
    conf.set_override("kubeconfig", str(kube_api.kubeconfig), group="kubernetes")
    conf.set_override("request_timeout", 3.0, group="kubernetes")
    return kube_api


def _fleet(api, kube):
    post(api, edgeworker("edge-01", MAC1))          # Node at the control plane's version
    post(api, edgeworker("edge-02", MAC2))          # Node one minor behind
    post(api, edgeworker("edge-03", "52:54:00:aa:bb:03"))  # Node four minors behind
    post(api, edgeworker("edge-04", "52:54:00:aa:bb:04"))  # no Node, a provisioning report
    post(api, edgeworker("edge-05", "52:54:00:aa:bb:05"))  # no Node, nothing recorded
    post(api, {"hostname": "worker-0", "personality": "worker",
               "mgmt_mac": "52:54:00:aa:bb:06"})
    api.put_json("/v1/ihosts/edge-04/provision", {"provision_state": "provisioned",
                                                   "kubelet_version": "v1.29.0"})
    add_node(kube, "edge-01", "v1.29.2")
    add_node(kube, "edge-02", "v1.28.7")
    add_node(kube, "edge-03", "v1.25.0")
    add_node(kube, "worker-0", "v1.29.2")


def test_kube_host_upgrades_per_host(kube, api):
    _fleet(api, kube)
    got = api.get("/v1/kube_host_upgrades").json["kube_host_upgrades"]
    ids = {h["hostname"]: h["id"] for h in api.get("/v1/ihosts").json["ihosts"]}
    rows = {r["hostname"]: r for r in got}
    assert sorted(rows) == ["edge-01", "edge-02", "edge-03", "edge-04", "edge-05", "worker-0"]
    for name, row in rows.items():
        assert set(row) >= sk.KUBE_HOST_UPGRADE_LIST_ENTRY
        assert row["host_id"] == ids[name] and row["target_version"] == "v1.29.2"
        assert row["control_plane_version"] is None  # no controller runs a control plane here
    summary = {n: (r["kubelet_version"], r["status"]) for n, r in rows.items()}
    assert summary == {"edge-01": ("v1.29.2", "ok"),
                       "edge-02": ("v1.28.7", "needs-upgrade"),
                       "edge-03": ("v1.25.0", "blocks-upgrade"),
                       "edge-04": ("v1.29.0", "needs-upgrade"),
                       "edge-05": (None, "unknown"),
                       "worker-0": ("v1.29.2", None)}
    assert rows["edge-03"]["status_reason"] == (
        "outside the skew policy of the current control plane: kubelet v1.25.0 is 4 minor "
        "versions older than kube-apiserver v1.29.2 (at most 3 allowed for a >= 1.25 kubelet)")
    one = api.get("/v1/kube_host_upgrades/%s" % rows["edge-03"]["uuid"]).json
    assert set(one) >= sk.KUBE_HOST_UPGRADE_SINGLE
    assert one["status"] == "blocks-upgrade"
    assert api.get("/v1/kube_host_upgrades/%d" % rows["edge-01"]["id"]).json["uuid"] == \
        rows["edge-01"]["uuid"]
    r = api.get("/v1/kube_host_upgrades/nope", status=404)
    assert fault(r) == "Kubernetes host upgrade nope could not be found."


def test_kube_versions_states_as_sysinv_counts_them(kube, api):
    _fleet(api, kube)
    got = api.get("/v1/kube_versions").json["kube_versions"]
    assert got == [{"version": "v1.25.0", "target": False, "state": "partial"},
                   {"version": "v1.28.7", "target": False, "state": "partial"},
                   {"version": "v1.29.2", "target": True, "state": "partial"}]
    one = api.get("/v1/kube_versions/v1.28.7").json
    assert set(one) == sk.KUBE_VERSION_SINGLE
    assert one["upgrade_from"] == [] and one["state"] == "partial"
    assert api.get("/v1/kube_versions/1.29.2").json["version"] == "v1.29.2"
    r = api.get("/v1/kube_versions/v1.30.0", status=404)
    assert fault(r) == "Kubernetes version v1.30.0 not found."


def test_one_version_running_is_active_and_target(kube, api):
    post(api, edgeworker("edge-01", MAC1))
    add_node(kube, "edge-01", "v1.29.2")
    assert api.get("/v1/kube_versions").json["kube_versions"] == [
        {"version": "v1.29.2", "target": True, "state": "active"}]


def test_kube_views_when_cluster_unreachable_are_503(conf, api, tmp_path):
    dead = start_control_plane(tmp_path)
    dead.stop()
    conf.set_override("kubeconfig", str(dead.kubeconfig), group="kubernetes")
    conf.set_override("request_timeout", 3.0, group="kubernetes")
    for path in ("/v1/kube_versions", "/v1/kube_versions/v1.29.2", "/v1/kube_host_upgrades"):
        r = api.get(path, status=503)
        assert fault(r).startswith("The Kubernetes cluster could not be queried: cannot reach "
                                   "the Kubernetes API at https://127.0.0.1:")


def test_kube_views_when_disabled_are_400(conf, api):
    conf.set_override("enabled", False, group="kubernetes")
    r = api.get("/v1/kube_host_upgrades", status=400)
    assert fault(r) == ("GET /v1/kube_host_upgrades needs the Kubernetes cluster, and "
                        "[kubernetes] enabled is false in the conductor's configuration.")
