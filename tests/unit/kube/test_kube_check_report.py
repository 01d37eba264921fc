"""The check's pairing of inventory and cluster, and its exit codes (kube/check.py): pure."""

import json

import pytest

from sysinv_edgeworker.cmd import kube_check
from sysinv_edgeworker.kube import check
from sysinv_edgeworker.kube import version as kv
from sysinv_edgeworker.kube.cluster import ApiServers, Node

CP = ApiServers((kv.parse("v1.29.2"),), "version")
CP_133 = ("the control plane cannot go from v1.29.2 (its oldest kube-apiserver) to v1.33.0: "
          "kubeadm upgrades one minor version at a time; upgrade to the latest v1.30.x first")


def host(name, personality="edgeworker", **extra):
    return dict(hostname=name, personality=personality, **extra)


def node(name, kubelet="v1.29.2", ready=True, control_plane=False, condition=None):
    return Node(name, kubelet, ready, control_plane, False, ready_condition=condition)


@pytest.mark.parametrize("kubelets, target, strict, exit_code, verdicts", [
    (["v1.29.2", "v1.29.2"], None, False, 0, ["ok", "ok"]),
    (["v1.29.2", "v1.28.7"], None, False, 0, ["ok", "needs-upgrade"]),
    (["v1.29.2", "v1.28.7"], "v1.30.2", False, 0, ["needs-upgrade", "needs-upgrade"]),
    (["v1.29.2", "v1.28.7"], "v1.32.0", False, 3, ["needs-upgrade", "blocks-upgrade"]),
    (["v1.29.2", "v1.29.2"], "v1.33.0", False, 3, ["blocks-upgrade", "blocks-upgrade"]),
    (["v1.29.2", None], None, False, 0, ["ok", "unknown"]),
    (["v1.29.2", None], None, True, 3, ["ok", "unknown"]),
    (["v1.30.0", "v1.29.2"], None, False, 3, ["blocks-upgrade", "ok"]),
])
def test_exit_codes(kubelets, target, strict, exit_code, verdicts):
    hosts = [host("edge-01"), host("edge-02")]
    nodes = [node("edge-%02d" % (i + 1), k) for i, k in enumerate(kubelets)]
    report = check.build_report(hosts, nodes, CP, kv.parse(target) if target else None, strict)
    assert report["exit_code"] == exit_code
    assert report["safe"] is (exit_code == 0)
    assert [r["verdict"] for r in report["edgeworkers"]] == verdicts
    assert sum(report["summary"].values()) == 2
    json.dumps(report)  # JSON-safe


def test_missing_and_extra_nodes():
    hosts = [host("edge-02", kubelet_version="v1.29.2", provision_state="provisioned"),
             host("edge-01"), host("edge-03"), host("worker-0", "worker"),
             host(None, None, mgmt_mac="x")]
    nodes = [node("edge-01", "v1.28.7"), node("edge-03", None),
             node("controller-0", control_plane=True),
             node("worker-0"), node("stray-9", "v1.25.0", ready=False)]
    report = check.build_report(hosts, nodes, CP, kv.parse("v1.30.2"))
    rows = {r["hostname"]: r for r in report["edgeworkers"]}
    assert list(rows) == ["edge-01", "edge-02", "edge-03"]
    assert rows["edge-01"]["in_cluster"] and rows["edge-01"]["kubelet_version"] == "v1.28.7"
    assert rows["edge-01"]["reason"] == ("kubelet v1.28.7 is behind the target v1.30.2; "
                                         "allowed by the skew policy")
    assert rows["edge-03"]["verdict"] == "unknown"
    assert rows["edge-03"]["reason"] == "the Node reports no kubelet version"
    assert rows["edge-02"] == {
        "hostname": "edge-02", "in_inventory": True, "in_cluster": False,
        "kubelet_version": None, "node_ready": None, "node_ready_condition": None,
        "inventory_kubelet_version": "v1.29.2",
        "provision_state": "provisioned", "verdict": "unknown",
        "reason": "not in the cluster: no Node named edge-02"}
    assert report["missing_from_cluster"] == ["edge-02"]
    # The control plane and inventory workers are not "extra"; an unknown worker Node is,
    # with its own verdict, which does not change the exit code.
    assert report["not_in_inventory"] == [{
        "name": "stray-9", "kubelet_version": "v1.25.0", "node_ready": False,
        "node_ready_condition": None,
        "verdict": "blocks-upgrade",
        "reason": "outside the skew policy of the current control plane: kubelet v1.25.0 is "
                  "4 minor versions older than kube-apiserver v1.29.2 (at most 3 allowed "
                  "for a >= 1.25 kubelet)"}]
    assert report["exit_code"] == 0
    assert report["control_plane"] == {"apiserver_versions": ["v1.29.2"], "oldest": "v1.29.2",
                                       "newest": "v1.29.2", "source": "version",
                                       "problems": []}
    assert report["target_version"] == "v1.30.2"


def test_unreachable_report():
    report = check.unreachable_report("cannot reach https://x: refused", [host("edge-01")])
    assert report["exit_code"] == 4 and not report["safe"]
    assert report["edgeworkers"][0]["verdict"] == "unknown"
    assert report["edgeworkers"][0]["in_cluster"] is None
    assert report["error"] == "cannot reach https://x: refused"
    text = kube_check.format_table(report)
    assert "Result: cannot check: cannot reach https://x: refused (exit 4)" in text


def test_table_lists_every_row_and_the_result():
    hosts = [host("edge-01"), host("edge-02")]
    nodes = [node("edge-01", "v1.29.2"), node("extra-1", "v1.29.2")]
    report = check.build_report(hosts, nodes, CP, kv.parse("v1.33.0"))
    text = kube_check.format_table(report)
    assert text.splitlines()[0] == "Control plane: v1.29.2 (from /version)"
    assert "Target version: v1.33.0" in text
    assert "| edge-01  | yes          | yes        | v1.29.2 | yes   | blocks-upgrade |" in text
    assert "| edge-02  | yes          | no         | -       | -     | unknown        |" in text
    assert "| extra-1  | no           | yes        | v1.29.2 |" in text
    strand = ("| the target v1.33.0 would strand it: kubelet v1.29.2 is 4 minor versions  |")
    assert text.count(strand) == 2  # the reason column: edge-01 and extra-1
    assert "| not in the cluster: no Node named edge-02                                |" in text
    assert "In the inventory, not in the cluster: edge-02" in text
    assert "In the cluster, not in the inventory: extra-1" in text
    assert "Edgeworkers: 0 ok, 0 needs-upgrade, 1 blocks-upgrade, 1 unknown" in text
    assert "Control plane refused: " + CP_133 in text
    assert text.endswith(
        "Result: UNSAFE: 1 edgeworker would be stranded (blocks-upgrade); %s (exit 3)" % CP_133)


def test_strict_result_names_the_unknown_edgeworker_not_a_stranded_one():
    report = check.build_report([host("edge-01"), host("edge-02")],
                                [node("edge-01", "v1.29.2")], CP, None, strict=True)
    assert report["exit_code"] == 3
    assert report["unsafe_because"] == ["1 edgeworker unknown (--strict)"]
    assert kube_check.format_table(report).endswith(
        "Result: UNSAFE: 1 edgeworker unknown (--strict) (exit 3)")


@pytest.mark.parametrize("apiservers, target, problem", [
    (("v1.28.7", "v1.30.1"), None,
     "kube-apiservers v1.28.7 and v1.30.1 are more than 1 minor version apart (the "
     "kube-apiservers of a control plane must be within 1 minor version of each other)"),
    (("v1.29.2", "v1.30.1"), "v1.31.0",
     "the control plane cannot go from v1.29.2 (its oldest kube-apiserver) to v1.31.0: "
     "kubeadm upgrades one minor version at a time; upgrade to the latest v1.30.x first"),
])
def test_refused_control_plane_is_exit_3_with_safe_kubelets(apiservers, target, problem):
    cp = ApiServers(tuple(kv.parse(v) for v in apiservers), "pods")
    report = check.build_report([host("edge-01")], [node("edge-01", apiservers[0])], cp,
                                kv.parse(target) if target else None)
    assert report["edgeworkers"][0]["verdict"] != "blocks-upgrade"
    assert report["control_plane"]["problems"] == [problem]
    assert report["unsafe_because"] == [problem]
    assert report["exit_code"] == 3 and report["safe"] is False


def test_ready_unknown_is_shown_distinctly():
    nodes = [node("edge-01", ready=False, condition="Unknown"),
             node("edge-02", ready=False, condition="False"), node("edge-03", ready=None)]
    report = check.build_report([host("edge-01"), host("edge-02"), host("edge-03")], nodes, CP)
    rows = {r["hostname"]: r for r in report["edgeworkers"]}
    assert (rows["edge-01"]["node_ready"], rows["edge-01"]["node_ready_condition"]) == (
        False, "Unknown")
    text = kube_check.format_table(report)
    assert "| edge-01  | yes          | yes        | v1.29.2 | unknown |" in text
    assert "| edge-02  | yes          | yes        | v1.29.2 | no      |" in text
    assert "| edge-03  | yes          | yes        | v1.29.2 | -       |" in text
