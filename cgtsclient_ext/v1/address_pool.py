"""``/v1/addrpools``: IP address pools (read-only here)."""

from cgtsclient_ext.v1 import base


class AddressPool(base.Resource):
    pass


class AddressPoolManager(base.Manager):
    resource_class = AddressPool
    collection = "addrpools"

    def list(self):
        return self._list()
