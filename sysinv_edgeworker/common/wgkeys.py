"""A WireGuard public key from its private key (Curve25519, RFC 7748 §5), what ``wg pubkey``
prints: the conductor publishes the controller interface's public key (docs/tunnel.md) from
``[tunnel] private_key_file`` without a crypto dependency or a subprocess. Constant-time is not
needed here: the private key is the conductor's own, read from its own file."""

import base64
import binascii

_P = 2**255 - 19
_A24 = 121665


def _clamp(scalar):
    raw = bytearray(scalar)
    raw[0] &= 248
    raw[31] &= 127
    raw[31] |= 64
    return int.from_bytes(raw, "little")


def x25519(scalar, u_bytes):
    """RFC 7748 X25519(scalar, u) over 32-byte strings."""
    k = _clamp(scalar)
    u = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, u, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = x2 + z2, x2 - z2
        aa, bb = a * a % _P, b * b % _P
        e = aa - bb
        c, d = x3 + z3, x3 - z3
        da, cb = d * a % _P, c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = u * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + _A24 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def public_key(private_key):
    """``wg pubkey`` of ``private_key`` (base64 of 32 bytes). ValueError for anything else;
    the message never carries the input."""
    try:
        raw = base64.b64decode(private_key.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raw = b""
    if len(raw) != 32:
        raise ValueError("not a WireGuard key (base64 of 32 bytes, as 'wg genkey' prints it)")
    return base64.b64encode(x25519(raw, (9).to_bytes(32, "little"))).decode()
