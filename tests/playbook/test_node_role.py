"""The edgeworker_node role's labels against the loopback Kubernetes API double (tests/kubeapi.py,
the real Node API): edgeworker_node_labels combined with the inventory API's sysinv_labels (the
API's value wins), keys the API no longer assigns removed through the ownership annotation,
a static inventory (no sysinv_labels) leaving the annotation alone, and a re-run changing
nothing."""

import json

from tests.lab.ansible_run import recap
from tests.playbook import controller_run as cr

ANNOTATION = "edgeworker.starlingx.io/sysinv-labels"


def add_node(kube, name, labels=None, annotations=None):
    kube.request("POST", "/api/v1/nodes", {
        "metadata": {"name": name, "labels": labels or {}, "annotations": annotations or {}},
        "status": {"nodeInfo": {"kubeletVersion": "v1.29.2"},
                   "conditions": [{"type": "Ready", "status": "True"}]}})


def meta(kube, name):
    return kube.request("GET", "/api/v1/nodes/%s" % name)["metadata"]


PLAY = {"name": "Node", "hosts": "all:!localhost", "gather_facts": False,
        "roles": [{"role": "edgeworker_node"}]}


def test_labels_from_the_api_and_the_inventory(kube_api, tmp_path):
    add_node(kube_api, "edge-a")
    add_node(kube_api, "edge-b", labels={"old": "1", "kept": "k"},
             annotations={ANNOTATION: '["old"]'})
    add_node(kube_api, "edge-c", labels={"x": "1"}, annotations={ANNOTATION: '["x"]'})
    hosts = {
        "edge-a": {"sysinv_labels": {"gpu": "nvidia",
                                     "node-role.kubernetes.io/edgeworker": "api"}},
        "edge-b": {"sysinv_labels": {}},
        "edge-c": {},  # a static inventory: no sysinv_labels
    }
    group_vars = {"edgeworker_kubeconfig": str(kube_api.kubeconfig),
                  "edgeworker_node_ready_retries": 2, "edgeworker_node_ready_delay": 1}
    inventory = cr.write_inventory(tmp_path, hosts, group_vars)
    result = cr.run(tmp_path, [PLAY], inventory)
    assert result.returncode == 0, result.stdout + result.stderr
    a, b, c = (meta(kube_api, n) for n in ("edge-a", "edge-b", "edge-c"))
    assert a["labels"] == {"gpu": "nvidia", "node-role.kubernetes.io/edgeworker": "api"}
    assert json.loads(a["annotations"][ANNOTATION]) == ["gpu", "node-role.kubernetes.io/edgeworker"]
    assert b["labels"] == {"kept": "k", "node-role.kubernetes.io/edgeworker": ""}
    assert json.loads(b["annotations"][ANNOTATION]) == []
    assert c["labels"] == {"x": "1", "node-role.kubernetes.io/edgeworker": ""}
    assert c["annotations"][ANNOTATION] == '["x"]'
    again = cr.run(tmp_path, [PLAY], inventory)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {h: s["changed"] for h, s in recap(again.stdout).items()} == {
        "edge-a": 0, "edge-b": 0, "edge-c": 0}


def test_the_running_kubelet_version_is_the_nodes(kube_api, tmp_path):
    """What provision.yml reports to the inventory API: the Node's kubeletVersion (here one no
    installed binary prints; this machine has no kubelet at all)."""
    kube_api.request("POST", "/api/v1/nodes", {
        "metadata": {"name": "edge-v"},
        "status": {"nodeInfo": {"kubeletVersion": "v1.29.2-edge.7"},
                   "conditions": [{"type": "Ready", "status": "True"}]}})
    show = {"name": "Show", "hosts": "all:!localhost", "gather_facts": False,
            "tasks": [{"ansible.builtin.debug": {
                "msg": "running={{ edgeworker_node_kubelet_version }}"}}]}
    group_vars = {"edgeworker_kubeconfig": str(kube_api.kubeconfig),
                  "edgeworker_node_ready_retries": 2, "edgeworker_node_ready_delay": 1}
    inventory = cr.write_inventory(tmp_path, {"edge-v": {}}, group_vars)
    result = cr.run(tmp_path, [{**PLAY, "post_tasks": show["tasks"]}], inventory)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"msg": "running=v1.29.2-edge.7"' in result.stdout, result.stdout[-3000:]

