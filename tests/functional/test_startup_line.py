"""Each service command says where it is in one log line at start: the configuration it
read (or that it uses the built-in defaults), state_path, the database URL with its password
masked, the bind address, the mode and the RPC transport. Real processes, real logs."""

import glob
import os
import subprocess

import pytest

from tests.functional.conftest import console_script

pytestmark = pytest.mark.functional


def _start_lines(output, mode):
    return [line for line in output.splitlines()
            if "sysinv-edgeworker %s starting" % mode in line]


def test_all_in_one_logs_where_it_is(aio_server):
    state = aio_server["state"]
    port = aio_server["url"].rsplit(":", 1)[1]
    lines = _start_lines(aio_server["log"].read_text(), "all-in-one")
    assert len(lines) == 1, lines
    assert lines[0].split(" INFO sysinv_edgeworker.cmd.service [-] ", 1)[1] == (
        "sysinv-edgeworker all-in-one starting; configuration: %s; state_path: %s; "
        "database: sqlite:///%s/sysinv-edgeworker.sqlite; API: http://127.0.0.1:%s/; "
        "rpc_transport: none" % (state.parent / "aio.conf", state, state, port))


def _run(args, tmp_path):
    """A command that fails its configuration check right after the start line: nothing is
    created, nothing listens. HOME and the working directory are the test's, so that
    oslo.config finds no default configuration file there."""
    env = dict(os.environ, HOME=str(tmp_path))
    return subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env=env)


def test_no_configuration_file_says_built_in_defaults(tmp_path):
    found = glob.glob("/etc/sysinv-edgeworker/*.conf") + glob.glob("/etc/sysinv-edgeworker*.conf")
    if found:
        pytest.skip("this machine has a default configuration file: %s" % found)
    out = _run([console_script("sysinv-edgeworker-api")], tmp_path)
    assert out.returncode == 1 and "needs rpc_transport = oslo" in out.stderr, out.stderr
    lines = _start_lines(out.stdout + out.stderr, "api")
    assert len(lines) == 1, out.stdout + out.stderr
    assert ("sysinv-edgeworker api starting; configuration: no configuration file, using the "
            "built-in defaults; state_path: /var/lib/sysinv-edgeworker; database: "
            "sqlite:////var/lib/sysinv-edgeworker/sysinv-edgeworker.sqlite; "
            "API: http://127.0.0.1:6385/; rpc_transport: none") in lines[0]


def test_conductor_masks_the_database_password(tmp_path):
    cfg = tmp_path / "conductor.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s/state\n[database]\nconnection = "
                   "postgresql+psycopg2://edge:Sup3r-s3cret@db.invalid:5432/inventory\n"
                   % tmp_path)
    out = _run([console_script("sysinv-edgeworker-conductor"), "--config-file", str(cfg)],
               tmp_path)
    assert out.returncode == 1 and "needs rpc_transport = oslo" in out.stderr, out.stderr
    assert "Sup3r-s3cret" not in out.stdout + out.stderr
    lines = _start_lines(out.stdout + out.stderr, "conductor")
    assert len(lines) == 1, out.stdout + out.stderr
    assert ("configuration: %s; state_path: %s/state; database: "
            "postgresql+psycopg2://edge:***@db.invalid:5432/inventory; rpc_transport: none"
            % (cfg, tmp_path)) in lines[0]
    assert "API:" not in lines[0]  # the conductor binds nothing
