"""pytest fixtures for the provisioning lab (import them from a conftest).

  lab            session: cached base/repos built, bridge + repo server + lab API server running
  lab_cluster    session: the lab control plane (CA, API server, admin kubeconfig, token helpers)
  lab_hosts      function: factory ``lab_hosts(flavour, mode="ssh")`` -> Host, removed afterwards
  lab_baseline   session: the machine's own sysctls before the lab started (for hygiene checks)

Set LAB_REQUIRED=1 (as CI does) to turn "cannot run the lab here" into an error instead of a skip.
"""

import itertools
import os

import pytest

from tests.lab import config
from tests.lab.lab import Lab

WATCHED_SYSCTLS = (
    "net.ipv4.ip_forward",
    "net.ipv6.conf.all.forwarding",
    "vm.swappiness",
    "net.bridge.bridge-nf-call-iptables",
    "kernel.panic",
)
_names = itertools.count(1)


def _unavailable(reason):
    if os.environ.get("LAB_REQUIRED") == "1":
        pytest.fail(f"LAB_REQUIRED=1 but the lab cannot run: {reason}")
    pytest.skip(f"provisioning lab unavailable: {reason}")


def machine_sysctls():
    from tests.lab.network import machine_sysctl

    values = {}
    for key in WATCHED_SYSCTLS:
        try:
            values[key] = machine_sysctl(key)
        except FileNotFoundError:
            values[key] = None
    return values


@pytest.fixture(scope="session")
def lab_baseline():
    return machine_sysctls()


@pytest.fixture(scope="session")
def lab(lab_baseline):
    try:
        config.check_requirements()
    except config.LabUnavailable as exc:
        _unavailable(str(exc))
    instance = Lab()
    try:
        instance.up()
    except BaseException:
        instance.down()
        raise
    yield instance
    instance.down()


@pytest.fixture(scope="session")
def lab_cluster(lab):
    return lab.control_plane


@pytest.fixture
def lab_hosts(lab):
    created = []

    def make(flavour="debian12", mode="ssh", name=None):
        name = name or f"h{next(_names)}{flavour[:3]}"
        host = lab.add_host(name, flavour, mode)
        created.append(name)
        return host

    yield make
    for name in reversed(created):
        lab.remove_host(name)
