"""ORM rows to plain JSON-safe dicts (what crosses RPC)."""


def _ts(value):
    return value.isoformat() if value is not None else None


_HOST_COLUMNS = ("id", "uuid", "hostname", "personality", "subfunctions", "mgmt_mac",
                 "administrative", "operational", "availability", "invprovision",
                 "provision_state", "provision_step", "provision_error", "kubelet_version",
                 "kube_node_ready", "mgmt_attach", "wg_public_key")
_HOST_TIMES = ("provision_updated_at", "kube_last_seen", "tunnel_last_handshake", "created_at",
               "updated_at")


def _host(get, mgmt_ip):
    out = {name: get(name) for name in _HOST_COLUMNS}
    out["mgmt_ip"] = mgmt_ip
    out["location"] = get("location") or {}
    out["capabilities"] = get("capabilities") or {}
    out.update((name, _ts(get(name))) for name in _HOST_TIMES)
    return out


def host(row):
    """An ORM Host (with its mgmt address loaded)."""
    addr = row.mgmt_address
    return _host(row.__getattribute__, addr.address if addr is not None else None)


def host_mapping(row):
    """A Core result row of hosts columns plus ``mgmt_ip`` (the fast list path)."""
    return _host(row.__getitem__, row["mgmt_ip"])


def system(row):
    return {"id": row.id, "uuid": row.uuid, "name": row.name, "system_mode": row.system_mode,
            "system_type": row.system_type, "description": row.description,
            "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}


def network(row):
    out = {"id": row.id, "uuid": row.uuid, "name": row.name, "type": row.type,
           "dynamic": row.dynamic, "pool_uuid": row.pool.uuid, "pool_family": row.pool.family,
           "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}
    if row.tunnel_settings:  # edge-tunnel only
        out["tunnel_settings"] = dict(
            row.tunnel_settings, subnet="%s/%s" % (row.pool.network, row.pool.prefix),
            controller_address=row.pool.controller_address)
    return out


def pool(row):
    return {"id": row.id, "uuid": row.uuid, "name": row.name, "network": row.network,
            "prefix": row.prefix, "family": row.family, "order": row.allocation_order,
            "ranges": [[r.start, r.end] for r in row.ranges],
            "gateway_address": row.gateway_address,
            "controller_address": row.controller_address,
            "controller0_address": row.controller0_address,
            "controller1_address": row.controller1_address,
            "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}


def label(row):
    """A labels row joined with its host's ``host_uuid`` and ``hostname`` (a mapping)."""
    return {"id": row["id"], "uuid": row["uuid"], "host_id": row["host_id"],
            "host_uuid": row["host_uuid"], "hostname": row["hostname"],
            "label_key": row["label_key"], "label_value": row["label_value"],
            "created_at": _ts(row["created_at"]), "updated_at": _ts(row["updated_at"])}
