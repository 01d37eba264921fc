"""auth_strategy = keystone in-process (WebTest): the real keystonemiddleware auth_token,
configured from [keystone_authtoken], validating tokens against a fake Keystone that speaks
the Identity v3 HTTP API on a loopback port (tests/unit/test_auth_fake_keystone.py)."""

import logging
import shutil

import pytest
import webtest

from sysinv_edgeworker.api import app as app_mod
from sysinv_edgeworker.api import auth
from sysinv_edgeworker.common import exception
from tests.unit.api_helpers import edgeworker, fault
from tests.unit.test_auth_fake_keystone import (SERVICE_PASSWORD, SERVICE_PROJECT,
                                                SERVICE_USER, FakeKeystone)

pytest.importorskip("keystonemiddleware")


@pytest.fixture
def db_url(template_db, tmp_path):
    """Authentication does not depend on the database: SQLite only."""
    path = tmp_path / "db.sqlite"
    shutil.copy(template_db, path)
    return "sqlite:///%s" % path


@pytest.fixture
def fake_keystone():
    ks = FakeKeystone().start()
    ks.add_user("alice", "pw", ["reader"])
    ks.add_user("bob", "pw", ["member"])
    ks.add_user("carol", "pw", ["admin", "reader"])
    ks.add_user("dave", "pw", ["observer"])
    yield ks
    ks.stop()


def configure(conf, identity_url, **extra):
    from keystoneauth1 import loading
    from keystonemiddleware import auth_token  # noqa: F401 - registers [keystone_authtoken]
    conf.register_opts(loading.get_auth_plugin_conf_options("password"),
                       group="keystone_authtoken")
    conf.set_override("auth_strategy", "keystone")
    values = dict(auth_type="password", auth_url=identity_url + "/v3",
                  username=SERVICE_USER, password=SERVICE_PASSWORD,
                  project_name=SERVICE_PROJECT, user_domain_name="Default",
                  project_domain_name="Default", www_authenticate_uri=identity_url + "/v3",
                  http_request_max_retries=0, service_token_roles_required=True, **extra)
    for name, value in values.items():
        conf.set_override(name, value, group="keystone_authtoken")


@pytest.fixture
def api(manager, conf, fake_keystone):
    configure(conf, fake_keystone.url)
    return webtest.TestApp(app_mod.setup_app())


def token(ks, user):
    return {"X-Auth-Token": ks.issue(user)}


def assert_401(resp, ks):
    assert resp.status_int == 401
    assert resp.headers["WWW-Authenticate"] == 'Keystone uri="%s/v3"' % ks.url
    assert resp.content_type == "application/json"
    assert fault(resp) == auth.KEYSTONE_MESSAGES[401]


def test_no_token_401(api, fake_keystone):
    assert_401(api.get("/v1/ihosts", status=401), fake_keystone)
    assert_401(api.post_json("/v1/ihosts", edgeworker(), status=401), fake_keystone)


def test_unknown_token_401(api, fake_keystone):
    assert_401(api.get("/v1/ihosts", headers={"X-Auth-Token": "tok-forged"}, status=401),
               fake_keystone)
    # keystonemiddleware really asked Keystone, with the service token
    method, path, headers = fake_keystone.requests[-1]
    assert (method, path, headers["X-Subject-Token"]) == ("GET", "/v3/auth/tokens",
                                                          "tok-forged")
    assert fake_keystone.is_service_token(headers["X-Auth-Token"])


def test_expired_token_401(api, fake_keystone):
    import datetime
    expired = fake_keystone.issue("carol", expires=datetime.timedelta(seconds=-5))
    assert_401(api.get("/v1/ihosts", headers={"X-Auth-Token": expired}, status=401),
               fake_keystone)


def test_version_documents_are_public(api, fake_keystone):
    assert api.get("/").status_int == 200
    assert api.get("/v1").status_int == 200
    assert fake_keystone.requests == []


def test_reader_reads_200_and_writes_403(api, fake_keystone):
    api.post_json("/v1/ihosts", edgeworker(), headers=token(fake_keystone, "carol"))
    reader = token(fake_keystone, "alice")
    assert [h["hostname"] for h in api.get("/v1/ihosts", headers=reader).json["ihosts"]] \
        == ["edge-01"]
    assert api.get("/v1/isystems", headers=reader).status_int == 200
    message = "User 'alice' has read-only access: %s needs one of the roles admin, member."
    r = api.post_json("/v1/ihosts", edgeworker("edge-02", "52:54:00:aa:bb:02"),
                      headers=reader, status=403)
    assert fault(r) == message % "POST"
    ops = [{"op": "replace", "path": "/location", "value": {"room": "2"}}]
    assert fault(api.patch_json("/v1/ihosts/edge-01", ops, headers=reader, status=403)) \
        == message % "PATCH"
    assert fault(api.delete("/v1/ihosts/edge-01", headers=reader, status=403)) \
        == message % "DELETE"


def test_spoofed_roles_header_is_ignored(api, fake_keystone):
    headers = dict(token(fake_keystone, "alice"), **{"X-Roles": "admin",
                                                    "X-Identity-Status": "Confirmed"})
    api.post_json("/v1/ihosts", edgeworker(), headers=headers, status=403)
    assert_401(api.get("/v1/ihosts", headers={"X-Roles": "admin",
                                               "X-Identity-Status": "Confirmed"},
                       status=401), fake_keystone)


@pytest.mark.parametrize("user", ["bob", "carol"])
def test_member_and_admin_write(api, fake_keystone, user):
    headers = token(fake_keystone, user)
    host = api.post_json("/v1/ihosts", edgeworker(), headers=headers).json
    assert host["mgmt_ip"] == "192.168.204.5"
    ops = [{"op": "replace", "path": "/location", "value": {"room": "2"}}]
    api.patch_json("/v1/ihosts/%s" % host["id"], ops, headers=headers)
    api.delete("/v1/ihosts/%s" % host["id"], headers=headers, status=204)


def test_no_known_role_403_even_for_reads(api, fake_keystone):
    r = api.get("/v1/ihosts", headers=token(fake_keystone, "dave"), status=403)
    assert fault(r) == ("User 'dave' has none of the roles that may use this API "
                        "(admin, member, reader).")


def test_roles_are_configurable(manager, conf, fake_keystone):
    configure(conf, fake_keystone.url)
    conf.set_override("keystone_read_roles", ["observer"], group="api")
    api = webtest.TestApp(app_mod.setup_app())
    assert api.get("/v1/ihosts", headers=token(fake_keystone, "dave")).status_int == 200
    assert api.get("/v1/ihosts", headers=token(fake_keystone, "alice"), status=403)


def test_keystone_unreachable_503(manager, conf, fake_keystone):
    fake_keystone.stop()
    configure(conf, fake_keystone.url)  # nothing listens there any more
    api = webtest.TestApp(app_mod.setup_app())
    r = api.get("/v1/ihosts", headers={"X-Auth-Token": "tok-any"}, status=503)
    assert fault(r) == auth.KEYSTONE_MESSAGES[503]


def test_tokens_not_logged(api, fake_keystone, caplog):
    reader = token(fake_keystone, "alice")
    with caplog.at_level(logging.DEBUG):
        api.get("/v1/ihosts", headers=reader)
        api.post_json("/v1/ihosts", edgeworker(), headers=reader, status=403)
    assert reader["X-Auth-Token"] not in caplog.text
    assert SERVICE_PASSWORD not in caplog.text


def test_missing_service_credentials_is_a_configuration_error(manager, conf):
    from keystonemiddleware import auth_token  # noqa: F401
    conf.set_override("auth_strategy", "keystone")
    with pytest.raises(exception.ConfigurationError,
                       match=r"needs the service credentials .*\[keystone_authtoken\] "
                             r"auth_type = password"):
        app_mod.setup_app()


def test_delay_auth_decision_still_401(manager, conf, fake_keystone):
    configure(conf, fake_keystone.url, delay_auth_decision=True)
    api = webtest.TestApp(app_mod.setup_app())
    assert_401(api.get("/v1/ihosts", status=401), fake_keystone)
    assert_401(api.get("/v1/ihosts", headers={"X-Auth-Token": "tok-forged"}, status=401),
               fake_keystone)
    assert api.get("/v1/ihosts", headers=token(fake_keystone, "alice")).status_int == 200


def test_incomplete_service_credentials_are_a_configuration_error(manager, conf):
    configure(conf, "http://127.0.0.1:9")
    conf.clear_override("auth_url", group="keystone_authtoken")
    with pytest.raises(exception.ConfigurationError) as err:
        auth.check_config(conf)
    assert str(err.value) == ("Configuration error: [keystone_authtoken]: Auth plugin "
                              "requires parameters which were not given: auth_url")
