import pytest

from tests.kubeapi import kube_api  # noqa: F401 - the loopback Kubernetes API server fixture


@pytest.fixture
def kube(conf, request):
    """The loopback API server, with the conductor's [kubernetes] options pointing at it."""
    server = request.getfixturevalue("kube_api")
    conf.set_override("kubeconfig", str(server.kubeconfig), group="kubernetes")
    conf.set_override("request_timeout", 3.0, group="kubernetes")
    return server
