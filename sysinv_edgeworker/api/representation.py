"""The resources in sysinv's shape: every key sysinv returns, ours added to it.

The real ``system`` CLI (cgtsclient) reads response attributes without defaults, so a key
sysinv always returns must be here even when it means nothing for this service; it then
carries sysinv's own default (its database column default) or null. Our own keys
(provisioning record, kube state...) come on top. Single objects are "expanded" (sysinv's
``convert_with_links(expand=True)``), list entries are not, exactly as sysinv does it.
Pure functions over the serialized dicts of db/serialize.py.
"""

import datetime

# Host keys sysinv has and we do not store, with sysinv's defaults (its i_host column
# defaults) where it has one that is true for us too, else null. Installer settings
# (boot_device, console...) are null: the controller installs no OS on an edgeworker.
HOST_DEFAULTS = {
    "subfunction_oper": "disabled", "subfunction_avail": "not-installed",
    "serialid": None, "action": "none", "ihost_action": None, "inv_state": None,
    "vim_progress_status": None, "task": None, "mtce_info": None, "reserved": False,
    "config_status": None, "config_applied": None, "config_target": None,
    "clock_synchronization": "ntp", "uptime": 0, "bm_ip": None, "bm_type": None,
    "bm_username": None, "peers": None, "boot_device": None, "rootfs_device": None,
    "hw_settle": None, "install_output": None, "console": None, "tboot": None,
    "ttys_dcd": None, "apparmor": "disabled", "install_state": None,
    "install_state_info": None, "max_cpu_mhz_configured": None,
    "min_cpu_mhz_allowed": None, "max_cpu_mhz_allowed": None, "cstates_available": None,
    "iscsi_initiator_name": None, "nvme_host_id": None, "nvme_host_nqn": None,
    "device_image_update": None, "reboot_needed": False, "sw_version": None,
}
# Only in an expanded host (GET /v1/ihosts/<id>, POST, PATCH): sysinv's links to
# sub-collections. None of them is served here, so each is an empty list of links.
HOST_SUBCOLLECTIONS = (
    "iinterfaces", "ports", "ethernet_ports", "inodes", "icpus", "imemorys", "istors",
    "idisks", "partitions", "ceph_mon", "ipvs", "ilvgs", "host_fs", "kube_update_ca",
    "isensors", "isensorgroups", "pci_devices", "lldp_agents", "lldp_neighbours", "labels")

SYSTEM_DEFAULTS = {"contact": None, "location": None, "latitude": None, "longitude": None,
                   "software_version": None, "timezone": None, "region_name": None,
                   "service_project_name": None, "distributed_cloud_role": None,
                   "security_feature": None}
SYSTEM_EXPANDED_DEFAULTS = {"services": 72, "ihosts": []}  # sysinv's services default

IP_FAMILIES = {4: "IPv4", 6: "IPv6"}  # sysinv's constants.IP_FAMILIES


def _self_link(url, collection, ident):
    return [{"href": "%s/v1/%s/%s" % (url, collection, ident), "rel": "self"}]


def handshake_age(last_handshake, now=None):
    """Whole seconds since a tunnel's latest handshake (an ISO timestamp, UTC, as the
    conductor recorded it from the controller's interface), None when there was none."""
    if not last_handshake:
        return None
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return max(0, int((now - datetime.datetime.fromisoformat(last_handshake)).total_seconds()))


def host(doc, url, system, expand=True):
    """A host dict (serialize.host) as sysinv renders it; ``system`` is the system dict.
    Our own keys come first (what a person reading the JSON looks for), sysinv's after."""
    out = dict(doc)
    out["tunnel_handshake_age"] = handshake_age(doc.get("tunnel_last_handshake"))
    for key, value in HOST_DEFAULTS.items():
        out.setdefault(key, value)
    out["isystem_uuid"] = system["uuid"] if system else None
    out["links"] = _self_link(url, "ihosts", doc["uuid"])
    if expand:
        out["forisystemid"] = system["id"] if system else None
        out.update((name, []) for name in HOST_SUBCOLLECTIONS)
    return out


def system(doc, url, expand=True):
    out = dict(doc)
    for key, value in SYSTEM_DEFAULTS.items():
        out.setdefault(key, value)
    out.setdefault("capabilities", {})
    out["links"] = _self_link(url, "isystems", doc["uuid"])
    if expand:
        out.update(SYSTEM_EXPANDED_DEFAULTS)
    return out


# The edge-tunnel network's keys for the edge side (docs/tunnel.md), from the conductor's
# [tunnel]: tunnel_<name> for each; absent on other networks (sysinv's shape is unchanged).
TUNNEL_KEYS = ("subnet", "controller_address", "public_key", "endpoints", "listen_port", "mtu",
               "persistent_keepalive", "routes")


def network(doc, expand=True):
    out = dict(doc)
    edge = out.pop("tunnel_settings", None)
    if edge is not None:
        out.update(("tunnel_" + name, edge.get(name)) for name in TUNNEL_KEYS)
    out["primary_pool_family"] = IP_FAMILIES.get(doc.get("pool_family"))
    out.pop("pool_family", None)
    if not expand:
        out.pop("created_at", None)
        out.pop("updated_at", None)
    return out


# sysinv's names for the pool's reserved addresses, ours in the database (constants).
POOL_ADDRESS_KEYS = {"floating_address": "controller_address",
                     "controller0_address": "controller0_address",
                     "controller1_address": "controller1_address",
                     "gateway_address": "gateway_address"}


def pool(doc, address_ids, expand=True):
    """``address_ids``: the ids of the pool's reserved address records, keyed by our name
    of the address (``controller_address``...). ``controller_address`` stays as well:
    our clients of earlier releases read it."""
    out = dict(doc)
    for theirs, ours in POOL_ADDRESS_KEYS.items():
        out[theirs] = doc.get(ours)
        out[theirs + "_id"] = address_ids.get(ours)
    if not expand:
        for key in ("id", "created_at", "updated_at"):
            out.pop(key, None)
    return out


# sysinv's kube_version.py: a list entry keeps version, target and state.
KUBE_VERSION_LIST_KEYS = ("version", "target", "state")


def kube_version(doc, expand=True):
    return dict(doc) if expand else {k: doc[k] for k in KUBE_VERSION_LIST_KEYS}


def kube_host_upgrade(doc, url, expand=True):
    """sysinv's kube_host_upgrade.py: timestamps only on a single one, links on both."""
    out = dict(doc, links=_self_link(url, "kube_host_upgrades", doc["uuid"]))
    if not expand:
        out.pop("created_at", None)
        out.pop("updated_at", None)
    return out
