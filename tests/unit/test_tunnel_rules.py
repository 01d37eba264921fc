"""api/tunnel_rules.py and conductor/wireguard.py's pure parts, without HTTP."""

import datetime
import shutil
import subprocess

import pytest

from sysinv_edgeworker.api import tunnel_rules
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import wireguard
from sysinv_edgeworker.db.sqlalchemy.tunnel import Peer


@pytest.mark.skipif(shutil.which("wg") is None, reason="wireguard-tools not installed")
def test_accepts_exactly_what_wg_pubkey_prints():
    for _ in range(20):
        private = subprocess.run(["wg", "genkey"], capture_output=True, text=True,
                                 check=True).stdout
        public = subprocess.run(["wg", "pubkey"], input=private, capture_output=True,
                                text=True, check=True).stdout.strip()
        assert len(public) == 44
        assert tunnel_rules.wg_public_key(public) == public


def test_key_error_never_echoes_the_value():
    secret = "cGFzdGVkIGEgcHJpdmF0ZSBrZXkgYnkgbWlzdGFrZQo"
    with pytest.raises(exception.InvalidParameterValue) as err:
        tunnel_rules.wg_public_key(secret)
    assert secret not in str(err.value) and "wg_public_key" in str(err.value)


@pytest.mark.parametrize("field", ["wg_private_key", "PrivateKey", "privkey", "private",
                                   "wg_secret", "x_PRIVATE_y"])
def test_private_looking_fields_refused_by_name(field):
    with pytest.raises(exception.InvalidParameterValue, match="'%s' is refused" % field):
        tunnel_rules.refuse_private({field: "v", "hostname": "edge-01"})


def test_public_fields_pass():
    tunnel_rules.refuse_private(["wg_public_key", "mgmt_attach", "hostname", "personality"])


KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="


@pytest.mark.parametrize("current,values,expected", [
    (None, {}, ("direct", {})),
    (None, {"mgmt_attach": "direct"}, ("direct", {})),
    (None, {"mgmt_attach": "tunnel", "wg_public_key": KEY},
     ("tunnel", {"mgmt_attach": "tunnel", "wg_public_key": KEY})),
    ({"mgmt_attach": "tunnel", "wg_public_key": KEY}, {"wg_public_key": None},
     ("tunnel", {"wg_public_key": None})),
    ({"mgmt_attach": "tunnel", "wg_public_key": KEY}, {"wg_public_key": KEY}, ("tunnel", {})),
    ({"mgmt_attach": "tunnel", "wg_public_key": None}, {"wg_public_key": ""}, ("tunnel", {})),
    ({"mgmt_attach": "tunnel", "wg_public_key": KEY}, {"mgmt_attach": "direct"},
     ("direct", {"mgmt_attach": "direct"})),
])
def test_check(current, values, expected):
    assert tunnel_rules.check(current, values, True, "edgeworker") == expected


def test_render_is_stable_and_has_no_private_key():
    peers = [Peer("u1", "edge-01", KEY, "10.66.0.2"), Peer("u2", "edge-02", "B" * 43 + "=",
                                                             "fd00::2")]
    text = wireguard.render(peers, 51820)
    assert text == wireguard.render(peers, 51820)
    assert "PrivateKey" not in text
    assert text.endswith("[Peer]\n# edge-02 u2\nPublicKey = %s\nAllowedIPs = fd00::2/128\n"
                         % ("B" * 43 + "="))
    assert "ListenPort = 51820\n" in text and "AllowedIPs = 10.66.0.2/32\n" in text


def test_parse_handshakes():
    out = wireguard.parse_handshakes("%s\t1764460800\n%s\t0\nnoise\n" % (KEY, "B" * 43 + "="))
    assert out == {KEY: datetime.datetime(2025, 11, 30, 0, 0), "B" * 43 + "=": None}
