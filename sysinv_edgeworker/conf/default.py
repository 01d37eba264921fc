from oslo_config import cfg

from sysinv_edgeworker.common import constants

opts = [
    cfg.StrOpt("state_path", default="/var/lib/sysinv-edgeworker",
               help="Directory for the service's state: the SQLite database of the "
                    "all-in-one mode and the dnsmasq reservation files, unless those "
                    "options are set elsewhere."),
    cfg.StrOpt("rpc_transport", default=constants.RPC_TRANSPORT_NONE,
               choices=[(constants.RPC_TRANSPORT_NONE,
                         "The API calls the conductor in-process (all-in-one)."),
                        (constants.RPC_TRANSPORT_OSLO,
                         "oslo.messaging over transport_url (e.g. RabbitMQ).")],
               help="How the API reaches the conductor."),
    cfg.HostAddressOpt("host", default="localhost", sample_default="localhost",
                       help="Name of this node; the conductor's RPC server name."),
]


def register(conf):
    conf.register_opts(opts)
