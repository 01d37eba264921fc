"""GET /v1/kube_versions and /v1/kube_host_upgrades in sysinv's shape, computed (pure).

Nothing is stored: sysinv keeps a static catalogue of versions and a kube_host_upgrade row
per host while it drives an upgrade; this service drives none. Both views are computed from
what the cluster runs now (the conductor's ``cluster_versions``: every kube-apiserver
version and every Node's kubelet version) and the inventory's hosts.

kube_versions: every version that runs somewhere (an apiserver or a kubelet). The state is
sysinv's (``kube_get_version_states``): ``partial`` for a version that runs, ``active``
when it is the only one. ``target`` is the control plane's version (the newest
kube-apiserver): with no upgrade in progress, the version every kubelet must reach.

kube_host_upgrades: one per controller, worker and edgeworker host. ``target_version``
is that same version; ``kubelet_version`` the Node's (running) kubelet, else the last one
the inventory recorded (provisioning report or kube_refresh); ``control_plane_version``
the apiserver version for a controller when the control plane runs one version ('unknown'
when it runs several), None otherwise (an edgeworker runs no control plane). For an
edgeworker ``status`` is the skew verdict of kube/skew.py against the control plane and the
target (ok, needs-upgrade, blocks-upgrade, unknown) and ``status_reason`` says why; for other
hosts it is None, as sysinv's is outside an upgrade it drives.
"""

import uuid as uuidlib

from sysinv_edgeworker.kube import skew
from sysinv_edgeworker.kube import version as kv

STATE_ACTIVE = "active"    # sysinv's KUBE_STATE_ACTIVE
STATE_PARTIAL = "partial"  # sysinv's KUBE_STATE_PARTIAL
KUBE_PERSONALITIES = ("controller", "worker", "edgeworker")
_UPGRADE_NS = uuidlib.UUID("8c1e8d5e-3f0c-4f43-9a51-7a4d2f3c9b10")


def host_upgrade_uuid(host_uuid):
    """The stable uuid of a host's Kubernetes upgrade view (derived, never stored)."""
    return str(uuidlib.uuid5(_UPGRADE_NS, host_uuid))


def _parsed(values):
    out = []
    for value in values:
        try:
            out.append(kv.parse(value))
        except (kv.InvalidVersion, TypeError):
            continue  # a Node reporting garbage or nothing counts for no version
    return out


def target_version(state):
    """The control plane's version: the newest kube-apiserver."""
    return str(max(_parsed(state["apiserver_versions"])))


def kube_versions(state):
    """Every running version, oldest first, with sysinv's keys."""
    running = _parsed(state["apiserver_versions"]) + _parsed(
        n["kubelet_version"] for n in state["nodes"])
    versions = sorted(set(running))
    target = target_version(state)
    only = STATE_ACTIVE if len(versions) == 1 else STATE_PARTIAL
    return [{"version": str(v), "target": str(v) == target, "state": only,
             "upgrade_from": [], "downgrade_to": [], "applied_patches": [],
             "available_patches": []} for v in versions]


def find_version(state, version):
    """The kube_versions entry for ``version`` (``v1.29.2`` or ``1.29.2``), or None."""
    try:
        wanted = str(kv.parse(version))
    except (kv.InvalidVersion, TypeError):
        return None
    return next((v for v in kube_versions(state) if v["version"] == wanted), None)


def _control_plane_version(personality, apiservers):
    if personality != "controller":
        return None
    return str(apiservers[0]) if len(apiservers) == 1 else "unknown"


def host_upgrades(hosts, state):
    """One entry per Kubernetes host of ``hosts`` (inventory host dicts), by host id."""
    apiservers = sorted(set(_parsed(state["apiserver_versions"])))
    target = str(apiservers[-1])
    kubelets = {n["name"]: n["kubelet_version"] for n in state["nodes"]}
    out = []
    for host in sorted(hosts, key=lambda h: h["id"]):
        personality = host.get("personality")
        if personality not in KUBE_PERSONALITIES:
            continue
        in_cluster = bool(host.get("hostname")) and host["hostname"] in kubelets
        kubelet = (kubelets[host["hostname"]] if in_cluster else None) \
            or host.get("kubelet_version")
        status = reason = None
        if personality == "edgeworker":
            verdict = skew.evaluate(
                kubelet, apiservers, target,
                unknown_reason="no kubelet version: no Node in the cluster and none recorded"
                if not in_cluster else "the Node reports no kubelet version")
            status, reason = verdict.status, verdict.reason
        out.append({"id": host["id"], "uuid": host_upgrade_uuid(host["uuid"]),
                    "host_id": host["id"], "hostname": host.get("hostname"),
                    "personality": personality, "target_version": target,
                    "control_plane_version": _control_plane_version(personality, apiservers),
                    "kubelet_version": kubelet, "status": status, "status_reason": reason,
                    "created_at": host.get("created_at"), "updated_at": host.get("updated_at")})
    return out
