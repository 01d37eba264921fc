"""``/v1/networks`` (read-only here)."""

from cgtsclient_ext.v1 import base


class Network(base.Resource):
    pass


class NetworkManager(base.Manager):
    resource_class = Network
    collection = "networks"

    def list(self):
        return self._list()
