"""pytest fixtures for the real Kubernetes v1.20.2 control plane (docs/lab.md, "The real
control plane").

kube_bin       session: bin directory with the real binaries (built once per cache, see kubebuild)
real_cluster   module: a RealControlPlane up on the lab bridge, stopped and removed afterwards
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
