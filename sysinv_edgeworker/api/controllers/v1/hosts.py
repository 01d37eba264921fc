"""/v1/ihosts: thin controller. Reads through the DB API, writes through the conductor,
rules through api/host_rules.py.
"""

import json
import urllib.parse

import jsonpatch
import pecan
import wsme
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import host_rules, representation, tunnel_rules
from sysinv_edgeworker.api.controllers.v1 import kube, labels, types
from sysinv_edgeworker.common import exception, validators
from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db import serialize
from sysinv_edgeworker.db.sqlalchemy.api import HOST_SORT_KEYS


def _rules_context(dbapi):
    """(system mode, mgmt network, system ident) for the rules and the answer, in one query
    (the conductor created them at bootstrap)."""
    try:
        mgmt = dbapi.mgmt_settings()
    except exception.NotFound:
        raise exception.ServiceUnavailable(
            reason="The system has not been bootstrapped yet: start the conductor, which "
                   "creates the system and the mgmt network from its configuration.")
    reserved = {mgmt["gateway_address"]: "gateway",
                mgmt["controller_address"]: "controller floating address",
                mgmt["controller0_address"]: "controller-0",
                mgmt["controller1_address"]: "controller-1"}
    reserved.pop(None, None)
    network = host_rules.MgmtNetwork(
        dynamic=mgmt["dynamic"], subnet="%s/%s" % (mgmt["network"], mgmt["prefix"]),
        reserved=reserved, tunnel=mgmt["tunnel_pool_id"] is not None)
    return mgmt["system_mode"], network, {"id": mgmt["system_id"], "uuid": mgmt["system_uuid"]}


def _patch_changes(current, patch):
    """The top-level fields a JSON-patch changes, with their new values."""
    doc = dict(current, action=None, **{f: None for f in host_rules.BMC_FIELDS})
    ops = []
    tunnel_rules.refuse_private(p.path.lstrip("/").split("/", 1)[0] for p in patch)
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


_LIST_PARAMS = ("personality", "marker", "limit", "sort_key", "sort_dir")


def _list_query(params):
    """Validated arguments of GET /v1/ihosts from its query parameters."""
    for name, value in params.items():
        if name not in _LIST_PARAMS:
            raise exception.InvalidParameterValue(
                err='Unknown argument: "%s"' % validators.shown(name))
        if not isinstance(value, str):
            raise exception.InvalidParameterValue(err="%s must be given once." % name)
    personality = params.get("personality")
    if personality is not None:
        host_rules.personality(personality)
    limit = params.get("limit")
    if limit is not None:
        # not digits: as invalid as 0 (page_limit says why)
        limit = int(limit) if limit.isascii() and limit.isdigit() else 0
    limit = validators.page_limit(limit, CONF.api.max_limit)
    sort_key, sort_dir = validators.sort(params.get("sort_key", "id"),
                                         params.get("sort_dir", "asc"), HOST_SORT_KEYS)
    return {"personality": personality, "marker": params.get("marker"), "limit": limit,
            "sort_key": sort_key, "sort_dir": sort_dir}


def view(host, system=None):
    """A host dict as sysinv returns a single host (GET one, POST, PATCH, PUT); ``system``
    is the system's id and uuid (looked up when not given)."""
    return representation.host(host, pecan.request.host_url,
                               system or pecan.request.dbapi.system_ident())


class HostController(rest.RestController):
    _custom_actions = {"upgrade": ["POST"], "downgrade": ["POST"], "kube_refresh": ["POST"],
                       "tunnel_refresh": ["POST"]}

    @pecan.expose(content_type="application/json")
    def get_all(self, **params):
        """The host list, rendered straight to JSON (the same document wsme would produce):
        at fleet size wsme's per-attribute typing cost several times the query itself
        (benchmarks/host_list.py)."""
        try:
            query = _list_query(params)
            rows = pecan.request.dbapi.host_list_serialized(**query)
        except exception.EdgeworkerException as err:
            pecan.response.status = err.code
            return json.dumps({"faultcode": "Client" if err.code < 500 else "Server",
                               "faultstring": err.message, "debuginfo": None})
        url, system = pecan.request.host_url, pecan.request.dbapi.system_ident()
        body = {"ihosts": [representation.host(r, url, system, expand=False) for r in rows]}
        if len(rows) == query["limit"]:
            nxt = dict(query, marker=rows[-1]["uuid"])
            if not nxt["personality"]:
                del nxt["personality"]
            body["next"] = "%s/v1/ihosts?%s" % (url, urllib.parse.urlencode(nxt))
        return json.dumps(body)

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, host_ident):
        return view(serialize.host(pecan.request.dbapi.host_get(host_ident)))

    @wsme_pecan.wsexpose(types.Document, body=types.Host)
    def post(self, host):
        if host is None:
            raise exception.InvalidParameterValue(err="a JSON object with the host is required.")
        supplied = host.supplied()
        for field in supplied:
            if field in host_rules.RESTRICTED_FIELDS:
                raise exception.InvalidParameterValue(err="'%s' cannot be set." % field)
        dbapi = pecan.request.dbapi
        mode, network, system = _rules_context(dbapi)
        values = host_rules.validate_create(supplied, mode, network)
        return view(pecan.request.rpcapi.create_host(pecan.request.context, values), system)

    @wsme_pecan.wsexpose(types.Document, wtypes.text, body=[types.JsonPatch])
    def patch(self, host_ident, patch):
        if not patch:
            raise exception.InvalidParameterValue(err="the patch must be a non-empty list.")
        dbapi = pecan.request.dbapi
        current = serialize.host(dbapi.host_get(host_ident))
        changes = _patch_changes(current, patch)
        mode, network, system = _rules_context(dbapi)
        changes = host_rules.validate_update(current, changes, mode, network)
        if not changes:
            return view(current, system)
        return view(pecan.request.rpcapi.update_host(pecan.request.context, current["uuid"],
                                                     changes), system)

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, host_ident):
        host = pecan.request.dbapi.host_get(host_ident)
        # An edgeworker's Node could not be removed: the delete stands, the caller is told.
        kube.warn(pecan.request.rpcapi.delete_host(pecan.request.context, host.uuid))

    @wsme_pecan.wsexpose(kube.KubeRefresh, body=wsme.types.text)
    def kube_refresh(self, body=None):
        """POST /v1/ihosts/kube_refresh: the conductor records every edgeworker's kubelet
        version, Ready condition and last-seen time from the cluster (conductor/kube_ops.py)."""
        return kube.KubeRefresh(**pecan.request.rpcapi.kube_refresh(pecan.request.context))

    @wsme_pecan.wsexpose(types.Document, body=wsme.types.text)
    def tunnel_refresh(self, body=None):
        """POST /v1/ihosts/tunnel_refresh: the conductor records each tunnel host's latest
        handshake from the controller's interface (tunnel_last_handshake)."""
        return pecan.request.rpcapi.tunnel_refresh(pecan.request.context)

    @pecan.expose()
    def _lookup(self, host_ident, *remainder):
        """Sub-resources of one host: /v1/ihosts/<host>/provision, …/labels."""
        if remainder and remainder[0] == "provision":
            return ProvisionController(host_ident), remainder[1:]
        if remainder and remainder[0] == "labels":
            return labels.HostLabelsController(host_ident), remainder[1:]
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

    @wsme_pecan.wsexpose(types.Document, body=types.ProvisionReport)
    def put(self, report=None):
        if report is None:
            raise exception.InvalidParameterValue(
                err="a JSON object with provision_state is required.")
        current = serialize.host(pecan.request.dbapi.host_get(self.host_ident))
        values = host_rules.validate_provision_report(current, report.supplied())
        return view(pecan.request.rpcapi.report_provision(pecan.request.context,
                                                          current["uuid"], values))
