"""oslo.messaging transport set-up (global cfg.CONF only: oslo.messaging needs it)."""

import oslo_messaging as messaging

from sysinv_edgeworker.conf import CONF, register_messaging_opts

register_messaging_opts()

ALLOWED_EXMODS = ["sysinv_edgeworker.common.exception"]
_TRANSPORT = None


def get_transport():
    global _TRANSPORT
    if _TRANSPORT is None:
        _TRANSPORT = messaging.get_rpc_transport(CONF, allowed_remote_exmods=ALLOWED_EXMODS)
    return _TRANSPORT


def cleanup():
    global _TRANSPORT
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
        _TRANSPORT = None


def get_server(target, endpoints):
    return messaging.get_rpc_server(get_transport(), target, endpoints, executor="threading",
                                    access_policy=messaging.DefaultRPCAccessPolicy)
