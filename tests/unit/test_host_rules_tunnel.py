"""The host rules' tunnel paths (docs/tunnel.md): what validate_create/validate_update pass
to tunnel_rules.check and what they do when a host moves between direct and tunnel, as exact
outputs and messages (written to kill the mutants benchmarks/mutation.py found surviving)."""

import pytest

from sysinv_edgeworker.api import host_rules as rules
from sysinv_edgeworker.common import exception
from tests.unit.host_rules_data import BARE, CURRENT, EDGE, KEY, MAC, TUNNEL_HOST

SUBNET = "192.168.204.0/24"
DYN = rules.MgmtNetwork(dynamic=True, subnet=SUBNET, reserved={}, tunnel=True)
STATIC = rules.MgmtNetwork(dynamic=False, subnet=SUBNET, reserved={}, tunnel=True)
NO_TUNNEL = rules.MgmtNetwork(dynamic=False, subnet=SUBNET, reserved={})
NEEDS_TUNNEL_NET = (
    "mgmt_attach 'tunnel' needs the edge-tunnel network, and none is configured ([tunnel] "
    "subnet in the conductor's configuration; docs/tunnel.md)."
)
STATIC_NEEDS_IP = "mgmt_ip is required for edgeworker hosts: the mgmt network is static."


def _invalid(fn, *args, cls=exception.InvalidParameterValue):
    with pytest.raises(cls) as err:
        fn(*args)
    assert type(err.value) is cls and err.value.code == 400
    return err.value.message


# ---- create: tunnel_rules.check gets the network's tunnel flag and the personality ---------


@pytest.mark.parametrize("net", [STATIC, DYN])
def test_create_tunnel_edgeworker_needs_no_mgmt_ip(net):
    values = dict(EDGE, mgmt_attach="tunnel", wg_public_key=KEY)
    assert rules.validate_create(values, "duplex", net) == values


def test_create_tunnel_without_tunnel_network():
    assert (
        _invalid(
            rules.validate_create,
            dict(EDGE, mgmt_attach="tunnel"),
            "duplex",
            NO_TUNNEL,
            cls=exception.NoTunnelNetwork,
        )
        == NEEDS_TUNNEL_NET
    )


def test_create_tunnel_is_for_edgeworkers_only():
    worker = {"mgmt_mac": MAC, "hostname": "worker-1", "personality": "worker"}
    assert (
        _invalid(rules.validate_create, dict(worker, mgmt_attach="tunnel"), "duplex", STATIC)
        == "mgmt_attach 'tunnel' is only for edgeworker hosts."
    )
    assert (
        _invalid(
            rules.validate_create, {"mgmt_mac": MAC, "mgmt_attach": "tunnel"}, "duplex", STATIC
        )
        == "mgmt_attach 'tunnel' is only for edgeworker hosts; set personality=edgeworker too."
    )


# ---- update: check gets the current host, the tunnel flag and the new personality ----------


def test_update_direct_to_tunnel():
    assert rules.validate_update(CURRENT, {"mgmt_attach": "tunnel"}, "duplex", STATIC) == {
        "mgmt_attach": "tunnel"
    }
    assert (
        _invalid(
            rules.validate_update,
            CURRENT,
            {"mgmt_attach": "tunnel"},
            "duplex",
            NO_TUNNEL,
            cls=exception.NoTunnelNetwork,
        )
        == NEEDS_TUNNEL_NET
    )
    worker = dict(CURRENT, hostname="worker-0", personality="worker")
    assert (
        _invalid(rules.validate_update, worker, {"mgmt_attach": "tunnel"}, "duplex", STATIC)
        == "mgmt_attach 'tunnel' is only for edgeworker hosts."
    )


def test_update_bare_host_gets_personality_and_tunnel_at_once():
    changes = {"personality": "edgeworker", "hostname": "edge-01", "mgmt_attach": "tunnel"}
    assert rules.validate_update(BARE, changes, "duplex", STATIC) == changes
    assert (
        _invalid(rules.validate_update, BARE, {"mgmt_attach": "tunnel"}, "duplex", STATIC)
        == "mgmt_attach 'tunnel' is only for edgeworker hosts; set personality=edgeworker too."
    )


def test_update_tunnel_host_is_compared_with_its_current_record():
    """A tunnel host that stays on the tunnel moves nowhere; its key is revoked or kept."""
    assert rules.validate_update(TUNNEL_HOST, {"mgmt_attach": "tunnel"}, "duplex", STATIC) == {}
    assert rules.validate_update(TUNNEL_HOST, {"wg_public_key": None}, "duplex", STATIC) == {
        "wg_public_key": None
    }
    assert rules.validate_update(TUNNEL_HOST, {"wg_public_key": KEY}, "duplex", STATIC) == {}


# ---- update: back to the flat network, a new mgmt address as at host-add -------------------


def test_back_to_direct_on_static_network_takes_the_given_mgmt_ip():
    changes = {"mgmt_attach": "direct", "mgmt_ip": "192.168.204.9"}
    assert rules.validate_update(TUNNEL_HOST, changes, "duplex", STATIC) == changes


@pytest.mark.parametrize("ip", [None, ""])
def test_back_to_direct_on_static_network_needs_mgmt_ip(ip):
    changes = {"mgmt_attach": "direct"} if ip is None else {"mgmt_attach": "direct", "mgmt_ip": ip}
    assert _invalid(rules.validate_update, TUNNEL_HOST, changes, "duplex", STATIC) == (
        STATIC_NEEDS_IP
    )


@pytest.mark.parametrize(
    "changes", [{"mgmt_attach": "direct"}, {"mgmt_attach": "direct", "mgmt_ip": ""}]
)
def test_back_to_direct_on_dynamic_network_needs_nothing(changes):
    assert rules.validate_update(TUNNEL_HOST, changes, "duplex", DYN) == {"mgmt_attach": "direct"}


def test_back_to_direct_mgmt_ip_is_validated_against_the_mgmt_network():
    back = {"mgmt_attach": "direct"}
    assert (
        _invalid(
            rules.validate_update, TUNNEL_HOST, dict(back, mgmt_ip="10.0.0.1"), "duplex", STATIC
        )
        == "mgmt_ip 10.0.0.1 is not in the mgmt subnet 192.168.204.0/24."
    )
    reserved = rules.MgmtNetwork(
        dynamic=False, subnet=SUBNET, reserved={"192.168.204.2": "controller-0"}, tunnel=True
    )
    assert (
        _invalid(
            rules.validate_update,
            TUNNEL_HOST,
            dict(back, mgmt_ip="192.168.204.2"),
            "duplex",
            reserved,
        )
        == "mgmt_ip 192.168.204.2 is reserved for the controller-0."
    )
    assert _invalid(
        rules.validate_update, TUNNEL_HOST, dict(back, mgmt_ip="192.168.204.9"), "duplex", DYN
    ) == (
        "mgmt_ip cannot be specified: the mgmt network is dynamic and the address is "
        "allocated by the system."
    )


def test_mgmt_ip_still_fixed_when_the_host_does_not_move():
    assert (
        _invalid(
            rules.validate_update,
            CURRENT,
            {"mgmt_attach": "direct", "mgmt_ip": "192.168.204.9"},
            "duplex",
            STATIC,
        )
        == "mgmt_ip cannot be changed once assigned (192.168.204.1)."
    )
