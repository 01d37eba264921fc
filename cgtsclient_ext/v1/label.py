"""``/v1/labels``: Kubernetes labels of hosts (cgtsclient's KubernetesLabelManager)."""

from cgtsclient_ext.v1 import base


class KubernetesLabel(base.Resource):
    pass


class KubernetesLabelManager(base.Manager):
    resource_class = KubernetesLabel
    collection = "labels"

    def list(self, ihost_id):
        """The labels of one host (GET /v1/ihosts/<id>/labels, every page)."""
        return self._list(path="/v1/ihosts/%s/labels" % ihost_id)

    def list_all(self):
        """Every label of every host (GET /v1/labels, every page)."""
        return self._list()

    def assign(self, host_uuid, labels, overwrite=False):
        """Assign ``labels`` ({key: value}); returns the labels written."""
        doc = self.http.request("POST", self.item_path(host_uuid), body=labels,
                                params={"overwrite": str(bool(overwrite))})
        return [self.resource_class(o) for o in (doc or {}).get("labels", [])]

    def remove(self, uuid):
        self.http.delete(self.item_path(uuid))
