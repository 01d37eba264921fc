"""Pecan hooks: request context, database (reads) and conductor RPC client (writes)."""

from pecan import hooks

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
