"""A Kubernetes API server on loopback for tests that need the cluster API but not lab hosts.

It is the lab's API server (tests/lab/apiserver.py: the real Kubernetes HTTP API over HTTPS with a
lab CA, nodes, secrets, configmaps, bootstrap-token auth) bound to 127.0.0.1 on a free port, so it
needs neither root nor the lab bridge and does not take the machine-wide lab lock. It is a test
double for kube-apiserver; docs/lab.md says what it implements.

    def test_x(kube_api):            # a fresh, empty cluster per test
        kube_api.kubeconfig          # admin kubeconfig (client cert, O=system:masters), 0600
        kube_api.create_token()      # a bootstrap token as `kubeadm token create` makes it
        kube_api.request("POST", "/api/v1/nodes", {...})
"""


import pytest

from tests.lab.cluster import DEFAULT_VERSION, ControlPlane
from tests.servers._proc import free_port


def start_control_plane(run_dir, version=DEFAULT_VERSION, ca_kind="rsa", auto_ready=True):
    """Create and start a loopback control plane under run_dir; the caller stops it."""
    cp = ControlPlane(run_dir, version=version, ca_kind=ca_kind, port=free_port(),
                      bind="127.0.0.1")
    cp.create(auto_ready=auto_ready)
    cp.start()
    return cp


@pytest.fixture
def kube_api(tmp_path):
    """A fresh loopback Kubernetes API server (lab double) at DEFAULT_VERSION, RSA CA."""
    cp = start_control_plane(tmp_path)
    yield cp
    cp.stop()
