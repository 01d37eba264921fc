"""/v1/ihosts: thin controller. Reads through the DB API, writes through the conductor,
rules through api/host_rules.py.
"""

import urllib.parse

import jsonpatch
import pecan
import wsme
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import host_rules
from sysinv_edgeworker.api.controllers.v1 import types
from sysinv_edgeworker.common import constants as k
from sysinv_edgeworker.common import exception, validators
from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db import serialize
from sysinv_edgeworker.db.sqlalchemy.api import HOST_SORT_KEYS


def _system_and_network(dbapi):
    """The system mode and mgmt network the rules need (created by the conductor)."""
    try:
        mode = dbapi.system_get().system_mode
        net = dbapi.network_get_by_type(k.NETWORK_TYPE_MGMT)
    except exception.NotFound:
        raise exception.ServiceUnavailable(
            reason="The system has not been bootstrapped yet: start the conductor, which "
                   "creates the system and the mgmt network from its configuration.")
    pool = net.pool
    reserved = {pool.gateway_address: "gateway",
                pool.controller_address: "controller floating address",
                pool.controller0_address: "controller-0",
                pool.controller1_address: "controller-1"}
    reserved.pop(None, None)
    return mode, host_rules.MgmtNetwork(dynamic=net.dynamic,
                                        subnet="%s/%s" % (pool.network, pool.prefix),
                                        reserved=reserved)


def _patch_changes(current, patch):
    """The top-level fields a JSON-patch changes, with their new values."""
    doc = dict(current, action=None, **{f: None for f in host_rules.BMC_FIELDS})
    ops = []
    for p in patch:
        field = p.path.lstrip("/").split("/", 1)[0]
        if not field:
            raise exception.InvalidParameterValue(
                err="patch path '%s' is invalid." % validators.shown(p.path))
        if field in host_rules.RESTRICTED_FIELDS:
            raise exception.InvalidParameterValue(err="'%s' cannot be modified." % field)
        if field not in doc:
            raise exception.InvalidParameterValue(
                err="'%s' is not a host attribute." % validators.shown(field))
        op = {"op": p.op, "path": p.path}
        if p.op != "remove":
            op["value"] = None if p.value is wtypes.Unset else p.value
        ops.append(op)
    try:
        patched = jsonpatch.apply_patch(doc, ops)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
        raise exception.InvalidParameterValue(err="invalid patch: %s" % err)
    touched = {p.path.lstrip("/").split("/", 1)[0] for p in patch}
    return {f: patched.get(f) for f in touched}


class HostController(rest.RestController):
    _custom_actions = {"upgrade": ["POST"], "downgrade": ["POST"]}

    @wsme_pecan.wsexpose(types.HostCollection, wtypes.text, wtypes.text, int, wtypes.text,
                         wtypes.text)
    def get_all(self, personality=None, marker=None, limit=None, sort_key="id",
                sort_dir="asc"):
        if personality is not None:
            host_rules.personality(personality)
        if limit is not None and limit < 1:
            raise exception.InvalidParameterValue(err="limit must be a positive integer.")
        limit = min(limit or CONF.api.max_limit, CONF.api.max_limit)
        if sort_key not in HOST_SORT_KEYS:
            raise exception.InvalidParameterValue(
                err="sort_key '%s' is invalid; expected one of: %s."
                    % (validators.shown(sort_key), ", ".join(HOST_SORT_KEYS)))
        if sort_dir not in ("asc", "desc"):
            raise exception.InvalidParameterValue(
                err="sort_dir '%s' is invalid; expected asc or desc." % validators.shown(sort_dir))
        rows = pecan.request.dbapi.host_list(personality=personality, limit=limit,
                                             marker=marker, sort_key=sort_key,
                                             sort_dir=sort_dir)
        url = pecan.request.host_url
        result = types.HostCollection(
            ihosts=[types.Host.from_dict(serialize.host(r), url) for r in rows])
        if len(rows) == limit:
            query = {"limit": limit, "marker": rows[-1].uuid, "sort_key": sort_key,
                     "sort_dir": sort_dir}
            if personality:
                query["personality"] = personality
            result.next = "%s/v1/ihosts?%s" % (url, urllib.parse.urlencode(query))
        return result

    @wsme_pecan.wsexpose(types.Host, wtypes.text)
    def get_one(self, host_ident):
        host = pecan.request.dbapi.host_get(host_ident)
        return types.Host.from_dict(serialize.host(host), pecan.request.host_url)

    @wsme_pecan.wsexpose(types.Host, body=types.Host)
    def post(self, host):
        if host is None:
            raise exception.InvalidParameterValue(err="a JSON object with the host is required.")
        supplied = host.supplied()
        for field in supplied:
            if field in host_rules.RESTRICTED_FIELDS:
                raise exception.InvalidParameterValue(err="'%s' cannot be set." % field)
        dbapi = pecan.request.dbapi
        values = host_rules.validate_create(supplied, *_system_and_network(dbapi))
        created = pecan.request.rpcapi.create_host(pecan.request.context, values)
        return types.Host.from_dict(created, pecan.request.host_url)

    @wsme_pecan.wsexpose(types.Host, wtypes.text, body=[types.JsonPatch])
    def patch(self, host_ident, patch):
        if not patch:
            raise exception.InvalidParameterValue(err="the patch must be a non-empty list.")
        dbapi = pecan.request.dbapi
        current = serialize.host(dbapi.host_get(host_ident))
        changes = _patch_changes(current, patch)
        changes = host_rules.validate_update(current, changes, *_system_and_network(dbapi))
        if not changes:
            return types.Host.from_dict(current, pecan.request.host_url)
        updated = pecan.request.rpcapi.update_host(pecan.request.context, current["uuid"],
                                                   changes)
        return types.Host.from_dict(updated, pecan.request.host_url)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, host_ident):
        host = pecan.request.dbapi.host_get(host_ident)
        pecan.request.rpcapi.delete_host(pecan.request.context, host.uuid)

    @pecan.expose()
    def _lookup(self, host_ident, *remainder):
        """Sub-resources of one host: /v1/ihosts/<host>/provision."""
        if remainder and remainder[0] == "provision":
            return ProvisionController(host_ident), remainder[1:]
        return None

    def _refuse_upgrade(self, host_ident, operation):
        host = pecan.request.dbapi.host_get(host_ident)
        host_rules.check_upgrade(host.personality, operation)

    @wsme_pecan.wsexpose(types.Host, wtypes.text, body=wsme.types.text)
    def upgrade(self, host_ident, body=None):
        self._refuse_upgrade(host_ident, "host-upgrade")

    @wsme_pecan.wsexpose(types.Host, wtypes.text, body=wsme.types.text)
    def downgrade(self, host_ident, body=None):
        self._refuse_upgrade(host_ident, "host-downgrade")


class ProvisionController(rest.RestController):
    """PUT /v1/ihosts/<host>/provision: the provision_edgeworker playbook's result for one
    host (state, step, error, kubelet version). Written by the conductor like any change."""

    def __init__(self, host_ident):
        super().__init__()
        self.host_ident = host_ident

    @wsme_pecan.wsexpose(types.Host, body=types.ProvisionReport)
    def put(self, report=None):
        if report is None:
            raise exception.InvalidParameterValue(
                err="a JSON object with provision_state is required.")
        current = serialize.host(pecan.request.dbapi.host_get(self.host_ident))
        values = host_rules.validate_provision_report(current, report.supplied())
        updated = pecan.request.rpcapi.report_provision(pecan.request.context,
                                                        current["uuid"], values)
        return types.Host.from_dict(updated, pecan.request.host_url)
