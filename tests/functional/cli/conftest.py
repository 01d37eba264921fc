"""Fixtures for the ``system`` CLI functional tests.

Each test module starts a real all-in-one service (``sysinv-edgeworker
--config-file ...``: API + conductor + SQLite in a temporary state directory)
on a free loopback port, waits until ``GET /`` answers 200, runs the real
``system`` console script as a subprocess against it, and stops the service
with SIGTERM by PID.  No HTTP is mocked.
"""

import importlib
import sys
from pathlib import Path

import pytest

# Works whatever pytest's import mode: the helpers live next to this file
# (the test modules import them by name too).
sys.path.insert(0, str(Path(__file__).resolve().parent))
cli_aio = importlib.import_module("cli_aio")


def pytest_configure(config):
    config.addinivalue_line("markers", "functional: needs a real all-in-one service")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with cli_aio.start_service(tmp_path_factory) as svc:
        yield svc


@pytest.fixture(scope="module")
def system(service):
    return cli_aio.make_runner(service)


@pytest.fixture(scope="module")
def kube(request, tmp_path_factory):
    """The loopback Kubernetes API double (control plane v1.29.2) with the module's
    ``KUBE_NODES``: Ready Nodes ``(name, kubelet version[, labels])``."""
    with cli_aio.loopback_cluster(tmp_path_factory,
                                  getattr(request.module, "KUBE_NODES", ())) as api:
        yield api


@pytest.fixture(scope="module")
def kube_service(tmp_path_factory, kube):
    """An all-in-one service whose conductor reaches ``kube``; a module that needs it as
    its ``service`` says ``service = kube_service`` in a fixture."""
    with cli_aio.service_with_cluster(tmp_path_factory, kube) as svc:
        yield svc
