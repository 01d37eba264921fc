"""The WSGI application."""

import pecan

from sysinv_edgeworker.api import auth, hooks, middleware
from sysinv_edgeworker.conductor import rpcapi as conductor_rpcapi
from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db import api as db_api


def setup_app(dbapi=None, rpcapi=None):
    """The API as configured in CONF now: errors as JSON, bounded bodies, and in front of
    everything the authentication strategy and its policy ([DEFAULT] auth_strategy)."""
    app = pecan.make_app(
        "sysinv_edgeworker.api.controllers.root.RootController",
        hooks=[hooks.ContextHook(), hooks.DBHook(dbapi or db_api.get_instance()),
               hooks.RPCHook(rpcapi or conductor_rpcapi.ConductorAPI())],
        force_canonical=False, guess_content_type_from_ext=False, debug=False,
        static_root=None, logging={})
    app = middleware.ParsableErrorMiddleware(app)
    app = middleware.RequestGuardMiddleware(app, CONF.api.max_body_size)
    return auth.wrap(app, CONF)
