"""In-process RPC for the all-in-one mode (``rpc_transport = none``).

Arguments and results make a JSON round trip, as they would over a real transport, so
nothing that only works in-process can creep in.
"""

import json

import oslo_messaging as messaging

_MANAGER = None


def set_manager(manager):
    global _MANAGER
    _MANAGER = manager


class LocalClient:
    def prepare(self, **kwargs):
        return self

    def call(self, ctxt, method, **kwargs):
        if _MANAGER is None:
            from sysinv_edgeworker.common import exception
            raise exception.ServiceUnavailable(reason="The conductor is not running.")
        kwargs = json.loads(json.dumps(kwargs))
        try:
            result = getattr(_MANAGER, method)(json.loads(json.dumps(ctxt)), **kwargs)
        except messaging.ExpectedException as err:
            # The expected_exceptions decorator wraps domain errors for the RPC dispatcher;
            # in-process there is no dispatcher, so hand back the original exception.
            raise err.exc_info[1] from None
        return json.loads(json.dumps(result))

    cast = call
