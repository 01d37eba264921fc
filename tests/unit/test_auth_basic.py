"""auth_strategy = http_basic in-process (WebTest): statuses, messages, roles, the user file."""

import base64
import logging
import os
import shutil

import bcrypt
import pytest
import webtest

from sysinv_edgeworker.api import app as app_mod
from sysinv_edgeworker.api import auth_basic
from sysinv_edgeworker.common import exception
from tests.unit.api_helpers import edgeworker, fault

ADMIN_PW = "admin-Secr3t-pw"
VIEWER_PW = "viewer-Secr3t-pw"
MISSING = auth_basic.MISSING
INVALID = auth_basic.INVALID


def hashed(password, prefix=b"$2b$"):
    # cost 4: fast tests; the service accepts any bcrypt cost
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).replace(b"$2b$", prefix).decode()


def basic(user, password):
    raw = ("%s:%s" % (user, password)).encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def db_url(template_db, tmp_path):
    """Authentication does not depend on the database: SQLite only."""
    path = tmp_path / "db.sqlite"
    shutil.copy(template_db, path)
    return "sqlite:///%s" % path


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "htpasswd"
    path.write_text("# sysinv-edgeworker API users\nadmin:%s\n\nviewer:%s\n"
                    % (hashed(ADMIN_PW), hashed(VIEWER_PW, b"$2y$")))
    path.chmod(0o600)
    return path


@pytest.fixture
def api(manager, conf, user_file):
    conf.set_override("auth_strategy", "http_basic")
    conf.set_override("http_basic_auth_user_file", str(user_file))
    conf.set_override("readonly_users", ["viewer"], group="api")
    return webtest.TestApp(app_mod.setup_app())


ADMIN = basic("admin", ADMIN_PW)
VIEWER = basic("viewer", VIEWER_PW)


def assert_401(resp, message):
    assert resp.status_int == 401
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="sysinv-edgeworker", charset="UTF-8"'
    assert resp.content_type == "application/json"
    assert fault(resp) == message


@pytest.mark.parametrize("method,path", [("get", "/v1/ihosts"), ("get", "/v1/isystems"),
                                         ("get", "/v1/ihosts/1"), ("delete", "/v1/ihosts/1")])
def test_no_credentials_401(api, method, path):
    assert_401(getattr(api, method)(path, status=401), MISSING)


def test_no_credentials_post_401_before_body_checks(api):
    assert_401(api.post("/v1/ihosts", "not json", status=401,
                        content_type="application/json"), MISSING)


def test_version_documents_are_public(api):
    assert api.get("/").json["id"] == "sysinv-edgeworker"
    assert api.get("/v1/").status_int == 200


@pytest.mark.parametrize("headers", [basic("admin", "wrong"), basic("admin", ""),
                                     basic("nobody", ADMIN_PW), basic("viewer", ADMIN_PW)])
def test_wrong_credentials_401(api, headers):
    assert_401(api.get("/v1/ihosts", headers=headers, status=401), INVALID)


@pytest.mark.parametrize("value", ["Bearer abc", "Basic !!!notbase64", "Basic " +
                                   base64.b64encode(b"no-colon").decode(), "Basic"])
def test_malformed_authorization_401(api, value):
    assert_401(api.get("/v1/ihosts", headers={"Authorization": value}, status=401),
               auth_basic.MALFORMED)


def test_token_alone_is_not_accepted(api):
    assert_401(api.get("/v1/ihosts", headers={"X-Auth-Token": "abc"}, status=401), MISSING)


def test_spoofed_identity_headers_are_ignored(api):
    spoof = {"X-Identity-Status": "Confirmed", "X-Roles": "admin", "X-User-Name": "admin"}
    assert_401(api.get("/v1/ihosts", headers=spoof, status=401), MISSING)
    r = api.post_json("/v1/ihosts", edgeworker(), headers=dict(VIEWER, **spoof), status=403)
    assert "read-only" in fault(r)


def test_reader_reads_200(api):
    api.post_json("/v1/ihosts", edgeworker(), headers=ADMIN)
    assert [h["hostname"] for h in api.get("/v1/ihosts", headers=VIEWER).json["ihosts"]] \
        == ["edge-01"]
    assert api.get("/v1/ihosts/edge-01", headers=VIEWER).json["hostname"] == "edge-01"
    for path in ("/v1/isystems", "/v1/networks", "/v1/addrpools"):
        assert api.get(path, headers=VIEWER).status_int == 200


def test_reader_writes_403(api):
    host = api.post_json("/v1/ihosts", edgeworker(), headers=ADMIN).json
    r = api.post_json("/v1/ihosts", edgeworker("edge-02", "52:54:00:aa:bb:02"),
                      headers=VIEWER, status=403)
    assert fault(r) == "User 'viewer' has read-only access: POST needs one of the roles admin."
    ops = [{"op": "replace", "path": "/location", "value": {"room": "2"}}]
    r = api.patch_json("/v1/ihosts/%s" % host["id"], ops, headers=VIEWER, status=403)
    assert fault(r) == "User 'viewer' has read-only access: PATCH needs one of the roles admin."
    r = api.delete("/v1/ihosts/%s" % host["id"], headers=VIEWER, status=403)
    assert fault(r) == "User 'viewer' has read-only access: DELETE needs one of the roles admin."
    # nothing changed
    assert [h["hostname"] for h in api.get("/v1/ihosts", headers=ADMIN).json["ihosts"]] \
        == ["edge-01"]


def test_admin_writes(api):
    host = api.post_json("/v1/ihosts", edgeworker(), headers=ADMIN).json
    assert host["mgmt_ip"] == "192.168.204.5"
    ops = [{"op": "replace", "path": "/location", "value": {"room": "2"}}]
    api.patch_json("/v1/ihosts/%s" % host["id"], ops, headers=ADMIN)
    api.delete("/v1/ihosts/%s" % host["id"], headers=ADMIN, status=204)


def test_domain_errors_still_reach_authenticated_users(api):
    r = api.get("/v1/ihosts/nope", headers=VIEWER, status=404)
    assert fault(r) == "Host nope could not be found."


def test_password_longer_than_72_bytes(api, user_file):
    long_pw = "x" * 100
    user_file.write_text(user_file.read_text() + "long:%s\n" % hashed(long_pw[:72]))
    assert api.get("/v1/ihosts", headers=basic("long", long_pw)).status_int == 200


def test_user_file_reloaded_on_change(api, user_file):
    assert_401(api.get("/v1/ihosts", headers=basic("carol", "pw-c"), status=401), INVALID)
    user_file.write_text(user_file.read_text() + "carol:%s\n" % hashed("pw-c"))
    assert api.get("/v1/ihosts", headers=basic("carol", "pw-c")).status_int == 200
    # removing a user takes effect too (no restart)
    user_file.write_text("admin:%s\n" % hashed(ADMIN_PW))
    assert_401(api.get("/v1/ihosts", headers=basic("carol", "pw-c"), status=401), INVALID)


def test_broken_reload_keeps_previous_users(api, user_file, caplog):
    user_file.write_text("admin:{SHA}abcdef\n")
    with caplog.at_level(logging.ERROR):
        assert api.get("/v1/ihosts", headers=ADMIN).status_int == 200
    assert "is not a bcrypt hash" in caplog.text and "keeping the 2 users" in caplog.text
    os.unlink(user_file)
    assert api.get("/v1/ihosts", headers=VIEWER).status_int == 200


def test_passwords_never_logged(api, caplog):
    with caplog.at_level(logging.DEBUG):
        api.get("/v1/ihosts", headers=basic("admin", "wrong-Pa55word"), status=401)
        api.get("/v1/ihosts", headers=ADMIN)
        api.post_json("/v1/ihosts", edgeworker(), headers=VIEWER, status=403)
    text = caplog.text
    assert "authentication failed for user 'admin'" in text
    for secret in ("wrong-Pa55word", ADMIN_PW, VIEWER_PW, ADMIN["Authorization"][6:]):
        assert secret not in text


def test_authorization_header_not_passed_on(manager, conf, user_file):
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    mw = auth_basic.BasicAuthMiddleware(inner, str(user_file), ["viewer"])
    webtest.TestApp(mw).get("/x", headers=VIEWER)
    assert "HTTP_AUTHORIZATION" not in seen
    assert (seen["HTTP_X_USER_NAME"], seen["HTTP_X_ROLES"]) == ("viewer", "reader")


@pytest.mark.parametrize("content,message", [
    (None, "No such file or directory"),
    ("", "no users (add one with: htpasswd -B"),
    ("# only a comment\n", "no users"),
    ("admin\n", "line 1 is not 'user:hash'"),
    (":$2b$04$" + "a" * 53 + "\n", "line 1 is not 'user:hash'"),
    ("admin:plaintext\n", "line 1: the password of user 'admin' is not a bcrypt hash"),
    ("admin:$apr1$abc$def\n", "is not a bcrypt hash; create it with htpasswd -B"),
    ("admin:$2b$04$short\n", "is not a bcrypt hash"),
    ("a:%s\na:%s\n" % (hashed("x"), hashed("y")), "line 2: user 'a' appears twice"),
    (b"\xff\xfe\n", "not valid UTF-8 text"),
])
def test_bad_user_file_is_a_configuration_error(tmp_path, content, message):
    path = tmp_path / "htpasswd"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(exception.ConfigurationError) as err:
        auth_basic.UserFile(str(path))
    assert str(err.value).startswith("Configuration error: http_basic_auth_user_file %s: "
                                      % path)
    assert message in str(err.value)
    assert "plaintext" not in str(err.value)


def test_user_file_is_a_directory(tmp_path):
    with pytest.raises(exception.ConfigurationError, match="Is a directory"):
        auth_basic.UserFile(str(tmp_path))


def test_setup_app_refuses_bad_user_file(manager, conf, tmp_path):
    conf.set_override("auth_strategy", "http_basic")
    conf.set_override("http_basic_auth_user_file", str(tmp_path / "missing"))
    with pytest.raises(exception.ConfigurationError, match="No such file or directory"):
        app_mod.setup_app()


def test_world_readable_user_file_warns(user_file, caplog):
    user_file.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        auth_basic.UserFile(str(user_file))
    assert "is readable by every local user" in caplog.text
