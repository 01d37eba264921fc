"""Turn the service's edgeworker hosts into an Ansible inventory.

Shared by ``system edgeworker-inventory`` and the executable inventory script
playbooks/provision_edgeworker/inventory/sysinv_inventory.py.

* group ``edgeworker``: every edgeworker host that has a hostname and a mgmt IP,
  with ``ansible_host`` = mgmt_ip;
* group ``edgeworker_incomplete``: edgeworker hosts still lacking one of them
  (listed so the operator sees them, but no play on ``edgeworker`` touches them);
* hostvars: sysinv_uuid, sysinv_id, personality, mgmt_mac, mgmt_ip,
  provision_state, kubelet_version, and sysinv_labels (the host's Kubernetes
  labels, {key: value}, which the provisioning playbook puts on the Node at
  join; docs/labels.md).  Never a password or token.
"""

EDGEWORKER = "edgeworker"
GROUP = "edgeworker"
INCOMPLETE_GROUP = "edgeworker_incomplete"


def host_vars(host, labels=None):
    vars_ = {
        "sysinv_uuid": host.get("uuid"),
        "sysinv_id": host.get("id"),
        "personality": host.get("personality"),
        "mgmt_mac": host.get("mgmt_mac"),
        "mgmt_ip": host.get("mgmt_ip"),
        "provision_state": host.get("provision_state"),
        "kubelet_version": host.get("kubelet_version"),
        "sysinv_labels": dict(labels or {}),
    }
    if host.get("mgmt_ip"):
        vars_["ansible_host"] = host["mgmt_ip"]
    return vars_


def _name(host):
    # A host registered by MAC only has no hostname yet: name it by uuid so it
    # still shows up (in the incomplete group).
    return host.get("hostname") or host.get("uuid")


def build(hosts, labels=()):
    """``hosts``: dicts from GET /v1/ihosts?personality=edgeworker; ``labels``: dicts from
    GET /v1/labels (host_uuid, label_key, label_value).
    Returns the inventory in the JSON shape of an inventory script's --list."""
    by_host = {}
    for lbl in labels:
        by_host.setdefault(lbl.get("host_uuid"), {})[lbl.get("label_key")] = lbl.get("label_value")
    complete, incomplete, hostvars = [], [], {}
    for host in sorted(hosts, key=lambda h: str(_name(h))):
        name = _name(host)
        hostvars[name] = host_vars(host, by_host.get(host.get("uuid")))
        if host.get("hostname") and host.get("mgmt_ip"):
            complete.append(name)
        else:
            incomplete.append(name)
    return {
        "_meta": {"hostvars": hostvars},
        "all": {"children": ["ungrouped", GROUP, INCOMPLETE_GROUP]},
        GROUP: {"hosts": complete},
        INCOMPLETE_GROUP: {"hosts": incomplete},
    }


def fetch(client):
    """The inventory for the service behind ``client`` (a cgtsclient_ext Client)."""
    hosts = [h.to_dict() for h in client.ihost.list(personality=EDGEWORKER)]
    # Every label in one listing (paged), not one request per host.
    return build(hosts, [lbl.to_dict() for lbl in client.label.list_all()])


def to_yaml_inventory(inventory):
    """The same content in the shape of Ansible's YAML inventory file."""
    hostvars = inventory["_meta"]["hostvars"]
    children = {}
    for group in (GROUP, INCOMPLETE_GROUP):
        children[group] = {"hosts": {h: hostvars[h] for h in inventory[group]["hosts"]}}
    return {"all": {"children": children}}


def host(inventory, name):
    """What ``--host <name>`` prints: that host's vars, or {} if unknown."""
    return inventory["_meta"]["hostvars"].get(name, {})
