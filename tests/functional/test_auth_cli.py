"""Authentication end to end: the real all-in-one service with auth_strategy = http_basic
(and keystone, against the fake Keystone) driven by the real ``system`` console script, and
the start-up refusals of ``sysinv-edgeworker`` / ``sysinv-edgeworker-api``.

The service is started by tests/servers/aio.py as in tests/functional/cli/ (free loopback
port, wait for ``GET /``, which stays public, stopped by its process group), with an
authentication section added to its configuration file.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from tests.servers import aio
from tests.servers._proc import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent / "cli"))
cli_aio = importlib.import_module("cli_aio")

pytestmark = pytest.mark.functional

ADMIN_PW, VIEWER_PW = "admin-Secr3t-pw", "viewer-Secr3t-pw"
MISSING = ("Authentication required: this API uses HTTP Basic authentication; send a "
           "username and password (system --os-username/--os-password).")
INVALID = "Authentication failed: invalid username or password."
READ_ONLY = "User 'viewer' has read-only access: POST needs one of the roles admin."


def _hash(password):
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


start_service = cli_aio.run_service


@pytest.fixture(scope="module")
def basic_service(tmp_path_factory):
    state = tmp_path_factory.mktemp("auth-basic")
    users = state / "htpasswd"
    users.write_text("admin:%s\nviewer:%s\n" % (_hash(ADMIN_PW), _hash(VIEWER_PW)))
    users.chmod(0o600)
    extra = (f"[api]\nreadonly_users = viewer\n[DEFAULT]\nauth_strategy = http_basic\n"
             f"http_basic_auth_user_file = {users}\n")
    with start_service(state, extra) as svc:
        yield svc


@pytest.fixture(scope="module")
def system(basic_service):
    return cli_aio.make_runner(basic_service)


def as_user(user, password):
    return ["--os-username", user, "--os-password", password]


def assert_fails_with(res, message):
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert res.stdout == ""
    assert res.stderr == message + "\n"


def test_no_credentials_401(system, basic_service):
    assert_fails_with(system("host-list"), MISSING)
    status, doc = basic_service.raw("GET", "/v1/ihosts")
    assert (status, doc["faultstring"]) == (401, MISSING)


def test_wrong_password_401(system):
    assert_fails_with(system(*as_user("admin", "nope"), "host-list"), INVALID)
    assert_fails_with(system(*as_user("mallory", ADMIN_PW), "host-list"), INVALID)


def test_reader_lists_but_cannot_add(system):
    res = system(*as_user("viewer", VIEWER_PW), "host-list")
    assert res.returncode == 0, res.stderr
    assert "| id | hostname |" in res.stdout
    res = system(*as_user("viewer", VIEWER_PW), "host-add", "-n", "edge-40", "-p",
                 "edgeworker", "-m", "52:54:00:aa:dd:40")
    assert_fails_with(res, READ_ONLY)


def test_admin_adds_and_reader_sees_it(system):
    res = system(*as_user("admin", ADMIN_PW), "host-add", "-n", "edge-41", "-p", "edgeworker",
                 "-m", "52:54:00:aa:dd:41", "--column", "hostname", "--format", "value")
    assert (res.returncode, res.stdout, res.stderr) == (0, "edge-41\n", "")
    # credentials from the environment, as cgtsclient reads them
    res = system("host-show", "edge-41", "--column", "mgmt_mac", "--format", "value",
                 env={"OS_USERNAME": "viewer", "OS_PASSWORD": VIEWER_PW})
    assert (res.returncode, res.stdout) == (0, "52:54:00:aa:dd:41\n"), res.stderr
    res = system(*as_user("viewer", VIEWER_PW), "host-delete", "edge-41")
    assert_fails_with(res, READ_ONLY.replace("POST", "DELETE"))
    res = system(*as_user("admin", ADMIN_PW), "host-delete", "edge-41")
    assert res.returncode == 0, res.stderr


def test_passwords_not_in_service_log(system, basic_service):
    system(*as_user("admin", "wrong-Pa55word"), "host-list")
    system(*as_user("admin", ADMIN_PW), "host-list")
    text = basic_service.log.read_text()
    for secret in (ADMIN_PW, VIEWER_PW, "wrong-Pa55word"):
        assert secret not in text


def test_keystone_token_from_the_cli(tmp_path):
    """auth_strategy = keystone: the real service validates ``--os-auth-token`` with
    keystonemiddleware against the fake Keystone (tests/unit/test_auth_fake_keystone.py)."""
    pytest.importorskip("keystonemiddleware")
    from tests.unit.test_auth_fake_keystone import (SERVICE_PASSWORD, SERVICE_PROJECT,
                                                    SERVICE_USER, FakeKeystone)
    ks = FakeKeystone().start()
    try:
        ks.add_user("alice", "pw", ["reader"])
        ks.add_user("bob", "pw", ["member"])
        extra = ("[DEFAULT]\nauth_strategy = keystone\n[keystone_authtoken]\n"
                 f"auth_type = password\nauth_url = {ks.url}/v3\n"
                 f"www_authenticate_uri = {ks.url}/v3\nusername = {SERVICE_USER}\n"
                 f"password = {SERVICE_PASSWORD}\nproject_name = {SERVICE_PROJECT}\n"
                 "user_domain_name = Default\nproject_domain_name = Default\n")
        with start_service(tmp_path, extra) as svc:
            run = cli_aio.make_runner(svc)
            res = run("host-list")
            assert_fails_with(res, "Authentication required: send a valid Keystone token in "
                                   "X-Auth-Token (system --os-auth-token); the token is "
                                   "missing, invalid or expired.")
            reader = ["--os-auth-token", ks.issue("alice")]
            assert run(*reader, "host-list").returncode == 0
            res = run(*reader, "host-add", "-n", "edge-42", "-p", "edgeworker", "-m",
                      "52:54:00:aa:dd:42")
            assert_fails_with(res, "User 'alice' has read-only access: POST needs one of "
                                   "the roles admin, member.")
            res = run("--os-auth-token", ks.issue("bob"), "host-add", "-n", "edge-42", "-p",
                      "edgeworker", "-m", "52:54:00:aa:dd:42")
            assert res.returncode == 0, res.stderr
            assert SERVICE_PASSWORD not in svc.log.read_text()
    finally:
        ks.stop()


def _start_fails(tmp_path, command, conf_text):
    conf = tmp_path / "c.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}/state\n" + conf_text)
    exe = Path(sys.executable).parent / command
    res = subprocess.run([str(exe), "--config-file", str(conf)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


NOAUTH_REFUSED = ("error: Configuration error: auth_strategy = noauth refuses to listen on "
                  "0.0.0.0, which is not a loopback address: set auth_strategy = http_basic "
                  "or keystone, or [api] allow_insecure_noauth = true")


def test_aio_noauth_refuses_network_address(tmp_path):
    line = _start_fails(tmp_path, "sysinv-edgeworker", "[api]\nhost_ip = 0.0.0.0\n")
    assert line.startswith("sysinv-edgeworker: " + NOAUTH_REFUSED)
    assert not (tmp_path / "state").exists()  # refused before touching anything


def test_api_noauth_refuses_network_address(tmp_path):
    line = _start_fails(tmp_path, "sysinv-edgeworker-api",
                        "rpc_transport = oslo\ntransport_url = rabbit://u:p@127.0.0.1:1/\n"
                        "[database]\nconnection = postgresql+psycopg2://u:p@127.0.0.1:1/x\n"
                        "[api]\nhost_ip = 0.0.0.0\n")
    assert line.startswith("sysinv-edgeworker-api: " + NOAUTH_REFUSED)


@pytest.mark.parametrize("content,message", [
    (None, "No such file or directory"),
    ("admin:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
     "line 1: the password of user 'admin' is not a bcrypt hash; create it with htpasswd -B "
     "(only bcrypt is accepted)"),
])
def test_aio_bad_user_file(tmp_path, content, message):
    users = tmp_path / "htpasswd"
    if content is not None:
        users.write_text(content)
    line = _start_fails(tmp_path, "sysinv-edgeworker",
                        f"auth_strategy = http_basic\nhttp_basic_auth_user_file = {users}\n")
    assert line == ("sysinv-edgeworker: error: Configuration error: "
                    f"http_basic_auth_user_file {users}: {message}")


def test_aio_noauth_forced_on_all_addresses(tmp_path):
    port = free_port()
    extra = f"[api]\nhost_ip = 0.0.0.0\nport = {port}\nallow_insecure_noauth = true\n"
    state = tmp_path / "s"
    state.mkdir()
    conf = state / "aio.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {state}\n" + extra)
    log = state / "aio.log"
    with aio.running(conf, log, port):
        assert "anyone who reaches the port can change the inventory" in log.read_text()


@pytest.mark.parametrize("conf_text,line", [
    ("auth_strategy = http_basic   # see docs/auth.md\n",
     "invalid value for [DEFAULT] auth_strategy: Valid values are [noauth, http_basic, "
     "keystone], but found 'http_basic   # see docs/auth.md' (inline '#' comments are not "
     "supported)"),
    ("[api]\nallow_insecure_noauth = maybe\n",
     "invalid value for [api] allow_insecure_noauth: Unexpected boolean value 'maybe'"),
])
def test_invalid_auth_values_are_one_line(tmp_path, conf_text, line):
    got = _start_fails(tmp_path, "sysinv-edgeworker", conf_text)
    assert got == "sysinv-edgeworker: error: Configuration error: " + line
