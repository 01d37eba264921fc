"""The real all-in-one service for the benchmarks that talk to it over HTTP."""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tests.servers._proc import free_port, kill_tree, wait_port


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
    exe = os.path.join(os.path.dirname(sys.executable), "sysinv-edgeworker")
    with open(os.path.join(base, "aio.log"), "w") as log:
        proc = subprocess.Popen([exe, "--config-file", cfg], stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_port(port, proc, 60, "sysinv-edgeworker")
        time.sleep(0.5)
        yield ("http://127.0.0.1:%d" % port, proc,
               os.path.join(base, "state", "sysinv-edgeworker.sqlite"))
    finally:
        kill_tree(proc)
        shutil.rmtree(base, ignore_errors=True)
