"""The urllib HTTP layer against a tiny standard-library server on loopback
(no mocks): headers and credentials sent, JSON bodies, error bodies, paging."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cgtsclient_ext import client, exc


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, doc=None):
        body = b"" if doc is None else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, dict(self.headers), body))

    def do_GET(self):
        self._record()
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.startswith("/v1/ihosts?personality=edgeworker"):
            self._send(200, {"ihosts": [{"id": 1, "hostname": "a"}],
                             "next": base + "/v1/ihosts?marker=u1&limit=1"})
        elif self.path == "/v1/ihosts?marker=u1&limit=1":
            self._send(200, {"ihosts": [{"id": 2, "hostname": "b"}]})
        elif self.path == "/v1/loop":
            self._send(200, {"loop": [], "next": base + "/v1/loop"})
        elif self.path == "/v1/ihosts/missing":
            inner = {"faultcode": "Client", "faultstring": "Host missing could not be found.",
                     "debuginfo": None}
            self._send(404, dict(inner, error_message=json.dumps(inner)))
        else:
            self._send(200, {"id": 7, "hostname": "x"})

    def do_PATCH(self):
        self._record()
        self._send(200, {"id": 7, "hostname": "edge-01"})

    def do_DELETE(self):
        self._record()
        self._send(204)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.seen = []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(srv):
    return f"http://127.0.0.1:{srv.server_port}"


def test_noauth_sends_no_credentials(server):
    client.get_client(_url(server)).ihost.get("x")
    headers = server.seen[0][2]
    assert "X-Auth-Token" not in headers and "Authorization" not in headers
    assert headers["Accept"] == "application/json"


def test_token_and_basic_auth_headers(server):
    client.get_client(_url(server), username="admin", password="pw", token="tok").ihost.get("x")
    headers = server.seen[0][2]
    assert headers["X-Auth-Token"] == "tok"
    assert headers["Authorization"] == "Basic YWRtaW46cHc="  # admin:pw


def test_patch_sends_json_patch_and_quotes_ident(server):
    cc = client.get_client(_url(server))
    host = cc.ihost.update("edge 01", [{"op": "replace", "path": "/hostname", "value": "edge-01"}])
    method, path, headers, body = server.seen[0]
    assert (method, path) == ("PATCH", "/v1/ihosts/edge%2001")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == [{"op": "replace", "path": "/hostname", "value": "edge-01"}]
    assert host.hostname == "edge-01"


def test_delete_204(server):
    assert client.get_client(_url(server)).ihost.delete("3") is None
    assert server.seen[0][:2] == ("DELETE", "/v1/ihosts/3")


def test_list_follows_next(server):
    hosts = client.get_client(_url(server)).ihost.list(personality="edgeworker")
    assert [h.hostname for h in hosts] == ["a", "b"]
    assert [s[1] for s in server.seen] == ["/v1/ihosts?personality=edgeworker",
                                          "/v1/ihosts?marker=u1&limit=1"]


def test_list_refuses_a_next_loop(server):
    from cgtsclient_ext.v1 import base

    class Loop(base.Manager):
        collection = "loop"

    with pytest.raises(exc.CommandError, match="same next page twice"):
        Loop(client.HTTPClient(_url(server)))._list()


def test_error_body_faultstring(server):
    with pytest.raises(exc.HTTPNotFound) as err:
        client.get_client(_url(server)).ihost.get("missing")
    assert str(err.value) == "Host missing could not be found."


def test_unreachable_names_url_without_userinfo():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(exc.CommunicationError) as err:
        client.get_client(f"http://user:pw@127.0.0.1:{port}").ihost.list()
    message = str(err.value)
    assert message.startswith(f"Unable to establish connection to http://127.0.0.1:{port}/v1/ihosts:")
    assert "pw" not in message and "\n" not in message


@pytest.mark.parametrize("url,message", [
    ("foo", "Invalid service URL 'foo': expected http(s)://<host>[:<port>]"),
    ("ftp://x", "Invalid service URL 'ftp://x': expected http(s)://<host>[:<port>]"),
    ("http://h:abc", "Invalid service URL 'http://h:abc': Port could not be cast"),
    ("http://[::1", "Invalid service URL '<unparsable URL>': Invalid IPv6 URL"),
    ("http://u:secret@:80", "Invalid service URL 'http://:80'"),
])
def test_bad_endpoint_is_a_clear_error(url, message):
    with pytest.raises(exc.CommandError) as err:
        client.get_client(url)
    assert str(err.value).startswith(message)
    assert "secret" not in str(err.value)
