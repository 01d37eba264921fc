"""Configuration: every option group registered on the global ``cfg.CONF``.

oslo.messaging only works with the global CONF, so the service uses it everywhere.
"""

from oslo_config import cfg
from oslo_db import options as db_options

from sysinv_edgeworker.conf import (api, auth, conductor, default, dhcp, kubernetes, mgmt_network,
                                   system, tunnel)

CONF = cfg.CONF
DEFAULT_CONNECTION = "sqlite:///$state_path/sysinv-edgeworker.sqlite"

default.register(CONF)
api.register(CONF)
auth.register(CONF)
system.register(CONF)
mgmt_network.register(CONF)
dhcp.register(CONF)
conductor.register(CONF)
kubernetes.register(CONF)
tunnel.register(CONF)
db_options.set_defaults(CONF, connection=DEFAULT_CONNECTION)


def register_messaging_opts():
    """oslo.messaging's [DEFAULT] options (transport_url, ...), for the RPC processes."""
    from oslo_messaging import opts as messaging_opts
    for group, opts in messaging_opts.list_opts():
        if group is None:
            CONF.register_opts(opts)
