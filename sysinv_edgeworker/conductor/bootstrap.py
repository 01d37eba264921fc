"""Create the system record, the mgmt network and its address pool from configuration.

Idempotent: run at every conductor start. The subnet cannot change under existing data;
the dynamic flag and the allocation order follow the configuration.
"""

import netaddr
from oslo_log import log

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import tunnel_edge
from sysinv_edgeworker.conductor.allocator import key_of

LOG = log.getLogger(__name__)


def _addr(value, subnet, option, default_offset=None, group="mgmt_network"):
    if value in (None, ""):
        if default_offset is None:
            return None
        return str(netaddr.IPAddress(subnet.first + default_offset, version=subnet.version))
    try:
        ip = netaddr.IPAddress(value, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError):
        raise exception.ConfigurationError(
            reason="[%s] %s = %s is not an IP address." % (group, option, value))
    if ip not in subnet:
        raise exception.ConfigurationError(
            reason="[%s] %s = %s is outside subnet %s." % (group, option, ip, subnet))
    return str(ip)


def _subnet(value, group):
    try:
        subnet = netaddr.IPNetwork(value)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise exception.ConfigurationError(
            reason="[%s] subnet = %s is not a CIDR." % (group, value))
    if subnet.size < 8:
        raise exception.ConfigurationError(
            reason="[%s] subnet %s is too small." % (group, subnet))
    return subnet.cidr


def _range(conf, subnet, group):
    last = subnet.last - 1 if subnet.version == 4 else subnet.last
    start = _addr(conf.range_start, subnet, "range_start", 2, group)
    end = conf.range_end or str(netaddr.IPAddress(last, version=subnet.version))
    end = _addr(end, subnet, "range_end", group=group)
    if netaddr.IPAddress(start) > netaddr.IPAddress(end):
        raise exception.ConfigurationError(
            reason="[%s] range_start %s is after range_end %s." % (group, start, end))
    return start, [{"start": start, "end": end, "start_key": key_of(start),
                    "end_key": key_of(end)}]


def pool_plan(conf):
    """Pure: the pool values, its range and the reserved addresses, from [mgmt_network]."""
    subnet = _subnet(conf.subnet, "mgmt_network")
    start, ranges = _range(conf, subnet, "mgmt_network")
    reserved = {
        k.GATEWAY_NAME: _addr(conf.gateway_address, subnet, "gateway_address"),
        k.CONTROLLER_FLOATING_NAME: _addr(conf.controller_address, subnet,
                                          "controller_address", 2),
        k.CONTROLLER0_NAME: _addr(conf.controller0_address, subnet, "controller0_address", 3),
        k.CONTROLLER1_NAME: _addr(conf.controller1_address, subnet, "controller1_address", 4),
    }
    reserved = {name: ip for name, ip in reserved.items() if ip}
    if len(set(reserved.values())) != len(reserved):
        raise exception.ConfigurationError(
            reason="[mgmt_network] gateway and controller addresses must differ: %s" % reserved)
    pool = {
        "name": k.MGMT_POOL_NAME, "family": subnet.version, "network": str(subnet.network),
        "prefix": subnet.prefixlen, "allocation_order": conf.allocation_order,
        "gateway_address": reserved.get(k.GATEWAY_NAME),
        "controller_address": reserved.get(k.CONTROLLER_FLOATING_NAME),
        "controller0_address": reserved.get(k.CONTROLLER0_NAME),
        "controller1_address": reserved.get(k.CONTROLLER1_NAME),
        "next_key": key_of(start),
    }
    return pool, ranges, reserved


def tunnel_plan(conf):
    """Pure: the edge-tunnel pool, its range and the controller's reserved address, from
    [tunnel]; None when [tunnel] subnet is not set."""
    if not conf.subnet:
        return None
    subnet = _subnet(conf.subnet, "tunnel")
    controller = _addr(conf.controller_address, subnet, "controller_address", 1, "tunnel")
    start, ranges = _range(conf, subnet, "tunnel")
    pool = {"name": k.TUNNEL_POOL_NAME, "family": subnet.version,
            "network": str(subnet.network), "prefix": subnet.prefixlen,
            "allocation_order": conf.allocation_order, "controller_address": controller,
            "next_key": key_of(start)}
    return pool, ranges, {k.CONTROLLER_TUNNEL_NAME: controller}


def bootstrap(dbapi, conf):
    pool_values, ranges, reserved = pool_plan(conf.mgmt_network)
    if tunnel_plan(conf.tunnel) is not None:  # a configuration error fails before any change
        tunnel_edge.check(conf.tunnel)
    with dbapi.transaction():
        dbapi.lock_bootstrap()
        try:
            system = dbapi.system_get()
            if system.system_mode != conf.system.system_mode:
                LOG.warning("[system] system_mode = %s but the system record says %s; the "
                            "record is kept.", conf.system.system_mode, system.system_mode)
        except exception.SystemNotFound:
            dbapi.system_create({"name": conf.system.name,
                                 "system_mode": conf.system.system_mode,
                                 "system_type": conf.system.system_type,
                                 "description": "created from configuration"})
        _network(dbapi, k.NETWORK_TYPE_MGMT, k.MGMT_NETWORK_NAME, "mgmt_network",
                 (pool_values, ranges, reserved), conf.mgmt_network.dynamic)
        tunnel = tunnel_plan(conf.tunnel)
        if tunnel is not None:
            _network(dbapi, k.NETWORK_TYPE_TUNNEL, k.TUNNEL_NETWORK_NAME, "tunnel", tunnel,
                     True)
            net = dbapi.network_get_by_type(k.NETWORK_TYPE_TUNNEL)
            edge = tunnel_edge.settings(
                conf.tunnel, "%s/%s" % (pool_values["network"], pool_values["prefix"]))
            if net.tunnel_settings != edge:
                dbapi.network_update(net.id, {"tunnel_settings": edge})
        elif _exists(dbapi, k.NETWORK_TYPE_TUNNEL):
            LOG.warning("[tunnel] subnet is not set but the database holds the edge-tunnel "
                        "network; its hosts keep their addresses, new tunnel hosts are "
                        "refused and the peer set is not rendered.")


def _exists(dbapi, net_type):
    try:
        return dbapi.network_get_by_type(net_type)
    except exception.NotFound:
        return None


def _network(dbapi, net_type, name, group, plan, dynamic):
    """Create the network ``net_type`` and its pool from ``plan`` (pool_plan's or
    tunnel_plan's value), or check the existing one against it and follow the dynamic flag
    and the allocation order."""
    pool_values, ranges, reserved = plan
    net = _exists(dbapi, net_type)
    if net is None:
        pool = dbapi.pool_create(pool_values, ranges)
        for addr_name, ip in reserved.items():
            dbapi.address_claim({"pool_id": pool.id, "address": ip,
                                 "address_key": key_of(ip), "name": addr_name})
        dbapi.network_create({"name": name, "type": net_type, "dynamic": dynamic,
                              "pool_id": pool.id})
        LOG.info("Created %s network %s/%s (%s)", name, pool_values["network"],
                 pool_values["prefix"], "dynamic" if dynamic else "static")
        return
    pool = dbapi.pool_get(net.pool_id)
    if (pool.network, pool.prefix) != (pool_values["network"], pool_values["prefix"]):
        raise exception.ConfigurationError(
            reason="[%s] subnet = %s/%s but the database holds %s/%s; the %s subnet cannot "
                   "change under existing hosts."
                   % (group, pool_values["network"], pool_values["prefix"], pool.network,
                      pool.prefix, name))
    if net.dynamic != dynamic:
        dbapi.network_update(net.id, {"dynamic": dynamic})
    if pool.allocation_order != pool_values["allocation_order"]:
        dbapi.pool_update(pool.id, {"allocation_order": pool_values["allocation_order"]})
