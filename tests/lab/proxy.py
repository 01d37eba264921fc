"""A real HTTP forward proxy with Basic authentication for lab runs, on the lab bridge.

Lab hosts' package managers reach the lab repositories through it when the playbook is given
``edgeworker_http_proxy=http://<user>:<password>@<bridge>:<port>``: it answers 407 without the
right ``Proxy-Authorization`` and otherwise forwards the request (GET/HEAD, absolute URI) to
the origin, recording what it saw. Plain HTTP only (the lab repositories are plain HTTP); no
CONNECT.

    with forward_proxy("edgeproxy", password) as proxy:
        proxy.url                 # http://edgeproxy:<password>@10.x.y.1:<port>
        proxy.requests            # [(client_ip, method, url, authorised), ...]
"""

import base64
import contextlib
import http.client
import http.server
import threading
from urllib.parse import unquote, urlsplit

from tests.lab import config

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the test reads .requests
        pass

    def _authorised(self):
        expected = "Basic " + base64.b64encode(self.server.credentials.encode()).decode()
        return self.headers.get("Proxy-Authorization", "") == expected

    def _forward(self, send_body):
        authorised = self._authorised()
        self.server.requests.append((self.client_address[0], self.command, self.path, authorised))
        if not authorised:
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="edgelab"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "absolute http:// URI expected")
            return
        path = target.path + ("?" + target.query if target.query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            upstream.request(self.command, path or "/", headers=headers)
            response = upstream.getresponse()
            body = response.read()
        except OSError as exc:
            self.send_error(502, f"upstream: {exc}")
            return
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._forward(send_body=True)

    def do_HEAD(self):  # noqa: N802
        self._forward(send_body=False)

    def do_CONNECT(self):  # noqa: N802
        self.server.requests.append(
            (self.client_address[0], "CONNECT", self.path, self._authorised())
        )
        self.send_error(405, "CONNECT is not supported by the lab proxy")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


@contextlib.contextmanager
def forward_proxy(user, password, bind=None):
    """Run the proxy on the lab bridge (a free port) until the block ends."""
    server = _Server((bind or config.BRIDGE_IP, 0), _Handler)
    server.credentials = f"{unquote(user)}:{unquote(password)}"  # as clients decode the URL
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, name="lab-proxy", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    server.url = f"http://{user}:{password}@{host}:{port}"
    server.address = f"{host}:{port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)
