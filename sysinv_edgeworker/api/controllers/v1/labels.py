"""/v1/labels and /v1/ihosts/<host>/labels: host labels in sysinv's shape (thin controller;
rules in api/label_rules.py, writes through the conductor).

    GET    /v1/labels[?uuid=<host uuid>]       every label (or one host's), paged
    GET    /v1/labels/detail                   the same (sysinv's detail view)
    GET    /v1/labels/<label uuid>             one label
    POST   /v1/labels/<host>?overwrite=True    assign {key: value, ...}; answers the labels
    DELETE /v1/labels/<label uuid>             204
    GET    /v1/ihosts/<host>/labels            one host's labels (what cgtsclient lists)

A label is ``{uuid, host_uuid, label_key, label_value}`` as sysinv returns it; a list is
``{"labels": [...]}`` with a ``next`` link while more pages remain.
"""

import urllib.parse

import pecan
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import label_rules
from sysinv_edgeworker.api.controllers.v1 import kube, types
from sysinv_edgeworker.common import validators
from sysinv_edgeworker.conf import CONF

_json = types.JsonValue()
SORT_KEYS = ("id",)


class Label(types.Base):
    uuid = wtypes.text
    host_uuid = wtypes.text
    label_key = wtypes.text
    label_value = wtypes.text


class LabelCollection(types.Base):
    labels = [Label]
    next = wtypes.text


def _collection(rows, limit, path, params):
    out = LabelCollection(labels=[Label.from_dict(r) for r in rows])
    if limit and len(rows) == limit:
        query = dict(params, limit=limit, marker=rows[-1]["uuid"])
        out.next = "%s/v1/%s?%s" % (pecan.request.host_url, path, urllib.parse.urlencode(
            {k: v for k, v in query.items() if v is not None}))
    return out


def _list(host_id, marker, limit, sort_key, sort_dir, path, params):
    validators.sort(sort_key, sort_dir, SORT_KEYS)
    limit = validators.page_limit(limit, CONF.api.max_limit)
    rows = pecan.request.dbapi.label_list(host_id=host_id, limit=limit, marker=marker,
                                          sort_dir=sort_dir)
    return _collection(rows, limit, path, dict(params, sort_key=sort_key, sort_dir=sort_dir))


class LabelController(rest.RestController):
    _custom_actions = {"detail": ["GET"]}

    def _all(self, uuid, marker, limit, sort_key, sort_dir, path):
        host_id = pecan.request.dbapi.host_get(uuid).id if uuid else None
        return _list(host_id, marker, limit, sort_key, sort_dir, path, {"uuid": uuid})

    @wsme_pecan.wsexpose(LabelCollection, wtypes.text, wtypes.text, int, wtypes.text,
                         wtypes.text)
    def get_all(self, uuid=None, marker=None, limit=None, sort_key="id", sort_dir="asc"):
        return self._all(uuid, marker, limit, sort_key, sort_dir, "labels")

    @wsme_pecan.wsexpose(LabelCollection, wtypes.text, wtypes.text, int, wtypes.text,
                         wtypes.text)
    def detail(self, uuid=None, marker=None, limit=None, sort_key="id", sort_dir="asc"):
        return self._all(uuid, marker, limit, sort_key, sort_dir, "labels/detail")

    @wsme_pecan.wsexpose(Label, wtypes.text)
    def get_one(self, label_uuid):
        return Label.from_dict(pecan.request.dbapi.label_get(label_uuid))

    @wsme_pecan.wsexpose(LabelCollection, wtypes.text, wtypes.text, body=_json)
    def post(self, host_uuid, overwrite=None, body=None):
        """Assign labels to a host (cgtsclient: POST /v1/labels/<host uuid>?overwrite=…);
        its id or hostname is accepted too."""
        flag = label_rules.overwrite(overwrite)
        labels = label_rules.validate_assign(body)
        host = pecan.request.dbapi.host_get(host_uuid)
        result = pecan.request.rpcapi.assign_labels(pecan.request.context, host.uuid, labels,
                                                    flag)
        kube.warn(result)
        return LabelCollection(labels=[Label.from_dict(r) for r in result["labels"]])

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, label_uuid):
        label = pecan.request.dbapi.label_get(label_uuid)
        kube.warn(pecan.request.rpcapi.remove_label(pecan.request.context, label["uuid"]))


class HostLabelsController(rest.RestController):
    """GET /v1/ihosts/<host>/labels (read-only, as in sysinv)."""

    def __init__(self, host_ident):
        super().__init__()
        self.host_ident = host_ident

    @wsme_pecan.wsexpose(LabelCollection, wtypes.text, int, wtypes.text, wtypes.text)
    def get_all(self, marker=None, limit=None, sort_key="id", sort_dir="asc"):
        host = pecan.request.dbapi.host_get(self.host_ident)
        return _list(host.id, marker, limit, sort_key, sort_dir,
                     "ihosts/%s/labels" % host.uuid, {})
