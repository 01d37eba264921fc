"""ORM rows to plain JSON-safe dicts (what crosses RPC)."""


def _ts(value):
    return value.isoformat() if value is not None else None


def host(row):
    addr = row.mgmt_address
    return {
        "id": row.id, "uuid": row.uuid, "hostname": row.hostname,
        "personality": row.personality, "subfunctions": row.subfunctions,
        "mgmt_mac": row.mgmt_mac, "mgmt_ip": addr.address if addr is not None else None,
        "administrative": row.administrative, "operational": row.operational,
        "availability": row.availability, "invprovision": row.invprovision,
        "location": row.location or {}, "capabilities": row.capabilities or {},
        "provision_state": row.provision_state, "provision_step": row.provision_step,
        "provision_error": row.provision_error, "kubelet_version": row.kubelet_version,
        "provision_updated_at": _ts(row.provision_updated_at),
        "kube_node_ready": row.kube_node_ready, "kube_last_seen": _ts(row.kube_last_seen),
        "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at),
    }


def system(row):
    return {"id": row.id, "uuid": row.uuid, "name": row.name, "system_mode": row.system_mode,
            "system_type": row.system_type, "description": row.description,
            "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}


def network(row):
    return {"id": row.id, "uuid": row.uuid, "name": row.name, "type": row.type,
            "dynamic": row.dynamic, "pool_uuid": row.pool.uuid,
            "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}


def pool(row):
    return {"id": row.id, "uuid": row.uuid, "name": row.name, "network": row.network,
            "prefix": row.prefix, "order": row.allocation_order,
            "ranges": [[r.start, r.end] for r in row.ranges],
            "gateway_address": row.gateway_address,
            "controller_address": row.controller_address,
            "controller0_address": row.controller0_address,
            "controller1_address": row.controller1_address,
            "created_at": _ts(row.created_at), "updated_at": _ts(row.updated_at)}
