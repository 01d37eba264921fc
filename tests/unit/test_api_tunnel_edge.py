"""What the edge side reads (docs/tunnel.md "What the edge reads"): the edge-tunnel network's
tunnel_* keys, written by the conductor from [tunnel] at start; the controller's public key
derived from its private key file (RFC 7748 vectors, and `wg pubkey` where wg is installed)."""

import base64
import binascii
import os
import shutil
import subprocess
import uuid

import pytest

from sysinv_edgeworker.common import exception, wgkeys
from sysinv_edgeworker.conductor import tunnel_edge

# RFC 7748 §6.1: Alice's private and public keys
ALICE = base64.b64encode(
    binascii.unhexlify("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
).decode()
ALICE_PUB = base64.b64encode(
    binascii.unhexlify("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
).decode()


def test_public_key_rfc7748():
    assert wgkeys.public_key(ALICE) == ALICE_PUB
    assert wgkeys.public_key(ALICE + "\n") == ALICE_PUB
    # RFC 7748 §5.2 first vector: arbitrary scalar and u-coordinate
    out = wgkeys.x25519(
        binascii.unhexlify("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
        binascii.unhexlify("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
    )
    assert out.hex() == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"


@pytest.mark.parametrize("bad", ["", "abc", ALICE[:-4], base64.b64encode(b"x" * 31).decode(), None])
def test_public_key_refuses_non_keys(bad):
    with pytest.raises(ValueError) as err:
        wgkeys.public_key(bad)
    assert "not a WireGuard key" in str(err.value)


@pytest.mark.skipif(shutil.which("wg") is None, reason="wireguard-tools not installed")
def test_public_key_matches_wg_pubkey():
    for _ in range(3):
        priv = subprocess.run(["wg", "genkey"], capture_output=True, text=True, check=True).stdout
        pub = subprocess.run(
            ["wg", "pubkey"], input=priv, capture_output=True, text=True, check=True
        ).stdout.strip()
        assert wgkeys.public_key(priv) == pub


@pytest.fixture
def edge_conf(conf, tmp_path):
    keyfile = tmp_path / "wg-edge.key"
    keyfile.write_text(ALICE + "\n")
    os.chmod(keyfile, 0o600)
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    conf.set_override("interface", "wgu%s" % uuid.uuid4().hex[:8], group="tunnel")
    conf.set_override("private_key_file", str(keyfile), group="tunnel")
    conf.set_override("endpoints", ["wan.example.net:51820", "[2001:db8::1]:51820"], group="tunnel")
    conf.set_override(
        "routes", ["10.96.0.0/12", "172.16.0.0/16", "192.168.204.0/24"], group="tunnel"
    )
    conf.set_override("mtu", 1380, group="tunnel")
    conf.set_override("persistent_keepalive", 15, group="tunnel")
    return conf


def test_tunnel_network_shows_what_the_edge_needs(edge_conf, api):
    nets = {n["type"]: n for n in api.get("/v1/networks").json["networks"]}
    shown = api.get("/v1/networks/%s" % nets["edge-tunnel"]["uuid"]).json
    expected = {
        "tunnel_subnet": "10.66.0.0/24",
        "tunnel_controller_address": "10.66.0.1",
        "tunnel_public_key": ALICE_PUB,
        "tunnel_endpoints": ["wan.example.net:51820", "[2001:db8::1]:51820"],
        "tunnel_listen_port": 51820,
        "tunnel_mtu": 1380,
        "tunnel_persistent_keepalive": 15,
        # the mgmt subnet first, then [tunnel] routes, each once
        "tunnel_routes": ["192.168.204.0/24", "10.96.0.0/12", "172.16.0.0/16"],
    }
    for doc in (shown, nets["edge-tunnel"]):
        assert {k: doc[k] for k in expected} == expected
    assert ALICE not in str(shown) and ALICE not in str(nets)  # never the private key
    # sysinv's keys as before; no tunnel_* keys on the mgmt network
    assert not [k for k in nets["mgmt"] if k.startswith("tunnel")]
    assert "tunnel_settings" not in shown
    assert shown["type"] == "edge-tunnel" and shown["primary_pool_family"] == "IPv4"


def test_settings_follow_the_configuration_at_restart(edge_conf, db):
    from sysinv_edgeworker.conductor import bootstrap

    bootstrap.bootstrap(db, edge_conf)
    edge_conf.set_override("mtu", 1280, group="tunnel")
    os.unlink(edge_conf.tunnel.private_key_file)  # the key not readable: no public key
    bootstrap.bootstrap(db, edge_conf)
    net = db.network_get_by_type("edge-tunnel")
    assert net.tunnel_settings["mtu"] == 1280
    assert net.tunnel_settings["public_key"] is None
    assert not db.network_get_by_type("mgmt").tunnel_settings


@pytest.mark.parametrize(
    "option, value, message",
    [
        (
            "endpoints",
            ["wan.example.net"],
            "[tunnel] endpoints: 'wan.example.net' is not host:port ([address]:port for IPv6).",
        ),
        (
            "endpoints",
            ["2001:db8::1:51820"],
            "[tunnel] endpoints: '2001:db8::1:51820' is not host:port ([address]:port for IPv6).",
        ),
        ("endpoints", ["h:70000"], "[tunnel] endpoints: 'h:70000' is not host:port"),
        ("routes", ["10.96.0.0/33"], "[tunnel] routes: '10.96.0.0/33' is not a CIDR."),
    ],
)
def test_bad_edge_options_name_the_option(edge_conf, db, option, value, message):
    from sysinv_edgeworker.conductor import bootstrap

    edge_conf.set_override(option, value, group="tunnel")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.bootstrap(db, edge_conf)
    assert message in err.value.message
    with pytest.raises(exception.ConfigurationError):
        tunnel_edge.check(edge_conf.tunnel)
