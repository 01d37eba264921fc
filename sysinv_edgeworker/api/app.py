"""The WSGI application."""

import functools

import pecan
import pecan.util

from sysinv_edgeworker.api import auth, hooks, middleware
from sysinv_edgeworker.conductor import rpcapi as conductor_rpcapi
from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db import api as db_api


def _cache_pecan_argspecs():
    """pecan looks up controller signatures on every request (12 times for a POST to
    /v1/ihosts) through pecan.compat.getargspec, which builds a new namedtuple class each
    time: a third of the API's own cost of a host-add (benchmarks/host_add.py). A
    signature never changes, so each function's is computed once. Keyed on the function
    under a bound method; bounded in case a caller passes throw-away callables."""
    original = getattr(pecan.util, "_getargspec", None)
    if original is None or hasattr(original, "cache_info"):
        return  # another pecan layout (nothing to speed up), or already installed

    @functools.lru_cache(maxsize=1024)
    def _spec(func):
        return original(func)

    def getargspec(func):
        func = getattr(func, "__func__", func)
        try:
            return _spec(func)
        except TypeError:  # an unhashable callable
            return original(func)

    getargspec.cache_info = _spec.cache_info
    pecan.util._getargspec = getargspec


def setup_app(dbapi=None, rpcapi=None):
    """The API as configured in CONF now: errors as JSON, bounded bodies, and in front of
    everything the authentication strategy and its policy ([DEFAULT] auth_strategy)."""
    _cache_pecan_argspecs()
    app = pecan.make_app(
        "sysinv_edgeworker.api.controllers.root.RootController",
        hooks=[hooks.ContextHook(), hooks.DBHook(dbapi or db_api.get_instance()),
               hooks.RPCHook(rpcapi or conductor_rpcapi.ConductorAPI()),
               hooks.RouteHook()],
        force_canonical=False, guess_content_type_from_ext=False, debug=False,
        static_root=None, logging={})
    app = middleware.ParsableErrorMiddleware(app)
    app = middleware.RequestGuardMiddleware(app, CONF.api.max_body_size)
    return auth.wrap(app, CONF)
