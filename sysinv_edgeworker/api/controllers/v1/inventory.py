"""Read-only resources created at bootstrap: isystems, networks, addrpools."""

import pecan
import wsmeext.pecan as wsme_pecan
from pecan import rest

from sysinv_edgeworker.api.controllers.v1 import types
from sysinv_edgeworker.db import serialize


class SystemController(rest.RestController):
    @wsme_pecan.wsexpose(types.SystemCollection)
    def get_all(self):
        rows = pecan.request.dbapi.system_list()
        return types.SystemCollection(
            isystems=[types.System.from_dict(serialize.system(r)) for r in rows])


class NetworkController(rest.RestController):
    @wsme_pecan.wsexpose(types.NetworkCollection)
    def get_all(self):
        rows = pecan.request.dbapi.network_list()
        return types.NetworkCollection(
            networks=[types.Network.from_dict(serialize.network(r)) for r in rows])


class AddrPoolController(rest.RestController):
    @wsme_pecan.wsexpose(types.AddrPoolCollection)
    def get_all(self):
        rows = pecan.request.dbapi.pool_list()
        return types.AddrPoolCollection(
            addrpools=[types.AddrPool.from_dict(serialize.pool(r)) for r in rows])
