"""A throwaway PostgreSQL cluster (Debian's postgresql package) on a free loopback port."""

import glob
import os
import subprocess
import tempfile
import uuid

from tests.servers._proc import (chown_tree, free_port, remove_tree, run_as,
                                 wait_port)

USER = "postgres"


def _bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not dirs:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return dirs[-1]


class PostgresServer:
    def __init__(self, base=None):
        self.owns_base = base is None  # close() removes a directory it made, not one it was given
        self.base = base or tempfile.mkdtemp(prefix="sysinv-ew-pg-")
        self.data = os.path.join(self.base, "data")
        self.port = None
        self.bindir = _bindir()

    def start(self, timeout=60):
        os.makedirs(self.base, exist_ok=True)
        chown_tree(self.base, USER)
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            run_as(USER, [os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, timeout=timeout)
        self.port = self.port or free_port()
        opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "
                "-c max_connections=200" % (self.port, self.base))
        run_as(USER, [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-o", opts,
                      "-l", os.path.join(self.base, "pg.log"), "-w", "-t", str(timeout),
                      "start"], check=True, capture_output=True, timeout=timeout + 10)
        wait_port(self.port, None, timeout, "PostgreSQL")
        return self

    @property
    def pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline())

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            run_as(USER, [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", mode,
                          "-w", "stop"], capture_output=True, timeout=60)

    def psql(self, sql, dbname="postgres"):
        return subprocess.run(
            [os.path.join(self.bindir, "psql"), "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
            check=True, capture_output=True, text=True, timeout=60).stdout

    def create_database(self, template=None):
        name = "ew_%s" % uuid.uuid4().hex[:12]
        self.psql('CREATE DATABASE "%s"%s' % (name, ' TEMPLATE "%s"' % template
                                              if template else ""))
        return name

    def drop_database(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)

    def url(self, dbname):
        return "postgresql+psycopg2://postgres@127.0.0.1:%d/%s" % (self.port, dbname)

    def close(self):
        """stop() (which may be followed by start() again), then remove the data directory."""
        self.stop()
        if self.owns_base:
            remove_tree(self.base)
