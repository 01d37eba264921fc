"""Helpers for the ``system`` CLI functional tests: start/stop the real
all-in-one service, run the real ``system`` console script."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import aio
from tests.servers._proc import free_port

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def system_command():
    """The installed ``system`` console script; ``python -m cgtsclient_ext``
    (same main()) only when the package is not installed in this venv."""
    exe = BIN / "system"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "cgtsclient_ext"]


class Service:
    def __init__(self, url, proc, log, conf):
        self.url = url
        self.conf = conf
        self.proc = proc
        self.log = log

    def raw(self, method, path, body=None):
        """(status, decoded JSON or None) straight from the API, for comparing
        what the CLI prints with what the service said."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, raw.decode("utf-8", "replace")


# The tests' service has no Kubernetes cluster; say so, as an all-in-one trial would
# (otherwise host-delete of an edgeworker warns that /etc/kubernetes/admin.conf is missing).
NO_CLUSTER = "[kubernetes]\nenabled = false\n"


@contextlib.contextmanager
def start_service(tmp_path_factory):
    """The all-in-one service in a fresh directory of tmp_path_factory."""
    with run_service(tmp_path_factory.mktemp("aio"), NO_CLUSTER) as service:
        yield service


@contextlib.contextmanager
def run_service(state, extra_conf=""):
    """The real ``sysinv-edgeworker`` on a free loopback port with its state (SQLite, dnsmasq
    files) in ``state`` and ``extra_conf`` appended to its configuration file; waits for
    ``GET /`` and stops it (tests/servers/aio.py)."""
    port = free_port()
    conf = state / "aio.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {state}\n"
        f"[api]\nhost_ip = 127.0.0.1\nport = {port}\n"
        "[mgmt_network]\nsubnet = 192.168.204.0/24\ndynamic = true\n" + extra_conf)
    log = state / "aio.log"
    with aio.running(conf, log, port) as (url, proc):
        yield Service(url, proc, log, conf)


def add_node(api, name, kubelet, labels=None):
    """A Ready Node with this kubelet version in the loopback Kubernetes API double."""
    api.request("POST", "/api/v1/nodes", {
        "metadata": {"name": name, "labels": labels or {}},
        "status": {"nodeInfo": {"kubeletVersion": kubelet},
                   "conditions": [{"type": "Ready", "status": "True"}]}})


@contextlib.contextmanager
def loopback_cluster(tmp_path_factory, nodes=()):
    """The loopback Kubernetes API double (tests/kubeapi.py, control plane v1.29.2) holding
    Ready Nodes ``(name, kubelet version[, labels])``; stopped afterwards."""
    from tests.kubeapi import start_control_plane
    api = start_control_plane(tmp_path_factory.mktemp("kube"))
    try:
        for node in nodes:
            add_node(api, *node)
        yield api
    finally:
        api.stop()


@contextlib.contextmanager
def service_with_cluster(tmp_path_factory, kube):
    """The all-in-one service whose conductor reaches the cluster ``kube``."""
    extra = "[kubernetes]\nkubeconfig = %s\n" % kube.kubeconfig
    with run_service(tmp_path_factory.mktemp("aio"), extra) as svc:
        yield svc


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "SYSTEM_", "SYSTEMCLIENT_"))}
    env.update(extra)
    return env


def make_runner(service):
    """A function running ``system <args>`` against ``service``; it returns the
    CompletedProcess (text).  ``url`` overrides SYSTEM_URL, ``env`` adds variables."""
    def run(*args, env=None, url=None):
        return subprocess.run(system_command() + [str(a) for a in args], check=False,
                              capture_output=True, text=True, timeout=60, cwd=str(REPO),
                              env=clean_env(SYSTEM_URL=service.url if url is None else url,
                                            **(env or {})))
    return run


def ansible_inventory():
    exe = BIN / "ansible-inventory"
    return str(exe) if exe.exists() else shutil.which("ansible-inventory")
