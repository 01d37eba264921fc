"""GET /v1/kube_versions[/<version>] and /v1/kube_host_upgrades[/<id|uuid>]: read-only
views computed from what the cluster runs (asked through the conductor, which holds the
cluster credentials) and the inventory (kube/views.py has the rules)."""

import pecan
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import representation
from sysinv_edgeworker.api.controllers.v1 import types
from sysinv_edgeworker.common import exception
from sysinv_edgeworker.kube import views


def _cluster(operation):
    return pecan.request.rpcapi.kube_cluster_versions(pecan.request.context, operation)


class KubeVersionController(rest.RestController):
    @wsme_pecan.wsexpose(types.Document)
    def get_all(self):
        versions = views.kube_versions(_cluster("GET /v1/kube_versions"))
        return {"kube_versions": [representation.kube_version(v, False) for v in versions]}

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, version):
        found = views.find_version(_cluster("GET /v1/kube_versions"), version)
        if found is None:
            raise exception.KubeVersionNotFound(version=version)
        return representation.kube_version(found)


def _upgrades():
    hosts = pecan.request.dbapi.host_list_serialized()
    return views.host_upgrades(hosts, _cluster("GET /v1/kube_host_upgrades"))


class KubeHostUpgradeController(rest.RestController):
    @wsme_pecan.wsexpose(types.Document)
    def get_all(self):
        url = pecan.request.host_url
        return {"kube_host_upgrades": [representation.kube_host_upgrade(u, url, False)
                                       for u in _upgrades()]}

    @wsme_pecan.wsexpose(types.Document, wtypes.text)
    def get_one(self, ident):
        """By the upgrade's uuid or id (as sysinv), or by the host's id or hostname."""
        for upgrade in _upgrades():
            if ident in (upgrade["uuid"], str(upgrade["id"]), upgrade["hostname"]):
                return representation.kube_host_upgrade(upgrade, pecan.request.host_url)
        raise exception.KubeHostUpgradeNotFound(ident=ident)
