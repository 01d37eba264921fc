"""pytest fixtures for the real Kubernetes v1.20.2 control plane (docs/lab.md, "The real
control plane").

kube_bin       session: bin directory with the real binaries (built once per cache, see kubebuild)
real_cluster   module: a RealControlPlane up on the lab bridge, stopped and removed afterwards
real_stack     module: control plane + registry + CNI DaemonSet (realstack.py), for real joins
"""

import pytest

from tests.lab import config, kubebuild
from tests.lab.fixtures import _unavailable
from tests.lab.realcluster import RealControlPlane


@pytest.fixture(scope="session")
def kube_bin(request):
    try:
        config.check_requirements()
        if kubebuild.cached():
            return kubebuild.bin_dir()
        # A cold build runs for minutes: show its progress lines instead of capturing them.
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            return kubebuild.ensure()
    except config.LabUnavailable as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="module")
def real_cluster(lab, kube_bin):
    cluster = RealControlPlane(lab.run_dir, kube_bin)
    try:
        cluster.up()
    except BaseException:
        cluster.down()
        raise
    yield cluster
    cluster.down()


@pytest.fixture(scope="module")
def real_stack(lab, kube_bin):
    """The real control plane + registry + CNI DaemonSet (tests/lab/realstack.py)."""
    from tests.lab.realstack import RealStack

    stack = RealStack(lab)
    try:
        stack.up()
    except BaseException:
        stack.down()
        raise
    yield stack
    stack.down()
