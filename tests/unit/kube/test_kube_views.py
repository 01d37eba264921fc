"""kube/views.py without HTTP: what the kube_versions and kube_host_upgrades views compute."""

from sysinv_edgeworker.kube import views


def _host(ident, name, personality, kubelet=None):
    return {"id": ident, "uuid": "00000000-0000-4000-8000-%012d" % ident, "hostname": name,
            "personality": personality, "kubelet_version": kubelet,
            "created_at": "2026-01-01T00:00:00", "updated_at": None}


def _state(apiservers, nodes=()):
    return {"apiserver_versions": list(apiservers), "source": "pods",
            "nodes": [{"name": n, "kubelet_version": v, "control_plane": False}
                      for n, v in nodes]}


def test_controller_control_plane_version_single_and_ha():
    hosts = [_host(1, "controller-0", "controller"), _host(2, "edge-01", "edgeworker")]
    one = views.host_upgrades(hosts, _state(["v1.29.2"]))
    assert [r["control_plane_version"] for r in one] == ["v1.29.2", None]
    ha = views.host_upgrades(hosts, _state(["v1.28.7", "v1.29.2"]))
    assert [r["control_plane_version"] for r in ha] == ["unknown", None]
    assert ha[1]["target_version"] == "v1.29.2"


def test_ha_mid_upgrade_newer_kubelet_than_oldest_apiserver_blocks():
    hosts = [_host(1, "edge-01", "edgeworker")]
    [row] = views.host_upgrades(hosts, _state(["v1.28.7", "v1.29.2"],
                                              [("edge-01", "v1.29.2")]))
    assert row["status"] == "blocks-upgrade"
    assert "newer than kube-apiserver v1.28.7" in row["status_reason"]


def test_node_kubelet_wins_over_recorded_and_garbage_is_unknown():
    hosts = [_host(1, "edge-01", "edgeworker", "v1.27.0"),
             _host(2, "edge-02", "edgeworker", "v1.29.0")]
    rows = views.host_upgrades(hosts, _state(["v1.29.2"], [("edge-01", "v1.29.2"),
                                                            ("edge-02", "banana")]))
    assert [(r["kubelet_version"], r["status"]) for r in rows] == [
        ("v1.29.2", "ok"), ("banana", "unknown")]
    # garbage counts for no version
    assert [v["version"] for v in views.kube_versions(
        _state(["v1.29.2"], [("edge-02", "banana")]))] == ["v1.29.2"]


def test_storage_and_unnamed_hosts_are_not_kubernetes_hosts():
    hosts = [_host(1, "storage-0", "storage"), _host(2, None, None),
             _host(3, "edge-01", "edgeworker")]
    assert [r["host_id"] for r in views.host_upgrades(hosts, _state(["v1.29.2"]))] == [3]


def test_upgrade_uuid_is_stable_and_per_host():
    a = views.host_upgrade_uuid("00000000-0000-4000-8000-000000000001")
    assert a == views.host_upgrade_uuid("00000000-0000-4000-8000-000000000001")
    assert a != views.host_upgrade_uuid("00000000-0000-4000-8000-000000000002")


def test_find_version_accepts_both_spellings_and_refuses_garbage():
    state = _state(["v1.29.2"])
    assert views.find_version(state, "1.29.2")["version"] == "v1.29.2"
    assert views.find_version(state, "v1.29.3") is None
    assert views.find_version(state, "latest") is None
