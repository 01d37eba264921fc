"""A production-shaped deployment for tests and benchmarks: PostgreSQL + RabbitMQ +
`sysinv-edgeworker-api` + N `sysinv-edgeworker-conductor` processes, all real, on loopback."""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from tests.servers._proc import free_port, kill_tree, remove_tree
from tests.servers.postgres import PostgresServer
from tests.servers.rabbitmq import RabbitServer


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def http(method, url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw else None


class Deployment:
    def __init__(self, conductors=2, rpc_timeout=10, base=None, extra_conf=""):
        self.owns_base = base is None
        self.base = base or tempfile.mkdtemp(prefix="sysinv-ew-prod-")
        os.chmod(self.base, 0o755)  # the servers run as their own users below it
        self.conductors = conductors
        self.rpc_timeout = rpc_timeout
        self.extra_conf = extra_conf  # appended to the configuration file (whole sections)
        self.pg = PostgresServer(os.path.join(self.base, "pg"))
        self.rabbit = RabbitServer(os.path.join(self.base, "rmq"))
        self.api_port = free_port()
        self.procs = {}
        self.state = os.path.join(self.base, "state")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.api_port

    def _write_config(self):
        os.makedirs(self.state, exist_ok=True)
        self.db_url = self.pg.url(self.dbname)
        self.config = os.path.join(self.base, "sysinv-edgeworker.conf")
        with open(self.config, "w") as f:
            f.write("[DEFAULT]\nstate_path = %s\nrpc_transport = oslo\ntransport_url = %s\n"
                    "[database]\nconnection = %s\n[api]\nport = %d\nthreads = 16\n"
                    "[conductor]\nrpc_timeout = %d\n"
                    "[mgmt_network]\nsubnet = 198.19.0.0/16\n"
                    "[oslo_messaging_rabbit]\nrabbit_retry_interval = 1\n"
                    "rabbit_retry_backoff = 1\n"
                    % (self.state, self.rabbit.url, self.db_url, self.api_port,
                       self.rpc_timeout) + self.extra_conf)

    def _spawn(self, name, argv):
        log = open(os.path.join(self.base, "%s.log" % name), "a")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = (proc, log)
        return proc

    def start(self):
        self.pg.start()
        self.rabbit.start()
        self.dbname = self.pg.create_database()
        self._write_config()
        subprocess.run([_bin("sysinv-edgeworker-dbsync"), "--config-file", self.config,
                        "upgrade"], check=True, capture_output=True, timeout=120)
        for n in range(self.conductors):
            self.start_conductor(n)
        self.start_api()
        self.wait_ready()
        return self

    def start_conductor(self, n):
        host_conf = os.path.join(self.base, "c%d.conf" % n)
        with open(host_conf, "w") as f:
            f.write("[DEFAULT]\nhost = conductor-%d\n" % n)
        return self._spawn("conductor-%d" % n, [
            _bin("sysinv-edgeworker-conductor"), "--config-file", self.config,
            "--config-file", host_conf])

    def start_api(self):
        return self._spawn("api", [_bin("sysinv-edgeworker-api"), "--config-file", self.config])

    def stop_process(self, name):
        proc, log = self.procs.pop(name)
        kill_tree(proc)
        log.close()
        return proc.returncode

    def wait_ready(self, timeout=90):
        """GET / answers and the conductors have bootstrapped the system."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, (proc, _log) in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError("%s exited with %s: %s" % (name, proc.returncode,
                                                                   self.log(name)[-2000:]))
            try:
                status, body = http("GET", self.url + "/v1/isystems", timeout=5)
                if status == 200 and body["isystems"]:
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("deployment not ready within %ss" % timeout)

    def log(self, name):
        with open(os.path.join(self.base, "%s.log" % name)) as f:
            return f.read()

    def sql(self, query):
        return self.pg.psql(query, dbname=self.dbname)

    def stop(self):
        """Stop every process and server, then remove the directory (unless KEEP_TEST_DIRS=1)."""
        for name in list(self.procs):
            self.stop_process(name)
        self.rabbit.stop()
        self.pg.stop()
        if self.owns_base:
            remove_tree(self.base)
