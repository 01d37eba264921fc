"""Host labels reach the live Node (WebTest, rpc_transport = none, a real DB, and the loopback
Kubernetes API server double of tests/kubeapi.py, which speaks the real Node API): assign and
remove after the join patch the Node; an unreachable cluster keeps the change and says so in
a Warning header; kube_refresh converges what was missed. The pure diff is tested at the end."""

import json

import pytest

from sysinv_edgeworker.kube import node_labels
from tests.kubeapi import start_control_plane
from tests.unit.api_helpers import MAC1, edgeworker, post
from tests.unit.kube.test_kube_conductor import add_node

ANNOTATION = "edgeworker.starlingx.io/sysinv-labels"


def node(kube, name):
    return kube.request("GET", "/api/v1/nodes/%s" % name)


def node_labels_of(kube, name):
    return node(kube, name)["metadata"].get("labels") or {}


def assign(api, host, labels, overwrite="False", status=200):
    return api.post_json("/v1/labels/%s?overwrite=%s" % (host, overwrite), labels, status=status)


def label_uuid(api, host, key):
    return next(lbl["uuid"] for lbl in api.get("/v1/ihosts/%s/labels" % host).json["labels"]
                if lbl["label_key"] == key)


def test_assign_and_remove_round_trip_to_a_joined_node(kube, api):
    post(api, edgeworker())
    add_node(kube, "edge-01", labels={"kubernetes.io/hostname": "edge-01",
                                      "node-role.kubernetes.io/edgeworker": ""})
    resp = assign(api, "edge-01", {"gpu": "nvidia", "example.com/rack": "r1"})
    assert "Warning" not in resp.headers
    labels = node_labels_of(kube, "edge-01")
    assert labels["gpu"] == "nvidia" and labels["example.com/rack"] == "r1"
    assert json.loads(node(kube, "edge-01")["metadata"]["annotations"][ANNOTATION]) == [
        "example.com/rack", "gpu"]
    assign(api, "edge-01", {"gpu": "amd"}, overwrite="True")
    assert node_labels_of(kube, "edge-01")["gpu"] == "amd"
    resp = api.delete("/v1/labels/%s" % label_uuid(api, "edge-01", "gpu"), status=204)
    assert "Warning" not in resp.headers
    labels = node_labels_of(kube, "edge-01")
    assert "gpu" not in labels
    # The labels the inventory never set (kubelet's, the playbook's) are left alone.
    assert labels == {"kubernetes.io/hostname": "edge-01",
                      "node-role.kubernetes.io/edgeworker": "", "example.com/rack": "r1"}


def test_a_label_set_by_hand_with_the_same_key_is_replaced_then_removed(kube, api):
    post(api, edgeworker())
    add_node(kube, "edge-01", labels={"gpu": "by-kubectl"})
    assign(api, "edge-01", {"gpu": "nvidia"})
    assert node_labels_of(kube, "edge-01")["gpu"] == "nvidia"
    api.delete("/v1/labels/%s" % label_uuid(api, "edge-01", "gpu"), status=204)
    assert "gpu" not in node_labels_of(kube, "edge-01")


def test_before_the_join_labels_are_only_stored(kube, api):
    post(api, edgeworker())
    resp = assign(api, "edge-01", {"gpu": "nvidia"})
    assert "Warning" not in resp.headers
    assert "edge-01" not in kube.nodes()
    # The Node appears (the join); kube_refresh (or the playbook) applies the stored labels.
    add_node(kube, "edge-01")
    got = api.post_json("/v1/ihosts/kube_refresh", {}).json
    assert got["labels_applied"] == ["edge-01"]
    assert node_labels_of(kube, "edge-01")["gpu"] == "nvidia"
    assert api.post_json("/v1/ihosts/kube_refresh", {}).json["labels_applied"] == []


def test_unreachable_cluster_keeps_the_change_warns_and_refresh_converges(conf, api, tmp_path):
    live = start_control_plane(tmp_path / "live")
    dead = start_control_plane(tmp_path / "dead")
    dead.stop()
    try:
        conf.set_override("request_timeout", 3.0, group="kubernetes")
        conf.set_override("kubeconfig", str(live.kubeconfig), group="kubernetes")
        post(api, edgeworker())
        add_node(live, "edge-01")
        assign(api, "edge-01", {"old": "1"})
        conf.set_override("kubeconfig", str(dead.kubeconfig), group="kubernetes")
        resp = assign(api, "edge-01", {"gpu": "nvidia"})
        assert resp.headers["Warning"].startswith(
            '299 - "the labels of host edge-01 were changed in the inventory, but its '
            'Kubernetes Node could not be updated: cannot reach the Kubernetes API at '
            'https://127.0.0.1:')
        assert resp.headers["Warning"].endswith(
            'POST /v1/ihosts/kube_refresh or the next provisioning run applies them"')
        resp = api.delete("/v1/labels/%s" % label_uuid(api, "edge-01", "old"), status=204)
        assert "Warning" in resp.headers
        assert [lbl["label_key"] for lbl in
                api.get("/v1/ihosts/edge-01/labels").json["labels"]] == ["gpu"]
        assert node_labels_of(live, "edge-01") == {"old": "1"}
        conf.set_override("kubeconfig", str(live.kubeconfig), group="kubernetes")
        got = api.post_json("/v1/ihosts/kube_refresh", {}).json
        assert got["labels_applied"] == ["edge-01"]
        assert node_labels_of(live, "edge-01") == {"gpu": "nvidia"}
    finally:
        live.stop()


def test_labels_of_other_personalities_do_not_touch_their_node(kube, api):
    post(api, {"hostname": "worker-0", "personality": "worker", "mgmt_mac": MAC1})
    add_node(kube, "worker-0")
    assign(api, "worker-0", {"gpu": "nvidia"})
    assert node_labels_of(kube, "worker-0") == {}


def test_disabled_kubernetes_stores_only(kube, conf, api):
    conf.set_override("enabled", False, group="kubernetes")
    post(api, edgeworker())
    add_node(kube, "edge-01")
    resp = assign(api, "edge-01", {"gpu": "nvidia"})
    assert "Warning" not in resp.headers
    assert node_labels_of(kube, "edge-01") == {}


@pytest.mark.parametrize("current,managed,desired,patch", [
    ({}, [], {}, None),
    ({"a": "1"}, ["a"], {"a": "1"}, None),
    ({}, [], {"a": "1"}, {"labels": {"a": "1"}, "keys": ["a"]}),
    ({"a": "1"}, [], {"a": "1"}, {"labels": {}, "keys": ["a"]}),
    ({"a": "1", "b": "2"}, ["a", "b"], {"b": "3"}, {"labels": {"a": None, "b": "3"},
                                                    "keys": ["b"]}),
    ({"x": "1"}, ["gone"], {}, {"labels": {}, "keys": []}),
    ({"x": "1"}, [], {}, None),
])
def test_label_patch(current, managed, desired, patch):
    got = node_labels.label_patch(current, managed, desired)
    if patch is None:
        assert got is None
    else:
        assert got == {"metadata": {"labels": patch["labels"], "annotations": {
            ANNOTATION: json.dumps(patch["keys"])}}}


@pytest.mark.parametrize("annotations,keys", [
    (None, []), ({}, []), ({ANNOTATION: '["a", "b"]'}, ["a", "b"]),
    ({ANNOTATION: "not json"}, []), ({ANNOTATION: '{"a": 1}'}, []),
    ({ANNOTATION: '["a", 3]'}, ["a"]),
])
def test_managed_keys(annotations, keys):
    assert node_labels.managed_keys(annotations) == keys
