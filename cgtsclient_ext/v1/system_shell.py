"""Read-only views: ``show`` (the system), ``network-list``, ``addrpool-list``."""

from cgtsclient_ext import exc, formatting
from cgtsclient_ext.utils import output_options

SYSTEM_FIELDS = ["uuid", "name", "system_type", "system_mode", "description",
                 "created_at", "updated_at"]
NETWORK_FIELDS = ["id", "uuid", "name", "type", "dynamic", "pool_uuid"]
ADDRPOOL_FIELDS = ["uuid", "name", "network", "prefix", "order", "ranges",
                   "controller_address", "controller0_address",
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
        keys = [f for f in SYSTEM_FIELDS if f in info]
        keys += sorted(k for k in info if k not in SYSTEM_FIELDS)
        data = {k: info[k] for k in keys}
    formatting.print_dict(data, output_format=args.format)


@output_options()
def do_network_list(cc, args):
    """List networks."""
    _list(cc.network.list(), NETWORK_FIELDS, args)


@output_options()
def do_addrpool_list(cc, args):
    """List IP address pools."""
    _list(cc.address_pool.list(), ADDRPOOL_FIELDS, args, sortby=1,
          formatters={"ranges": formatting.format_ranges})
