"""Read-only views: ``show`` (the system), ``network-list``/``-show``,
``addrpool-list``/``-show`` (cgtsclient's columns: isystem_shell.py, network_shell.py,
address_pool_shell.py)."""

from cgtsclient_ext import exc, formatting
from cgtsclient_ext.utils import arg, output_options

# cgtsclient's isystem_shell.py _print_isystem_show, plus our id.
SYSTEM_FIELDS = ["name", "system_type", "system_mode", "description", "location",
                 "latitude", "longitude", "contact", "timezone", "software_version", "uuid",
                 "created_at", "updated_at", "region_name", "service_project_name",
                 "security_feature", "id"]
# Shown when set, as cgtsclient does (capabilities' flags, distributed_cloud_role).
SYSTEM_CAPABILITIES = ("shared_services", "sdn_enabled", "https_enabled", "vswitch_type")
NETWORK_FIELDS = ["id", "uuid", "name", "type", "dynamic", "pool_uuid",
                  "primary_pool_family"]
# The edge-tunnel network's keys for the edge side (docs/tunnel.md), shown after sysinv's by
# network-show when the network has them.
TUNNEL_FIELDS = ["tunnel_subnet", "tunnel_controller_address", "tunnel_public_key",
                 "tunnel_endpoints", "tunnel_listen_port", "tunnel_mtu",
                 "tunnel_persistent_keepalive", "tunnel_routes"]
ADDRPOOL_FIELDS = ["uuid", "name", "network", "prefix", "order", "ranges",
                   "floating_address", "controller0_address",
                   "controller1_address", "gateway_address"]


def _list(objs, defaults, args, sortby=0, formatters=None):
    rows = [o.to_dict() for o in objs]
    fields = args.column or defaults
    if args.column:
        available = set(defaults)
        for r in rows:
            available |= set(r)
        formatting.check_columns(fields, available - {"links"})
        sortby = 0
    formatting.print_list(rows, fields, output_format=args.format, sortby=sortby,
                          formatters=formatters)


@output_options()
def do_show(cc, args):
    """Show system attributes."""
    systems = cc.isystem.list()
    if not systems:
        raise exc.CommandError("No system is defined")
    info = systems[0].to_dict()
    info.pop("links", None)
    if args.column:
        formatting.check_columns(args.column, set(info))
        data = {c: info[c] for c in args.column}
    else:
        data = {k: info.get(k) for k in SYSTEM_FIELDS}
        capabilities = info.get("capabilities") or {}
        data.update((k, capabilities[k]) for k in SYSTEM_CAPABILITIES
                    if capabilities.get(k) is not None)
        if info.get("distributed_cloud_role"):
            data["distributed_cloud_role"] = info["distributed_cloud_role"]
    formatting.print_dict(data, output_format=args.format)


@output_options()
def do_network_list(cc, args):
    """List IP networks on host."""
    _list(cc.network.list(), NETWORK_FIELDS, args, sortby=1)


@arg("network_uuid", metavar="<network_uuid>", help="UUID of IP network")
def do_network_show(cc, args):
    """Show IP network details."""
    network = cc.network.get(args.network_uuid)
    fields = NETWORK_FIELDS + [f for f in TUNNEL_FIELDS if network.get(f) is not None]
    formatting.print_tuple_list([(f, _cell(network.get(f, ""))) for f in fields])


def _cell(value):
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


@output_options()
def do_addrpool_list(cc, args):
    """List IP address pools."""
    _list(cc.address_pool.list(), ADDRPOOL_FIELDS, args, sortby=1,
          formatters={"ranges": formatting.format_ranges})


@arg("address_pool_uuid", metavar="<address_pool_uuid>", help="UUID of IP address pool")
def do_addrpool_show(cc, args):
    """Show IP address pool attributes."""
    pool = cc.address_pool.get(args.address_pool_uuid)
    formatting.print_tuple_list([(f, pool.get(f, "")) for f in ADDRPOOL_FIELDS],
                                formatters={"ranges": formatting.format_ranges})
