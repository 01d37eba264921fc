"""What the edge side of the WireGuard tunnel needs from the controller (docs/tunnel.md), from
[tunnel]: the controller interface's public key (derived from ``private_key_file``, never the
private key itself), the public endpoints, the port, the MTU, the keepalive and the routes
the edge sends through the tunnel (the mgmt subnet, then ``[tunnel] routes``). The conductor
writes them on the edge-tunnel network at start; the API shows them on that network.
"""

import netaddr
from oslo_log import log

from sysinv_edgeworker.common import exception, wgkeys

LOG = log.getLogger(__name__)


def _public_key(path):
    """The public key of the controller's private key file, None (with a warning) when it
    cannot be read yet: the deployment creates the interface and its key."""
    try:
        with open(path) as f:
            return wgkeys.public_key(f.read())
    except OSError as err:
        LOG.warning(
            "[tunnel] private_key_file %s cannot be read (%s): the edge-tunnel "
            "network shows no controller public key; edges cannot be configured "
            "until it exists and the conductor restarts.",
            path,
            err.strerror,
        )
    except ValueError:
        LOG.warning(
            "[tunnel] private_key_file %s does not hold a WireGuard key (what 'wg "
            "genkey' prints): the edge-tunnel network shows no controller public "
            "key.",
            path,
        )
    return None


def endpoint(value):
    """``host:port`` or ``[v6]:port``; ConfigurationError naming the option otherwise."""
    host, sep, port = value.strip().rpartition(":")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    ok = (
        sep
        and bare
        and port.isdigit()
        and 0 < int(port) < 65536
        and (":" not in bare or host.startswith("["))
        and " " not in bare
    )
    if ok and ":" in bare:
        ok = netaddr.valid_ipv6(bare)
    if not ok:
        raise exception.ConfigurationError(
            reason="[tunnel] endpoints: '%s' is not host:port ([address]:port for IPv6)." % value
        )
    return value.strip()


def _cidr(value):
    try:
        if "/" not in value:
            raise ValueError(value)
        return str(netaddr.IPNetwork(value.strip()).cidr)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.ConfigurationError(reason="[tunnel] routes: '%s' is not a CIDR." % value)


def settings(conf, mgmt_cidr):
    """The edge-tunnel network's ``tunnel_settings`` from [tunnel] (``conf``) and the mgmt
    subnet (``network/prefix``)."""
    routes = []
    for cidr in [mgmt_cidr] + list(conf.routes or []):
        cidr = _cidr(cidr)
        if cidr not in routes:
            routes.append(cidr)
    return {
        "public_key": _public_key(conf.private_key_file),
        "endpoints": [endpoint(e) for e in conf.endpoints or []],
        "listen_port": conf.listen_port,
        "mtu": conf.mtu,
        "persistent_keepalive": conf.persistent_keepalive,
        "routes": routes,
    }


def check(conf):
    """Configuration errors of the edge options, before any change (bootstrap's first step)."""
    for e in conf.endpoints or []:
        endpoint(e)
    for cidr in conf.routes or []:
        _cidr(cidr)
