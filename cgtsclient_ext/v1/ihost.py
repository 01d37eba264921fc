"""``/v1/ihosts``: the hosts."""

from cgtsclient_ext import exc
from cgtsclient_ext.v1 import base

CREATION_ATTRIBUTES = ("hostname", "personality", "mgmt_mac", "mgmt_ip",
                       "location", "capabilities", "mgmt_attach", "wg_public_key")
MGMT_ATTACHES = ("direct", "tunnel")
PERSONALITIES = ("controller", "worker", "storage", "edgeworker")


class Ihost(base.Resource):
    pass


class IhostManager(base.Manager):
    resource_class = Ihost
    collection = "ihosts"

    def list(self, personality=None, limit=None, sort_key=None, sort_dir=None):
        params = {"personality": personality, "limit": limit,
                  "sort_key": sort_key, "sort_dir": sort_dir}
        return self._list(params={k: v for k, v in params.items() if v is not None})

    def create(self, **fields):
        unknown = sorted(set(fields) - set(CREATION_ATTRIBUTES))
        if unknown:
            raise exc.CommandError(f"Key must be in {','.join(CREATION_ATTRIBUTES)}; "
                                   f"got {','.join(unknown)}")
        return self.resource_class(self.http.post(self.path, fields))

    def update(self, ident, patch):
        """Apply a JSON-patch list, e.g. [{"op": "replace", "path": "/hostname", ...}]."""
        return self.resource_class(self.http.patch(self.item_path(ident), patch))

    def delete(self, ident):
        self.http.delete(self.item_path(ident))
