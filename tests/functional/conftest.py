import os
import sys

import pytest

from tests.servers import aio
from tests.servers._proc import free_port


def console_script(name):
    path = os.path.join(os.path.dirname(sys.executable), name)
    assert os.path.exists(path), "%s is not installed in this environment" % name
    return path


@pytest.fixture
def aio_server(tmp_path):
    """A real all-in-one process on a free loopback port (tests/servers/aio.py)."""
    port = free_port()
    state = tmp_path / "state"
    cfg = tmp_path / "aio.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s\n[api]\nport = %d\n" % (state, port))
    log = tmp_path / "aio.log"
    with aio.running(cfg, log, port) as (url, proc):
        yield {"url": url, "state": state, "proc": proc, "log": log, "conf": cfg, "port": port}
