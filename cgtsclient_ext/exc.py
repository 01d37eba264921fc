"""Exceptions raised by the client library and turned into exit codes by the shell."""


class ClientException(Exception):
    """Base of every error the client reports to a user (the shell exits 1)."""


class CommandError(ClientException):
    """A command could not be carried out (bad column, missing host...)."""


class CommunicationError(ClientException):
    """The service could not be reached at all."""

    def __init__(self, url, reason):
        self.url = url
        self.reason = reason
        super().__init__(f"Unable to establish connection to {url}: {reason}")


class HTTPError(ClientException):
    """The service answered with a 4xx/5xx status.

    ``faultstring`` is the human message from sysinv's error body; ``str()``
    of the exception is exactly that message, which is what the shell prints.
    """

    def __init__(self, code, faultstring, faultcode=None, method=None, url=None):
        self.code = code
        self.faultstring = faultstring
        self.faultcode = faultcode
        self.method = method
        self.url = url
        super().__init__(faultstring)


class HTTPNotFound(HTTPError):
    """404."""


class HTTPUnauthorized(HTTPError):
    """401."""


class HTTPConflict(HTTPError):
    """409."""


_BY_CODE = {401: HTTPUnauthorized, 404: HTTPNotFound, 409: HTTPConflict}


def from_response(code, reason, body, method=None, url=None):
    """Build the HTTPError for a failed response.

    sysinv's ParsableErrorMiddleware sends ``faultstring`` at the top level and
    again inside ``error_message`` (a JSON string); either is accepted.  A body
    that is not JSON (a proxy's HTML page, say) gives "HTTP <code> <reason>".
    """
    faultstring, faultcode = _parse_fault(body)
    if not faultstring:
        faultstring = f"HTTP {code} {reason or ''}"
        faultstring = faultstring.strip()
    cls = _BY_CODE.get(code, HTTPError)
    return cls(code, faultstring, faultcode=faultcode, method=method, url=url)


def _parse_fault(body):
    import json

    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        return None, None
    if not isinstance(doc, dict):
        return None, None
    if doc.get("faultstring"):
        return str(doc["faultstring"]), doc.get("faultcode")
    inner = doc.get("error_message")
    if isinstance(inner, str):
        try:
            inner = json.loads(inner)
        except ValueError:
            return inner or None, doc.get("faultcode")
    if isinstance(inner, dict) and inner.get("faultstring"):
        return str(inner["faultstring"]), inner.get("faultcode")
    return None, None
