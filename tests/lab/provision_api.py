"""A real sysinv-edgeworker all-in-one service for the provisioning lab tests and the demo.

It listens on 127.0.0.1 (the playbook reports from localhost), uses SQLite in a state
directory, a *static* management network on the lab subnet (so the lab hosts' addresses can be
registered as their mgmt_ip) and HTTP Basic auth with a bcrypt htpasswd file, so the API
password is a real secret the playbook must keep out of its output.
"""

import base64
import contextlib
import json
import random
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt

from tests.lab import config
from tests.servers import aio
from tests.servers._proc import free_port


class Service:
    def __init__(self, url, username, password, proc, log):
        self.url, self.username, self.password = url, username, password
        self.proc, self.log = proc, log

    def call(self, method, path, body=None):
        """(status, JSON) from the API with the service's credentials."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Accept", "application/json")
        auth = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {auth}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, json.loads(raw) if raw else None

    def add_edgeworker(self, host):
        """Register a lab host as an edgeworker (hostname, MAC, its lab IP as static mgmt_ip)."""
        mac = "52:54:00:%02x:%02x:%02x" % tuple(random.randrange(256) for _ in range(3))
        status, body = self.call(
            "POST",
            "/v1/ihosts",
            {
                "hostname": host.name,
                "personality": "edgeworker",
                "mgmt_mac": mac,
                "mgmt_ip": host.ip,
            },
        )
        if status not in (200, 201):
            raise AssertionError(f"host-add {host.name} failed: HTTP {status} {body}")
        return body

    def host(self, name):
        status, body = self.call("GET", f"/v1/ihosts/{name}")
        if status != 200:
            raise AssertionError(f"GET /v1/ihosts/{name}: HTTP {status} {body}")
        return body

    def report_vars(self):
        return {
            "edgeworker_report_enabled": True,
            "edgeworker_sysinv_url": self.url,
            "edgeworker_sysinv_username": self.username,
            "edgeworker_sysinv_password": self.password,
        }


def write_config(state, port, username, password, kubeconfig=None):
    htpasswd = state / "htpasswd"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    htpasswd.write_text(f"{username}:{hashed}\n")
    htpasswd.chmod(0o600)
    conf = state / "aio.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {state}\nauth_strategy = http_basic\n"
        f"http_basic_auth_user_file = {htpasswd}\n"
        f"[api]\nhost_ip = 127.0.0.1\nport = {port}\n"
        f"[mgmt_network]\nsubnet = {config.SUBNET_PREFIX}.0/24\ndynamic = false\n"
        + (f"[kubernetes]\nkubeconfig = {kubeconfig}\n" if kubeconfig else "")
    )
    return conf


@contextlib.contextmanager
def running_service(state, username="admin", password=None, timeout=60, kubeconfig=None):
    """Start the all-in-one service (tests/servers/aio.py; stopped on exit)."""
    state = Path(state)
    state.mkdir(parents=True, exist_ok=True)
    password = password or "api-pw-" + "".join(random.choices("abcdefghjkmnpqrstuvwxyz", k=20))
    port = free_port()
    conf = write_config(state, port, username, password, kubeconfig)
    log = state / "aio.log"
    with aio.running(conf, log, port, timeout) as (url, proc):
        yield Service(url, username, password, proc, log)
