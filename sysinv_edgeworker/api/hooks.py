"""Pecan hooks: request context, database (reads) and conductor RPC client (writes)."""

from pecan import hooks

from sysinv_edgeworker.api import routes
from sysinv_edgeworker.common import context


class ContextHook(hooks.PecanHook):
    def before(self, state):
        state.request.context = context.RequestContext.from_environ(state.request.environ)


class DBHook(hooks.PecanHook):
    def __init__(self, dbapi):
        self.dbapi = dbapi

    def before(self, state):
        state.request.dbapi = self.dbapi


class RPCHook(hooks.PecanHook):
    def __init__(self, rpcapi):
        self.rpcapi = rpcapi

    def before(self, state):
        state.request.rpcapi = self.rpcapi


class RouteHook(hooks.PecanHook):
    """A request whose method has no handler at its path: 405 with the path's ``Allow``, or
    404 when nothing is served there (api/routes.py). Runs only on error responses."""

    def after(self, state):
        if state.response is not None and state.response.status_int in (400, 404, 405):
            routes.correct(state.app.root, state.request, state.response)
