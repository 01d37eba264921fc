"""``/v1/isystems``: the system (read-only here)."""

from cgtsclient_ext.v1 import base


class Isystem(base.Resource):
    pass


class IsystemManager(base.Manager):
    resource_class = Isystem
    collection = "isystems"

    def list(self):
        return self._list()
