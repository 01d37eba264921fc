"""Registers the `lab` marker and the lab fixtures for tests under tests/lab/."""

from tests.lab.fixtures import lab, lab_baseline, lab_cluster, lab_hosts  # noqa: F401
from tests.lab.realfixtures import kube_bin, real_cluster, real_stack  # noqa: F401


def pytest_configure(config):
    # `lab` itself is declared in setup.cfg with the other markers.
    config.addinivalue_line(
        "markers", "lab_teardown: tears the session lab down itself; always ordered last"
    )
    config.addinivalue_line(
        "markers", "real_k8s: runs against REAL Kubernetes v1.20.2 built by tests/lab/kubebuild.py"
    )


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("lab_teardown") is not None)
