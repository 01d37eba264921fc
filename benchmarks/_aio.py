"""The real all-in-one service for the benchmarks that talk to it over HTTP."""

import contextlib
import os
import shutil
import tempfile

from tests.servers import aio
from tests.servers._proc import free_port


@contextlib.contextmanager
def all_in_one(subnet, api_options=""):
    """``sysinv-edgeworker`` (SQLite) on a free loopback port with its state in a temporary
    directory and ``api_options`` (lines) added to its [api] section. Yields (url, process,
    SQLite database path); stops the process and removes the directory afterwards."""
    base = tempfile.mkdtemp(prefix="sysinv-ew-bench-")
    port = free_port()
    cfg = os.path.join(base, "aio.conf")
    with open(cfg, "w") as f:
        f.write("[DEFAULT]\nstate_path = %s/state\n[api]\nport = %d\n%s"
                "[mgmt_network]\nsubnet = %s\n" % (base, port, api_options, subnet))
    try:
        with aio.running(cfg, os.path.join(base, "aio.log"), port) as (url, proc):
            yield url, proc, os.path.join(base, "state", "sysinv-edgeworker.sqlite")
    finally:
        shutil.rmtree(base, ignore_errors=True)
