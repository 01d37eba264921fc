"""Create the system record, the mgmt network and its address pool from configuration.

Idempotent: run at every conductor start. The subnet cannot change under existing data;
the dynamic flag and the allocation order follow the configuration.
"""

import netaddr
from oslo_log import log

from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor.allocator import key_of

LOG = log.getLogger(__name__)


def _addr(value, subnet, option, default_offset=None):
    if value in (None, ""):
        if default_offset is None:
            return None
        return str(netaddr.IPAddress(subnet.first + default_offset, version=subnet.version))
    try:
        ip = netaddr.IPAddress(value, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError):
        raise exception.ConfigurationError(
            reason="[mgmt_network] %s = %s is not an IP address." % (option, value))
    if ip not in subnet:
        raise exception.ConfigurationError(
            reason="[mgmt_network] %s = %s is outside subnet %s." % (option, ip, subnet))
    return str(ip)


def pool_plan(conf):
    """Pure: the pool values, its range and the reserved addresses, from [mgmt_network]."""
    try:
        subnet = netaddr.IPNetwork(conf.subnet)
    except (netaddr.AddrFormatError, ValueError):
        raise exception.ConfigurationError(
            reason="[mgmt_network] subnet = %s is not a CIDR." % conf.subnet)
    if subnet.size < 8:
        raise exception.ConfigurationError(
            reason="[mgmt_network] subnet %s is too small." % subnet)
    subnet = subnet.cidr
    last = subnet.last - 1 if subnet.version == 4 else subnet.last
    start = _addr(conf.range_start, subnet, "range_start", 2)
    end = conf.range_end or str(netaddr.IPAddress(last, version=subnet.version))
    end = _addr(end, subnet, "range_end")
    if netaddr.IPAddress(start) > netaddr.IPAddress(end):
        raise exception.ConfigurationError(
            reason="[mgmt_network] range_start %s is after range_end %s." % (start, end))
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
    ranges = [{"start": start, "end": end, "start_key": key_of(start), "end_key": key_of(end)}]
    return pool, ranges, reserved


def bootstrap(dbapi, conf):
    pool_values, ranges, reserved = pool_plan(conf.mgmt_network)
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
        try:
            net = dbapi.network_get_by_type(k.NETWORK_TYPE_MGMT)
        except exception.NotFound:
            net = None
        if net is None:
            pool = dbapi.pool_create(pool_values, ranges)
            for name, ip in reserved.items():
                dbapi.address_claim({"pool_id": pool.id, "address": ip,
                                     "address_key": key_of(ip), "name": name})
            dbapi.network_create({"name": k.MGMT_NETWORK_NAME, "type": k.NETWORK_TYPE_MGMT,
                                  "dynamic": conf.mgmt_network.dynamic, "pool_id": pool.id})
            LOG.info("Created mgmt network %s/%s (%s)", pool_values["network"],
                     pool_values["prefix"], "dynamic" if conf.mgmt_network.dynamic else "static")
            return
        pool = dbapi.pool_get(net.pool_id)
        if (pool.network, pool.prefix) != (pool_values["network"], pool_values["prefix"]):
            raise exception.ConfigurationError(
                reason="[mgmt_network] subnet = %s/%s but the database holds %s/%s; the mgmt "
                       "subnet cannot change under existing hosts."
                       % (pool_values["network"], pool_values["prefix"], pool.network,
                          pool.prefix))
        if net.dynamic != conf.mgmt_network.dynamic:
            dbapi.network_update(net.id, {"dynamic": conf.mgmt_network.dynamic})
        if pool.allocation_order != conf.mgmt_network.allocation_order:
            dbapi.pool_update(pool.id, {"allocation_order": conf.mgmt_network.allocation_order})
