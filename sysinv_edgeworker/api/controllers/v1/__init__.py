import pecan
from pecan import rest

from sysinv_edgeworker.api.controllers.v1 import hosts, inventory, kube_upgrade
from sysinv_edgeworker.api.controllers.v1 import labels as labels_api


class Controller(rest.RestController):
    ihosts = hosts.HostController()
    isystems = inventory.SystemController()
    networks = inventory.NetworkController()
    addrpools = inventory.AddrPoolController()
    kube_versions = kube_upgrade.KubeVersionController()
    kube_host_upgrades = kube_upgrade.KubeHostUpgradeController()
    labels = labels_api.LabelController()

    @pecan.expose("json")
    def get(self):
        base = pecan.request.host_url + "/v1/"
        doc = {"id": "v1", "media_types": [{"base": "application/json",
                                            "type": "application/vnd.openstack.sysinv.v1+json"}],
               "links": [{"href": base, "rel": "self"}]}
        for name in ("ihosts", "isystems", "networks", "addrpools", "kube_versions",
                     "kube_host_upgrades", "labels"):
            doc[name] = [{"href": base + name, "rel": "self"}]
        return doc
