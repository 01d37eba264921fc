"""``/v1/kube_versions`` and ``/v1/kube_host_upgrades`` (read-only views)."""

from cgtsclient_ext.v1 import base


class KubeVersion(base.Resource):
    pass


class KubeVersionManager(base.Manager):
    resource_class = KubeVersion
    collection = "kube_versions"

    def list(self):
        return self._list()


class KubeHostUpgrade(base.Resource):
    pass


class KubeHostUpgradeManager(base.Manager):
    resource_class = KubeHostUpgrade
    collection = "kube_host_upgrades"

    def list(self):
        return self._list()
