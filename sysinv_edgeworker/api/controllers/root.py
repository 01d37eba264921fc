import pecan
from pecan import rest

from sysinv_edgeworker.api.controllers import v1


def _link(rel, *parts):
    return {"href": "/".join([pecan.request.host_url] + list(parts)) + "/", "rel": rel}


class RootController(rest.RestController):
    v1 = v1.Controller()

    @pecan.expose("json")
    def get(self):
        version = {"id": "v1", "status": "CURRENT", "links": [_link("self", "v1")]}
        return {"id": "sysinv-edgeworker", "name": "sysinv-edgeworker",
                "description": "Inventory service with the edgeworker personality "
                               "(sysinv-compatible API).",
                "versions": [version], "default_version": version}
