"""HTTP layer (standard-library urllib only) and the v1 client object.

Credentials: an auth token goes out as ``X-Auth-Token``, a username/password
pair as HTTP Basic.  Neither is ever logged, printed or put in an exception.
"""

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from cgtsclient_ext import exc

DEFAULT_URL = "http://127.0.0.1:6385"
DEFAULT_TIMEOUT = 600
USER_AGENT = "cgtsclient_ext"


def redact_url(url):
    """``url`` without any user:password@ part, for messages."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class HTTPClient:
    """Sends JSON requests to the service and decodes JSON answers."""

    def __init__(self, endpoint, username=None, password=None, token=None,
                 timeout=DEFAULT_TIMEOUT, insecure=False, ca_file=None,
                 debug=False):
        self.endpoint = _check_endpoint((endpoint or DEFAULT_URL).rstrip("/"))
        self.timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        self.debug = debug
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if token:
            self._headers["X-Auth-Token"] = token
        if username and password:
            raw = (f"{username}:{password}").encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        self._context = None
        if self.endpoint.startswith("https:") and (insecure or ca_file):
            import ssl

            if insecure:
                self._context = ssl._create_unverified_context()
            else:
                self._context = ssl.create_default_context(cafile=ca_file)

    def url_for(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return self.endpoint + path

    def request(self, method, path, body=None, params=None):
        """Return the decoded JSON body (None for an empty one)."""
        url = self.url_for(path)
        if params:
            query = urllib.parse.urlencode([(k, v) for k, v in params.items() if v is not None])
            if query:
                url += ("&" if "?" in url else "?") + query
        headers = dict(self._headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        shown = redact_url(url)
        if self.debug:
            print(f"DEBUG: {method} {shown}", file=sys.stderr)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self._context) as resp:
                raw = resp.read()
                status = resp.status
                for warning in resp.headers.get_all("Warning") or ():
                    print(f"Warning: {warning_text(warning)}", file=sys.stderr)
        except urllib.error.HTTPError as err:
            raw = err.read() if err.fp is not None else b""
            if self.debug:
                print(f"DEBUG: -> {err.code}", file=sys.stderr)
            raise exc.from_response(err.code, err.reason, raw, method=method, url=shown) from None
        except urllib.error.URLError as err:
            raise exc.CommunicationError(shown, _reason(err.reason)) from None
        except (OSError, ValueError) as err:  # timeouts, resets, malformed URLs
            raise exc.CommunicationError(shown, _reason(err)) from None
        if self.debug:
            print(f"DEBUG: -> {status}", file=sys.stderr)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise exc.CommandError(f"Invalid JSON in the answer to {method} {shown}") from None

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def post(self, path, body):
        return self.request("POST", path, body=body)

    def patch(self, path, body):
        return self.request("PATCH", path, body=body)

    def delete(self, path):
        return self.request("DELETE", path)


def warning_text(header):
    """The text of an RFC 7234 ``Warning: 299 - "text"`` header (what the service sends
    when a request succeeded with a caveat, e.g. host-delete could not reach Kubernetes)."""
    parts = header.split(" ", 2)
    if len(parts) == 3 and parts[0].isdigit() and parts[2].startswith('"') \
            and parts[2].endswith('"'):
        return parts[2][1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return header


def _check_endpoint(url):
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        raise exc.CommandError(f"Invalid service URL {redact_url_safe(url)!r}: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise exc.CommandError(
            f"Invalid service URL {redact_url_safe(url)!r}: expected http(s)://<host>[:<port>] "
            "(--system-url or SYSTEM_URL)")
    return url


def redact_url_safe(url):
    try:
        return redact_url(url)
    except ValueError:
        return "<unparsable URL>"


def _reason(err):
    text = str(err) or err.__class__.__name__
    return " ".join(text.split())


class Client:
    """The v1 API: ``client.ihost``, ``client.isystem``, ``client.network``,
    ``client.address_pool``, ``client.kube_version``, ``client.kube_host_upgrade``,
    ``client.label`` (cgtsclient's attribute names)."""

    def __init__(self, http):
        from cgtsclient_ext.v1 import (address_pool, ihost, isystem, kube_version, label,
                                       network)

        self.http = http
        self.ihost = ihost.IhostManager(http)
        self.isystem = isystem.IsystemManager(http)
        self.network = network.NetworkManager(http)
        self.address_pool = address_pool.AddressPoolManager(http)
        self.kube_version = kube_version.KubeVersionManager(http)
        self.kube_host_upgrade = kube_version.KubeHostUpgradeManager(http)
        self.label = label.KubernetesLabelManager(http)


def get_client(system_url=None, username=None, password=None, token=None,
               timeout=DEFAULT_TIMEOUT, insecure=False, ca_file=None, debug=False):
    """Build a Client; arguments default like the ``system`` shell's options."""
    http = HTTPClient(system_url or DEFAULT_URL, username=username, password=password,
                      token=token, timeout=timeout, insecure=insecure,
                      ca_file=ca_file, debug=debug)
    return Client(http)
