"""Option listing for oslo-config-generator (etc/sysinv-edgeworker.conf.sample)."""

from sysinv_edgeworker.conf import (api, auth, conductor, default, dhcp, kubernetes, mgmt_network,
                                   system, tunnel)


def list_opts():
    return [
        ("DEFAULT", default.opts + auth.opts),
        (api.group, api.opts + auth.api_opts),
        (system.group, system.opts),
        (mgmt_network.group, mgmt_network.opts),
        (dhcp.group, dhcp.opts),
        (conductor.group, conductor.opts),
        (kubernetes.group, kubernetes.opts),
        (tunnel.group, tunnel.opts),
    ]
