"""The real all-in-one service for the benchmarks that talk to it over HTTP."""

import contextlib
import os
import shutil
import tempfile

from tests.servers import aio
from tests.servers._proc import free_port


@contextlib.contextmanager
def all_in_one(subnet, api_options="", prepare=None):
    """``sysinv-edgeworker`` (SQLite) on a free loopback port with its state in a temporary
    directory and ``api_options`` (lines) added to its [api] section. Yields (url, process,
    SQLite database path); stops the process and removes the directory afterwards.
    ``prepare(db_path)``, if given, runs between a first start (which creates the database)
    and the real one, so that the service starts on what it wrote (as after a restart)."""
    base = tempfile.mkdtemp(prefix="sysinv-ew-bench-")
    port = free_port()
    cfg = os.path.join(base, "aio.conf")
    db_path = os.path.join(base, "state", "sysinv-edgeworker.sqlite")
    with open(cfg, "w") as f:
        f.write("[DEFAULT]\nstate_path = %s/state\n[api]\nport = %d\n%s"
                "[mgmt_network]\nsubnet = %s\n" % (base, port, api_options, subnet))
    try:
        if prepare is not None:
            with aio.running(cfg, os.path.join(base, "aio-first.log"), port):
                pass
            prepare(db_path)
        with aio.running(cfg, os.path.join(base, "aio.log"), port) as (url, proc):
            yield url, proc, db_path
    finally:
        shutil.rmtree(base, ignore_errors=True)
