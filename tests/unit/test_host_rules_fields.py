"""The host rules' exact outcomes, field by field: every message, limit and normalisation
(written to kill the mutants benchmarks/mutation.py found surviving)."""

import json

import pytest

from sysinv_edgeworker.api import host_rules as rules
from sysinv_edgeworker.common import exception
from tests.unit.host_rules_data import CURRENT, EDGE, MAC, WORKER

DYN = rules.MgmtNetwork(
    dynamic=True,
    subnet="192.168.204.0/24",
    reserved={"192.168.204.2": "controller floating address"},
)
STATIC = rules.MgmtNetwork(dynamic=False, subnet=DYN.subnet, reserved=DYN.reserved)


def _err(cls, fn, *args):
    with pytest.raises(cls) as err:
        fn(*args)
    return err.value


def _invalid(fn, *args):
    e = _err(exception.InvalidParameterValue, fn, *args)
    assert e.code == 400
    return e.message


# ---- personality and hostname -------------------------------------------------------------


@pytest.mark.parametrize("value,shown", [(5, "5"), (["edgeworker"], "['edgeworker']"), ("", "")])
def test_personality_not_text_or_unknown(value, shown):
    assert _invalid(rules.personality, value) == (
        "personality '%s' is invalid; expected one of: controller, worker, storage, "
        "edgeworker." % shown
    )


def test_personality_known_values_returned():
    assert [rules.personality(p) for p in ("controller", "worker", "storage", "edgeworker")] == [
        "controller",
        "worker",
        "storage",
        "edgeworker",
    ]


def test_personality_mode_messages():
    assert _invalid(
        rules.validate_create, dict(EDGE, personality="worker", hostname="worker-0"), "simplex", DYN
    ) == ("personality 'worker' is not allowed in a simplex system (allowed in: duplex, standard).")
    assert _invalid(
        rules.validate_create,
        dict(EDGE, personality="storage", hostname="storage-0"),
        "duplex",
        DYN,
    ) == ("personality 'storage' is not allowed in a duplex system (allowed in: standard).")
    assert _invalid(
        rules.validate_create,
        dict(EDGE, personality="controller", hostname="controller-1"),
        "duplex",
        DYN,
    ) == (
        "personality 'controller' cannot be added: controller hosts are created by the "
        "platform bootstrap."
    )


def test_worker_and_storage_accepted_where_allowed():
    assert rules.validate_create(
        dict(EDGE, personality="worker", hostname="worker-0"), "duplex", DYN
    ) == {"mgmt_mac": MAC, "personality": "worker", "hostname": "worker-0"}
    assert rules.validate_create(
        dict(EDGE, personality="storage", hostname="storage-12"), "standard", DYN
    ) == {"mgmt_mac": MAC, "personality": "storage", "hostname": "storage-12"}


@pytest.mark.parametrize(
    "name,message",
    [
        ("controller-0", "hostname 'controller-0' is reserved for the controllers."),
        ("storage-3", "hostname 'storage-3' is reserved for storage hosts (storage-N)."),
    ],
)
def test_plain_hostname_messages(name, message):
    assert _invalid(rules.hostname, name, "edgeworker") == message
    assert _invalid(rules.hostname, name, "worker") == message


def test_hostname_checks_by_personality():
    assert rules.hostname("storage-x1", "edgeworker") == "storage-x1"
    assert rules.hostname("storage-1", "storage") == "storage-1"
    assert _invalid(rules.hostname, "store1", "storage") == (
        "hostname 'store1' is invalid for a storage host: use storage-N."
    )
    assert _invalid(rules.hostname, "storage-1x", "storage") == (
        "hostname 'storage-1x' is invalid for a storage host: use storage-N."
    )
    # no personality rule (unknown) or none to apply (controller): only the name's syntax
    assert rules.hostname("storage-1", None) == "storage-1"
    assert rules.hostname("controller-0", "controller") == "controller-0"
    assert _invalid(rules.hostname, "Bad_Name", None).startswith(
        "hostname 'Bad_Name' is not a valid Kubernetes node name"
    )


# ---- mgmt_ip -----------------------------------------------------------------------------


def test_mgmt_ip_dynamic_message():
    assert _invalid(rules.mgmt_ip, "192.168.204.50", DYN) == (
        "mgmt_ip cannot be specified: the mgmt network is dynamic and the address is "
        "allocated by the system."
    )


@pytest.mark.parametrize(
    "subnet,ip,message",
    [
        (
            "192.168.204.0/24",
            "192.168.204.0",
            "mgmt_ip 192.168.204.0 is the network address of the mgmt subnet 192.168.204.0/24.",
        ),
        (
            "192.168.204.0/24",
            "192.168.204.255",
            "mgmt_ip 192.168.204.255 is the broadcast address of the mgmt subnet 192.168.204.0/24.",
        ),
        (
            "10.1.0.0/30",
            "10.1.0.3",
            "mgmt_ip 10.1.0.3 is the broadcast address of the mgmt subnet 10.1.0.0/30.",
        ),
        (
            "10.1.0.0/31",
            "10.1.0.0",
            "mgmt_ip 10.1.0.0 is the network address of the mgmt subnet 10.1.0.0/31.",
        ),
        (
            "fd00:204::/64",
            "fd00:204::",
            "mgmt_ip fd00:204:: is the network address of the mgmt subnet fd00:204::/64.",
        ),
        (
            "192.168.204.0/24",
            "192.168.204.2",
            "mgmt_ip 192.168.204.2 is reserved for the controller floating address.",
        ),
        (
            "192.168.204.0/24",
            "10.0.0.5",
            "mgmt_ip 10.0.0.5 is not in the mgmt subnet 192.168.204.0/24.",
        ),
    ],
)
def test_mgmt_ip_static_refusals(subnet, ip, message):
    net = rules.MgmtNetwork(dynamic=False, subnet=subnet, reserved=STATIC.reserved)
    assert _invalid(rules.mgmt_ip, ip, net) == message


@pytest.mark.parametrize(
    "subnet,ip,expected",
    [
        ("192.168.204.0/24", " 192.168.204.1 ", "192.168.204.1"),
        ("192.168.204.0/24", "192.168.204.254", "192.168.204.254"),
        ("10.1.0.0/31", "10.1.0.1", "10.1.0.1"),  # a /31 has no broadcast address
        ("10.1.0.0/30", "10.1.0.2", "10.1.0.2"),
        # IPv6 has no broadcast: the last address of the subnet is a host address
        ("fd00:204::/64", "FD00:204:0::FFFF:FFFF:FFFF:FFFF", "fd00:204::ffff:ffff:ffff:ffff"),
    ],
)
def test_mgmt_ip_static_accepted_normalised(subnet, ip, expected):
    net = rules.MgmtNetwork(dynamic=False, subnet=subnet, reserved={})
    assert rules.mgmt_ip(ip, net) == expected


# ---- location and capabilities -----------------------------------------------------------


def test_location_text_and_objects():
    assert rules.location("rack 4") == {"locn": "rack 4"}
    assert rules.location("") == {"locn": ""}
    assert rules.location({}) == {}
    keys = {"k%d" % n: "v" for n in range(rules.LOCATION_KEYS_MAX)}
    assert rules.location(keys) == keys
    longest = {"k" * rules.LOCATION_TEXT_MAX: "v" * rules.LOCATION_TEXT_MAX}
    assert rules.location(longest) == longest


@pytest.mark.parametrize("value", [None, 5, ["rack 4"], {"locn": 4}, {4: "rack"}, {"locn": None}])
def test_location_wrong_type(value):
    assert _invalid(rules.location, value) == (
        'location must be text or an object of text values, e.g. {"locn": "rack 4"}.'
    )


def test_location_limits():
    too_many = {"k%d" % n: "v" for n in range(rules.LOCATION_KEYS_MAX + 1)}
    assert _invalid(rules.location, too_many) == "location has 17 keys; the maximum is 16."
    long_key = "k" * (rules.LOCATION_TEXT_MAX + 1)
    assert _invalid(rules.location, {"a": "v", long_key: "v"}) == (
        "location '%s…' is too long; keys and values are at most 255 characters." % ("k" * 32)
    )
    assert _invalid(rules.location, {"locn": "v" * 256}) == (
        "location 'locn' is too long; keys and values are at most 255 characters."
    )
    assert _invalid(rules.location, "v" * 256) == (
        "location 'locn' is too long; keys and values are at most 255 characters."
    )


def test_capabilities():
    assert rules.capabilities({}) == {}
    biggest = {"a": "x" * (rules.CAPABILITIES_MAX - 9)}
    assert len(json.dumps(biggest)) == rules.CAPABILITIES_MAX
    assert rules.capabilities(biggest) == biggest
    assert _invalid(rules.capabilities, {"a": "x" * (rules.CAPABILITIES_MAX - 8)}) == (
        "capabilities is 4097 bytes of JSON; the maximum is 4096."
    )
    for value in (None, "x", ["a"]):
        assert _invalid(rules.capabilities, value) == "capabilities must be a JSON object."


def test_free_form_fields_on_create_and_update():
    out = rules.validate_create(dict(EDGE, location="rack 4", capabilities={"a": 1}), "duplex", DYN)
    assert out == dict(EDGE, location={"locn": "rack 4"}, capabilities={"a": 1})
    assert rules.validate_create(
        {"mgmt_mac": MAC, "location": "r", "capabilities": None}, "duplex", DYN
    ) == {"mgmt_mac": MAC, "location": {"locn": "r"}}
    assert rules.validate_update(CURRENT, {"location": "r", "capabilities": {}}, "duplex", DYN) == {
        "location": {"locn": "r"},
        "capabilities": {},
    }
    assert rules.validate_update(CURRENT, {"location": None}, "duplex", DYN) == {}
    assert _invalid(rules.validate_update, CURRENT, {"capabilities": []}, "duplex", DYN) == (
        "capabilities must be a JSON object."
    )


# ---- board management --------------------------------------------------------------------


def test_bmc_messages_name_the_personality():
    e = _err(
        exception.NotSupported,
        rules.validate_create,
        {"mgmt_mac": MAC, "bm_ip": "1"},
        "duplex",
        DYN,
    )
    assert (e.code, e.message) == (
        400,
        "Board management (bm_ip) is not supported for unprovisioned hosts.",
    )
    e = _err(
        exception.NotSupported, rules.validate_update, WORKER, {"bm_type": "ipmi"}, "duplex", DYN
    )
    assert e.message == "Board management (bm_type) is not supported for worker hosts."
    # empty BMC values are what clients send for "none": not a request for board management
    assert rules.validate_create(dict(EDGE, bm_ip="", bm_type=None), "duplex", DYN) == EDGE
