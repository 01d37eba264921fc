"""Building the Ansible inventory from host dicts."""

import yaml

from cgtsclient_ext import inventory

HOSTS = [
    {"id": 3, "uuid": "u-3", "hostname": "edge-02", "personality": "edgeworker",
     "mgmt_mac": "52:54:00:aa:bb:02", "mgmt_ip": "192.168.204.6",
     "provision_state": "unprovisioned", "kubelet_version": None},
    {"id": 1, "uuid": "u-1", "hostname": "edge-01", "personality": "edgeworker",
     "mgmt_mac": "52:54:00:aa:bb:01", "mgmt_ip": "192.168.204.5",
     "provision_state": "provisioned", "kubelet_version": "v1.29.2", "bm_password": "x"},
    {"id": 4, "uuid": "u-4", "hostname": None, "personality": "edgeworker",
     "mgmt_mac": "52:54:00:aa:bb:04", "mgmt_ip": None},
]


def test_groups_and_hostvars():
    inv = inventory.build(HOSTS)
    assert inv["edgeworker"] == {"hosts": ["edge-01", "edge-02"]}
    assert inv["edgeworker_incomplete"] == {"hosts": ["u-4"]}
    assert inv["_meta"]["hostvars"]["edge-01"] == {
        "ansible_host": "192.168.204.5", "sysinv_uuid": "u-1", "sysinv_id": 1,
        "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:bb:01",
        "mgmt_ip": "192.168.204.5", "provision_state": "provisioned",
        "kubelet_version": "v1.29.2", "sysinv_labels": {}}
    assert "ansible_host" not in inv["_meta"]["hostvars"]["u-4"]


def test_labels_go_to_their_host():
    labels = [{"uuid": "l-1", "host_uuid": "u-1", "label_key": "gpu", "label_value": "nvidia"},
              {"uuid": "l-2", "host_uuid": "u-1", "label_key": "zone", "label_value": ""},
              {"uuid": "l-3", "host_uuid": "u-3", "label_key": "gpu", "label_value": "amd"},
              {"uuid": "l-4", "host_uuid": "u-9", "label_key": "x", "label_value": "y"}]
    hostvars = inventory.build(HOSTS, labels)["_meta"]["hostvars"]
    assert hostvars["edge-01"]["sysinv_labels"] == {"gpu": "nvidia", "zone": ""}
    assert hostvars["edge-02"]["sysinv_labels"] == {"gpu": "amd"}
    assert hostvars["u-4"]["sysinv_labels"] == {}


def test_no_secret_ever_copied():
    text = repr(inventory.build(HOSTS))
    assert "password" not in text and "bm_" not in text


def test_host_lookup():
    inv = inventory.build(HOSTS)
    assert inventory.host(inv, "edge-02")["ansible_host"] == "192.168.204.6"
    assert inventory.host(inv, "nope") == {}


def test_yaml_inventory_shape():
    doc = yaml.safe_load(yaml.safe_dump(inventory.to_yaml_inventory(inventory.build(HOSTS))))
    assert doc["all"]["children"]["edgeworker"]["hosts"]["edge-01"]["ansible_host"] == \
        "192.168.204.5"
    assert list(doc["all"]["children"]["edgeworker_incomplete"]["hosts"]) == ["u-4"]


def test_empty():
    inv = inventory.build([])
    assert inv["edgeworker"] == {"hosts": []}
    assert inv["_meta"] == {"hostvars": {}}
