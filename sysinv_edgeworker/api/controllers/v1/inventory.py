"""Read-only resources created at bootstrap: isystems, networks, addrpools (sysinv's shape,
api/representation.py)."""

import pecan
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import representation
from sysinv_edgeworker.api.controllers.v1 import types
from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.db import serialize

# Our names of a pool's reserved addresses -> the names of their address records.
_RESERVED_NAMES = {"controller_address": k.CONTROLLER_FLOATING_NAME,
                   "controller0_address": k.CONTROLLER0_NAME,
                   "controller1_address": k.CONTROLLER1_NAME,
                   "gateway_address": k.GATEWAY_NAME}


class SystemController(rest.RestController):
    @wsme_pecan.wsexpose(types.Document)
    def get_all(self):
        url = pecan.request.host_url
        rows = pecan.request.dbapi.system_list()
        return {"isystems": [representation.system(serialize.system(r), url, False)
                             for r in rows]}

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, system_uuid):
        row = pecan.request.dbapi.system_get_by_uuid(system_uuid)
        return representation.system(serialize.system(row), pecan.request.host_url)


class NetworkController(rest.RestController):
    @wsme_pecan.wsexpose(types.Document)
    def get_all(self):
        rows = pecan.request.dbapi.network_list()
        return {"networks": [representation.network(serialize.network(r), False)
                             for r in rows]}

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, network_uuid):
        row = pecan.request.dbapi.network_get(network_uuid)
        return representation.network(serialize.network(row))


def _pool(row, expand):
    ids = pecan.request.dbapi.address_ids_by_name(row.id, _RESERVED_NAMES.values())
    return representation.pool(
        serialize.pool(row), {ours: ids.get(name) for ours, name in _RESERVED_NAMES.items()},
        expand)


class AddrPoolController(rest.RestController):
    @wsme_pecan.wsexpose(types.Document)
    def get_all(self):
        rows = pecan.request.dbapi.pool_list()
        return {"addrpools": [_pool(r, False) for r in rows]}

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, pool_uuid):
        return _pool(pecan.request.dbapi.pool_get_by_uuid(pool_uuid), True)
