from oslo_config import cfg

from sysinv_edgeworker.common import constants

group = cfg.OptGroup("mgmt_network", title="The management network and its address pool")

opts = [
    cfg.StrOpt("subnet", default="192.168.204.0/24",
               help="Management subnet (IPv4 or IPv6 CIDR)."),
    cfg.BoolOpt("dynamic", default=True,
                help="Dynamic: the conductor allocates edgeworker mgmt IPs and a supplied "
                     "mgmt_ip is refused. Static: mgmt_ip is required for edgeworkers."),
    cfg.StrOpt("range_start",
               help="First allocatable address (default: network + 2, as StarlingX's "
                    "management_start_address; network + 1 is commonly a router)."),
    cfg.StrOpt("range_end",
               help="Last allocatable address (default: the last address before the "
                    "broadcast address)."),
    cfg.StrOpt("gateway_address", help="Gateway address, excluded from allocation."),
    cfg.StrOpt("controller_address",
               help="Controller floating address (default: network + 2)."),
    cfg.StrOpt("controller0_address", help="controller-0 address (default: network + 3)."),
    cfg.StrOpt("controller1_address", help="controller-1 address (default: network + 4)."),
    cfg.StrOpt("allocation_order", default=constants.ALLOCATION_SEQUENTIAL,
               choices=constants.ALLOCATION_ORDERS,
               help="sequential: lowest free address; random: a random free address."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
