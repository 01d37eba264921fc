"""A small fake Keystone speaking the Identity v3 HTTP API that keystonemiddleware uses,
and tests that real keystoneauth1/keystoneclient code accepts it.

Endpoints (the calls keystonemiddleware's auth_token makes, nothing is mocked on its side):

* ``GET /`` and ``GET /v3`` -- version discovery documents;
* ``POST /v3/auth/tokens`` -- password authentication (the service user, or a test user);
  201 with the token id in ``X-Subject-Token`` and a token body with the catalog;
* ``GET /v3/auth/tokens`` -- validation: ``X-Auth-Token`` must be a valid service token,
  ``X-Subject-Token`` the token to validate; 200 with the token body, 404 when unknown.

Started on a free loopback port in a thread; ``stop()`` shuts the server down and joins the
thread. Every request is recorded in ``requests`` as (method, path, headers).
"""

import datetime
import http.server
import json
import threading
import uuid

import pytest

SERVICE_USER, SERVICE_PASSWORD, SERVICE_PROJECT = "edgeworker", "svc-Secr3t", "service"


def _iso(delta):
    when = datetime.datetime.now(datetime.UTC) + delta
    return when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


class FakeKeystone:
    def __init__(self):
        self.users = {SERVICE_USER: (SERVICE_PASSWORD, ["admin", "service"])}
        self.tokens = {}
        self.requests = []
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.keystone = self
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def add_user(self, name, password, roles):
        self.users[name] = (password, list(roles))

    def issue(self, user, roles=None, expires=datetime.timedelta(hours=1)):
        """A user token (as if the user had authenticated), with the user's roles."""
        token_id = "tok-" + uuid.uuid4().hex
        roles = self.users[user][1] if roles is None else roles
        self.tokens[token_id] = self._token_body(user, roles, expires)
        return token_id

    def _token_body(self, user, roles, expires):
        domain = {"id": "default", "name": "Default"}
        project = SERVICE_PROJECT if user == SERVICE_USER else "edge"
        return {"token": {
            "methods": ["password"], "audit_ids": [uuid.uuid4().hex[:22]],
            "issued_at": _iso(datetime.timedelta(0)), "expires_at": _iso(expires),
            "user": {"id": "u-" + user, "name": user, "domain": domain,
                     "password_expires_at": None},
            "project": {"id": "p-" + project, "name": project, "domain": domain},
            "is_domain": False,
            "roles": [{"id": "r-" + r, "name": r} for r in roles],
            "catalog": [{"id": "c-identity", "type": "identity", "name": "keystone",
                         "endpoints": [{"id": "e-" + i, "interface": i, "region": "RegionOne",
                                        "region_id": "RegionOne", "url": self.url + "/v3"}
                                       for i in ("public", "internal", "admin")]}]}}

    def version(self):
        return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": self.url + "/v3/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}]}

    def authenticate(self, body):
        try:
            identity = body["auth"]["identity"]
            user = identity["password"]["user"]
            name, password = user["name"], user["password"]
        except (KeyError, TypeError):
            return None
        if identity.get("methods") != ["password"] or self.users.get(name, (None,))[0] \
                != password:
            return None
        token_id = "tok-" + uuid.uuid4().hex
        self.tokens[token_id] = self._token_body(name, self.users[name][1],
                                                 datetime.timedelta(hours=1))
        return token_id

    def is_service_token(self, token_id):
        body = self.tokens.get(token_id)
        return bool(body) and body["token"]["user"]["name"] == SERVICE_USER


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, doc=None, headers=()):
        data = json.dumps(doc).encode() if doc is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, title):
        self._send(status, {"error": {"code": status, "title": title, "message": title}})

    def _record(self):
        ks = self.server.keystone
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        ks.requests.append((self.command, path, dict(self.headers)))
        return ks, path

    def do_GET(self):  # noqa: N802 - http.server's naming
        ks, path = self._record()
        if path == "/":
            return self._send(300, {"versions": {"values": [ks.version()]}})
        if path == "/v3":
            return self._send(200, {"version": ks.version()})
        if path == "/v3/auth/tokens":
            if not ks.is_service_token(self.headers.get("X-Auth-Token")):
                return self._error(401, "Unauthorized")
            token_id = self.headers.get("X-Subject-Token")
            body = ks.tokens.get(token_id)
            if body is None:
                return self._error(404, "Not Found")
            return self._send(200, body, [("X-Subject-Token", token_id)])
        return self._error(404, "Not Found")

    def do_POST(self):  # noqa: N802
        ks, path = self._record()
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._error(400, "Bad Request")
        if path != "/v3/auth/tokens":
            return self._error(404, "Not Found")
        token_id = ks.authenticate(body)
        if token_id is None:
            return self._error(401, "Unauthorized")
        return self._send(201, ks.tokens[token_id], [("X-Subject-Token", token_id)])


@pytest.fixture
def fake_keystone():
    ks = FakeKeystone().start()
    yield ks
    ks.stop()


def test_keystoneauth_password_session_and_validation(fake_keystone):
    """keystoneauth1's password plugin and keystoneclient's token validation (the code
    paths keystonemiddleware runs) accept the fake."""
    pytest.importorskip("keystoneclient")
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    from keystoneclient.v3 import client

    auth = v3.Password(auth_url=fake_keystone.url + "/v3", username=SERVICE_USER,
                       password=SERVICE_PASSWORD, project_name=SERVICE_PROJECT,
                       user_domain_name="Default", project_domain_name="Default")
    sess = session.Session(auth=auth)
    assert sess.get_token().startswith("tok-")
    assert sess.get_endpoint(service_type="identity", interface="internal") \
        == fake_keystone.url + "/v3"
    fake_keystone.add_user("alice", "pw", ["reader"])
    token = fake_keystone.issue("alice")
    ref = client.Client(session=sess).tokens.validate(token)
    assert (ref.username, ref.role_names, ref.project_name) == ("alice", ["reader"], "edge")


def test_wrong_service_password_is_refused(fake_keystone):
    pytest.importorskip("keystoneauth1")
    from keystoneauth1 import exceptions, session
    from keystoneauth1.identity import v3

    auth = v3.Password(auth_url=fake_keystone.url + "/v3", username=SERVICE_USER,
                       password="wrong", project_name=SERVICE_PROJECT,
                       user_domain_name="Default", project_domain_name="Default")
    with pytest.raises(exceptions.Unauthorized):
        session.Session(auth=auth).get_token()
