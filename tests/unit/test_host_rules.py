"""The host rule table, tested without HTTP or a database."""

import pytest

from sysinv_edgeworker.api import host_rules as rules
from sysinv_edgeworker.common import exception

DYN = rules.MgmtNetwork(dynamic=True, subnet="192.168.204.0/24",
                        reserved={"192.168.204.2": "controller floating address",
                                  "192.168.204.3": "controller-0",
                                  "192.168.204.254": "gateway"})
STATIC = rules.MgmtNetwork(dynamic=False, subnet=DYN.subnet, reserved=DYN.reserved)
MAC = "52:54:00:aa:bb:01"


def _err(fn, *args):
    with pytest.raises(exception.EdgeworkerException) as err:
        fn(*args)
    return err.value


@pytest.mark.parametrize("mode", ["simplex", "duplex", "standard"])
def test_edgeworker_accepted_in_every_system_mode(mode):
    out = rules.validate_create({"hostname": "edge-01", "personality": "edgeworker",
                                 "mgmt_mac": "52:54:00:AA:BB:01"}, mode, DYN)
    assert out == {"hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": MAC}


@pytest.mark.parametrize("pers,mode,hostname", [
    ("worker", "simplex", "worker-0"), ("storage", "simplex", "storage-0"),
    ("storage", "duplex", "storage-0")])
def test_personality_not_allowed_in_mode(pers, mode, hostname):
    e = _err(rules.validate_create, {"hostname": hostname, "personality": pers,
                                     "mgmt_mac": MAC}, mode, DYN)
    assert e.code == 400
    assert e.message.startswith("personality '%s' is not allowed in a %s system" % (pers, mode))


def test_controller_cannot_be_added():
    e = _err(rules.validate_create, {"hostname": "controller-1", "personality": "controller",
                                     "mgmt_mac": MAC}, "duplex", DYN)
    assert "controller hosts are created by the platform bootstrap" in e.message


@pytest.mark.parametrize("name,fragment", [
    ("controller-0", "hostname 'controller-0' is reserved for the controllers."),
    ("controller-1", "hostname 'controller-1' is reserved for the controllers."),
    ("storage-3", "hostname 'storage-3' is reserved for storage hosts"),
    ("Edge_1", "is not a valid Kubernetes node name"),
])
def test_edgeworker_hostname_rules(name, fragment):
    e = _err(rules.validate_create, {"hostname": name, "personality": "edgeworker",
                                     "mgmt_mac": MAC}, "standard", DYN)
    assert fragment in e.message


def test_storage_hostname_must_be_storage_n():
    e = _err(rules.validate_create, {"hostname": "store1", "personality": "storage",
                                     "mgmt_mac": MAC}, "standard", DYN)
    assert "invalid for a storage host: use storage-N" in e.message


def test_hostname_required_with_personality():
    e = _err(rules.validate_create, {"personality": "edgeworker", "mgmt_mac": MAC},
             "duplex", DYN)
    assert e.message == "hostname is required for edgeworker hosts."


def test_bare_mac_allowed_and_fields_need_personality():
    assert rules.validate_create({"mgmt_mac": MAC}, "duplex", DYN) == {"mgmt_mac": MAC}
    e = _err(rules.validate_create, {"mgmt_mac": MAC, "hostname": "edge-01"}, "duplex", DYN)
    assert e.message.startswith("hostname requires a personality")


def test_invalid_personality_names_choices():
    e = _err(rules.validate_create, {"mgmt_mac": MAC, "hostname": "e", "personality": "edge"},
             "duplex", DYN)
    assert e.message == ("personality 'edge' is invalid; expected one of: controller, worker, "
                         "storage, edgeworker.")


def test_dynamic_network_refuses_supplied_ip():
    e = _err(rules.validate_create, {"hostname": "edge-01", "personality": "edgeworker",
                                     "mgmt_mac": MAC, "mgmt_ip": "192.168.204.50"},
             "duplex", DYN)
    assert e.message.startswith("mgmt_ip cannot be specified: the mgmt network is dynamic")


@pytest.mark.parametrize("ip,fragment", [
    (None, "mgmt_ip is required for edgeworker hosts: the mgmt network is static."),
    ("10.0.0.5", "mgmt_ip 10.0.0.5 is not in the mgmt subnet 192.168.204.0/24."),
    ("192.168.204.0", "is the network address"),
    ("192.168.204.255", "is the broadcast address"),
    ("192.168.204.254", "mgmt_ip 192.168.204.254 is reserved for the gateway."),
    ("192.168.204.3", "reserved for the controller-0."),
    ("192.168.204.2", "reserved for the controller floating address."),
    ("not-an-ip", "mgmt_ip 'not-an-ip' is not a valid IP address."),
])
def test_static_network_ip_rules(ip, fragment):
    values = {"hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": MAC}
    if ip:
        values["mgmt_ip"] = ip
    e = _err(rules.validate_create, values, "duplex", STATIC)
    assert fragment in e.message
    assert e.code == 400


def test_static_network_valid_ip():
    out = rules.validate_create({"hostname": "edge-01", "personality": "edgeworker",
                                 "mgmt_mac": MAC, "mgmt_ip": "192.168.204.50"}, "duplex", STATIC)
    assert out["mgmt_ip"] == "192.168.204.50"


@pytest.mark.parametrize("field", rules.BMC_FIELDS)
def test_bmc_fields_refused_for_edgeworker(field):
    e = _err(rules.validate_create, {"hostname": "edge-01", "personality": "edgeworker",
                                     "mgmt_mac": MAC, field: "x"}, "duplex", DYN)
    assert e.message == ("Board management (%s) is not supported for edgeworker hosts." % field)


CURRENT = {"uuid": "u", "hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": MAC,
           "mgmt_ip": "192.168.204.1"}
BARE = {"uuid": "u", "hostname": None, "personality": None, "mgmt_mac": MAC, "mgmt_ip": None}


@pytest.mark.parametrize("field", sorted(rules.RESTRICTED_FIELDS))
def test_restricted_fields(field):
    e = _err(rules.validate_update, CURRENT, {field: "x"}, "duplex", DYN)
    assert e.message == "'%s' cannot be modified." % field


@pytest.mark.parametrize("action", rules.HOST_ACTIONS)
def test_every_action_refused_for_edgeworker(action):
    e = _err(rules.validate_update, CURRENT, {"action": action}, "duplex", DYN)
    assert e.message == "Host action '%s' is not supported for edgeworker hosts." % action


def test_worker_lock_allowed_and_unknown_action():
    worker = dict(CURRENT, personality="worker")
    assert rules.validate_update(worker, {"action": "lock"}, "duplex", DYN) == {"action": "lock"}
    e = _err(rules.validate_update, worker, {"action": "explode"}, "duplex", DYN)
    assert e.message.startswith("action 'explode' is invalid; expected one of: lock, unlock")


def test_personality_set_once():
    e = _err(rules.validate_update, CURRENT, {"personality": "worker"}, "duplex", DYN)
    assert e.message.startswith("personality cannot be changed once set (edgeworker)")


def test_hostname_cannot_change_for_edgeworker():
    e = _err(rules.validate_update, CURRENT, {"hostname": "edge-02"}, "duplex", DYN)
    assert e.message == "hostname cannot be changed once set (edge-01) for edgeworker hosts."


def test_same_values_are_no_changes():
    assert rules.validate_update(CURRENT, {"hostname": "edge-01",
                                           "personality": "edgeworker"}, "duplex", DYN) == {}


def test_bare_mac_becomes_edgeworker():
    out = rules.validate_update(BARE, {"hostname": "edge-01", "personality": "edgeworker"},
                                "simplex", DYN)
    assert out == {"hostname": "edge-01", "personality": "edgeworker"}


def test_bare_mac_to_edgeworker_static_needs_ip():
    e = _err(rules.validate_update, BARE, {"hostname": "edge-01", "personality": "edgeworker"},
             "duplex", STATIC)
    assert "mgmt_ip is required for edgeworker hosts" in e.message
    out = rules.validate_update(BARE, {"hostname": "edge-01", "personality": "edgeworker",
                                       "mgmt_ip": "192.168.204.9"}, "duplex", STATIC)
    assert out["mgmt_ip"] == "192.168.204.9"


def test_hostname_without_personality_on_bare_host():
    e = _err(rules.validate_update, BARE, {"hostname": "edge-01"}, "duplex", DYN)
    assert e.message == "hostname and mgmt_ip require a personality; set personality too."


def test_mgmt_ip_cannot_change():
    e = _err(rules.validate_update, CURRENT, {"mgmt_ip": "192.168.204.9"}, "duplex", STATIC)
    assert e.message == "mgmt_ip cannot be changed once assigned (192.168.204.1)."


def test_action_cannot_be_combined():
    e = _err(rules.validate_update, dict(CURRENT, personality="worker"),
             {"action": "lock", "location": {}}, "duplex", DYN)
    assert e.message == "action cannot be combined with other changes."


@pytest.mark.parametrize("op", ["host-upgrade", "host-downgrade"])
def test_upgrade_refused(op):
    e = _err(rules.check_upgrade, "edgeworker", op)
    assert e.message.startswith("%s is not supported for edgeworker hosts" % op)
