"""A throwaway RabbitMQ node (Debian's rabbitmq-server) on free loopback ports, in the
foreground as user rabbitmq (no systemd here): poll the AMQP port, then await_startup."""

import os
import subprocess
import tempfile
import uuid

from tests.servers._proc import chown_tree, free_port, kill_tree, remove_tree, wait_port

USER = "rabbitmq"


class RabbitServer:
    def __init__(self, base=None):
        self.owns_base = base is None  # close() removes a directory it made, not one it was given
        self.base = base or tempfile.mkdtemp(prefix="sysinv-ew-rmq-")
        self.node = "ew%s@localhost" % uuid.uuid4().hex[:8]
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.proc = None

    def _env(self):
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.base, "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.base, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.base, "log"),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.base, "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.base, "enabled_plugins"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        cookie = os.path.join(self.base, ".erlang.cookie")
        if not os.path.exists(cookie):
            with open(cookie, "w") as f:
                f.write(uuid.uuid4().hex)
            os.chmod(cookie, 0o400)
        return env

    def start(self, timeout=90):
        for d in ("mnesia", "log"):
            os.makedirs(os.path.join(self.base, d), exist_ok=True)
        with open(os.path.join(self.base, "rabbitmq.conf"), "w") as f:
            f.write("listeners.tcp.default = 127.0.0.1:%d\nloopback_users = none\n" % self.port)
        with open(os.path.join(self.base, "enabled_plugins"), "w") as f:
            f.write("[].\n")
        env = self._env()
        chown_tree(self.base, USER)
        self.log = open(os.path.join(self.base, "server.out"), "w")
        self.proc = subprocess.Popen(["runuser", "-u", USER, "--", "rabbitmq-server"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_port(self.port, self.proc, timeout, "RabbitMQ")
        self.ctl("await_startup", timeout=timeout)
        return self

    def ctl(self, *args, timeout=60):
        return subprocess.run(["runuser", "-u", USER, "--", "rabbitmqctl", "-q", "-n", self.node]
                              + list(args), env=self._env(), check=True, capture_output=True,
                              text=True, timeout=timeout)

    @property
    def url(self):
        return "rabbit://guest:guest@127.0.0.1:%d/" % self.port

    def stop(self):
        if self.proc is None:
            return
        try:
            self.ctl("stop", timeout=60)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        kill_tree(self.proc)
        self.proc = None
        self.log.close()
        # The node starts its own epmd (as a daemon, on our private port): stop that too.
        subprocess.run(["runuser", "-u", USER, "--", "epmd", "-port", str(self.epmd_port),
                        "-kill"], env=self._env(), capture_output=True, timeout=30)

    def close(self):
        """stop() (which may be followed by start() again), then remove the data directory."""
        self.stop()
        if self.owns_base:
            remove_tree(self.base)
