"""The rules of a host's management attachment and WireGuard public key (docs/tunnel.md):
pure functions over plain values that raise domain exceptions; api/host_rules.py calls them.

A key is never echoed in an error message: a client that pastes the private key into
wg_public_key by mistake must not find it in a log line or a terminal's scroll-back.
"""

import base64
import binascii
import re

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception, validators

FIELDS = ("mgmt_attach", "wg_public_key")
KEY_LENGTH = 44  # base64 of 32 bytes, as `wg genkey | wg pubkey` prints it
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{43}=$")
# Field names that look like a private key (wg_private_key, PrivateKey, privkey, …).
_PRIVATE = re.compile(r"priv|secret", re.IGNORECASE)


def refuse_private(fields):
    """400 for any supplied field that looks like a private key, naming it (never its
    value). Runs before any other check, so such a value is never stored or echoed."""
    for field in fields:
        if isinstance(field, str) and _PRIVATE.search(field):
            raise exception.InvalidParameterValue(
                err="'%s' is refused: a private key never leaves its node. Register the "
                    "node's public key (wg pubkey) as wg_public_key."
                    % validators.shown(field, 40))


def mgmt_attach(value):
    if value not in k.MGMT_ATTACHES:
        raise exception.InvalidParameterValue(
            err="mgmt_attach '%s' is invalid; expected one of: %s."
                % (validators.shown(value, 40), ", ".join(k.MGMT_ATTACHES)))
    return value


def wg_public_key(value):
    """A WireGuard public key: base64 of exactly 32 bytes (44 characters, one '=')."""
    if isinstance(value, str) and _BASE64.match(value):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        # canonical only (no stray bits in the last character), as wg(8) writes keys
        if len(raw) == 32 and base64.b64encode(raw).decode() == value:
            return value
    raise exception.InvalidParameterValue(
        err="wg_public_key must be a WireGuard public key: %d characters of base64 encoding "
            "32 bytes, as 'wg pubkey' prints it." % KEY_LENGTH)


def check(current, values, tunnel_configured, personality):
    """The attachment fields of a create (``current`` None) or an update (``current`` is
    the host's dict; ``values`` its changes). Returns (final attachment, normalised changes
    of mgmt_attach / wg_public_key; wg_public_key None revokes the key)."""
    current = current or {}
    was = current.get("mgmt_attach") or k.MGMT_ATTACH_DIRECT
    out = {}
    attach = was
    if values.get("mgmt_attach") is not None:
        attach = mgmt_attach(values["mgmt_attach"])
        if attach != was:
            out["mgmt_attach"] = attach
    elif "mgmt_attach" in values and current:
        raise exception.InvalidParameterValue(
            err="mgmt_attach cannot be removed; set it to direct or tunnel.")
    if attach == k.MGMT_ATTACH_TUNNEL:
        if "mgmt_attach" in out and not tunnel_configured:
            raise exception.NoTunnelNetwork(what="mgmt_attach 'tunnel'")
        if personality != k.EDGEWORKER:
            raise exception.InvalidParameterValue(
                err="mgmt_attach 'tunnel' is only for edgeworker hosts%s."
                    % ("; set personality=edgeworker too" if personality is None else ""))
        if values.get("mgmt_ip") not in (None, ""):
            raise exception.InvalidParameterValue(
                err="mgmt_ip cannot be specified for a tunnel host: its address is "
                    "allocated from the edge-tunnel network.")
    if "wg_public_key" in values:
        key = values["wg_public_key"]
        if key in (None, ""):
            if current.get("wg_public_key") is not None:
                out["wg_public_key"] = None  # revoked
        else:
            key = wg_public_key(key)
            if attach != k.MGMT_ATTACH_TUNNEL:
                raise exception.InvalidParameterValue(
                    err="wg_public_key is only for hosts with mgmt_attach 'tunnel'.")
            if key != current.get("wg_public_key"):
                out["wg_public_key"] = key
    return attach, out
