"""The real all-in-one sysinv-edgeworker service with http_basic auth, for the report role tests
(started as tests/functional/test_auth_cli.py starts it; stopped by PID)."""

import base64
import json
import urllib.error
import urllib.request

import bcrypt

from tests.functional.test_auth_cli import start_service

ADMIN_PW = "admin-Secr3t-pw-report"


def basic_service(state):
    users = state / "htpasswd"
    users.write_text("admin:%s\n" % bcrypt.hashpw(ADMIN_PW.encode(), bcrypt.gensalt(4)).decode())
    users.chmod(0o600)
    return start_service(state, "[DEFAULT]\nauth_strategy = http_basic\n"
                                f"http_basic_auth_user_file = {users}\n")


def call(service, method, path, body=None):
    """(status, JSON) as admin."""
    auth = base64.b64encode(f"admin:{ADMIN_PW}".encode()).decode()
    req = urllib.request.Request(service.url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          "Authorization": "Basic " + auth})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")
