from tests.kubeapi import kube_api  # noqa: F401 - the loopback Kubernetes API server fixture
