"""kube_refresh, host-delete's cluster clean-up and the label methods over oslo.messaging
(fake:// driver): the RPC 1.2, 1.3 and 1.4 methods, their domain errors and results cross the bus
cleanly."""

import oslo_messaging as messaging
import pytest
import webtest

from sysinv_edgeworker.common import rpc
from sysinv_edgeworker.conductor import manager as manager_mod
from sysinv_edgeworker.conductor.rpcapi import RPC_API_VERSION, ConductorAPI
from sysinv_edgeworker.conf import register_messaging_opts
from tests.kubeapi import start_control_plane
from tests.unit.api_helpers import edgeworker, fault, post


@pytest.fixture
def kube_api(tmp_path):
    api = start_control_plane(tmp_path / "kube")
    yield api
    api.stop()


@pytest.fixture
def oslo_api(conf, db, kube_api):
    register_messaging_opts()
    conf.set_override("rpc_transport", "oslo")
    conf.set_override("transport_url", "fake:/")
    conf.set_override("rpc_timeout", 10, group="conductor")
    conf.set_override("kubeconfig", str(kube_api.kubeconfig), group="kubernetes")
    mgr = manager_mod.ConductorManager(conf)
    mgr.start()
    target = messaging.Target(topic=conf.conductor.topic, server="c1", version=RPC_API_VERSION)
    server = rpc.get_server(target, [mgr])
    server.start()
    from sysinv_edgeworker.api import app
    yield webtest.TestApp(app.setup_app(rpcapi=ConductorAPI()))
    server.stop()
    server.wait()
    rpc.cleanup()


def test_refresh_and_delete_over_rpc(oslo_api, kube_api):
    post(oslo_api, edgeworker("edge-01"))
    kube_api.request("POST", "/api/v1/nodes", {
        "metadata": {"name": "edge-01"},
        "status": {"nodeInfo": {"kubeletVersion": "v1.29.2"},
                   "conditions": [{"type": "Ready", "status": "True"}]}})
    got = oslo_api.post_json("/v1/ihosts/kube_refresh", {}).json
    assert got["updated"] == ["edge-01"]
    assert oslo_api.get("/v1/ihosts/edge-01").json["kube_node_ready"] is True
    resp = oslo_api.delete("/v1/ihosts/edge-01", status=204)
    assert "Warning" not in resp.headers and kube_api.nodes() == {}


def test_unreachable_cluster_over_rpc(oslo_api, conf, tmp_path):
    dead = start_control_plane(tmp_path / "dead")
    dead.stop()
    conf.set_override("kubeconfig", str(dead.kubeconfig), group="kubernetes")
    post(oslo_api, edgeworker("edge-01"))
    r = oslo_api.post_json("/v1/ihosts/kube_refresh", {}, status=503)
    assert fault(r).startswith("The Kubernetes cluster could not be queried: cannot reach")
    assert "_Remote" not in r.text and "Traceback" not in r.text
    resp = oslo_api.delete("/v1/ihosts/edge-01", status=204)
    assert "could not be removed" in resp.headers["Warning"]


def test_kube_views_over_rpc(oslo_api, kube_api, conf):
    """RPC 1.3 kube_cluster_versions: the result and its domain error cross the bus."""
    post(oslo_api, edgeworker("edge-01"))
    kube_api.request("POST", "/api/v1/nodes", {
        "metadata": {"name": "edge-01"},
        "status": {"nodeInfo": {"kubeletVersion": "v1.28.7"}}})
    [row] = oslo_api.get("/v1/kube_host_upgrades").json["kube_host_upgrades"]
    assert (row["kubelet_version"], row["status"]) == ("v1.28.7", "needs-upgrade")
    assert [v["version"] for v in oslo_api.get("/v1/kube_versions").json["kube_versions"]] \
        == ["v1.28.7", "v1.29.2"]
    conf.set_override("enabled", False, group="kubernetes")
    r = oslo_api.get("/v1/kube_versions", status=400)
    assert fault(r).startswith("GET /v1/kube_versions needs the Kubernetes cluster")
    assert "_Remote" not in r.text


def test_labels_over_rpc(oslo_api, kube_api):
    host = post(oslo_api, edgeworker("edge-01")).json
    kube_api.request("POST", "/api/v1/nodes", {"metadata": {"name": "edge-01"}})
    url = "/v1/labels/%s?overwrite=False" % host["uuid"]
    got = oslo_api.post_json(url, {"gpu": "nvidia"}).json["labels"]
    assert [(lbl["label_key"], lbl["host_uuid"]) for lbl in got] == [("gpu", host["uuid"])]
    assert kube_api.nodes()["edge-01"]["metadata"]["labels"] == {"gpu": "nvidia"}
    r = oslo_api.post_json(url, {"gpu": "amd"}, status=409)  # LabelExists crosses the bus
    assert fault(r) == ("Label gpu exists for host edge-01. Use overwrite option to assign a "
                        "new value.")
    assert "_Remote" not in r.text and "Traceback" not in r.text
    oslo_api.delete("/v1/labels/%s" % got[0]["uuid"], status=204)
    assert kube_api.nodes()["edge-01"]["metadata"]["labels"] == {}
