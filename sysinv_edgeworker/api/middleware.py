"""WSGI middleware: every error leaves as JSON with a ``faultstring``; bodies are bounded.

The body carries ``faultcode``/``faultstring``/``debuginfo`` at the top level, plus sysinv's
``error_message`` (the same object as a JSON string, which the real cgtsclient parses).
"""

import json
import re

import webob
import webob.exc

_GENERIC = {400: "Bad request: the URL, query string or body is malformed.",
            401: "Authentication required.", 403: "Forbidden.",
            404: "The resource could not be found.", 405: "Method not allowed.",
            406: "Not acceptable.", 409: "Conflict.", 413: "Request body too large.",
            415: "Unsupported media type.", 500: "Internal server error.",
            503: "Service unavailable."}


FAULTSTRING_MAX = 1024  # a message never echoes a huge client value back in full
MAX_JSON_DEPTH = 32     # far beyond any valid body; bounds the work of every later step


def _depth_exceeds(doc, limit):
    """True if ``doc`` nests containers deeper than ``limit`` (iterative: no recursion)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


def error_body(status, faultstring):
    if len(faultstring) > FAULTSTRING_MAX:
        faultstring = faultstring[:FAULTSTRING_MAX] + "…"
    fault = {"faultcode": "Client" if status < 500 else "Server",
             "faultstring": faultstring, "debuginfo": None}
    return json.dumps(dict(fault, error_message=json.dumps(fault))).encode()


# wsme reports a JSON value of the wrong type with Python class reprs ("Expected '<class
# 'str'>', got '<class 'int'>'"); say it in JSON's words.
_WSME_TYPE = re.compile(r"Value: '(?:.*)'\. Wrong type\. Expected '<class '(\w+)'>', "
                        r"got '<class '(\w+)'>'\.?$", re.S)
_JSON_TYPES = {"str": "a string", "int": "an integer", "float": "a number",
               "bool": "true or false", "list": "an array", "dict": "an object",
               "NoneType": "null"}


def _plain_types(text):
    match = _WSME_TYPE.search(text)
    if not match:
        return text
    want, got = (_JSON_TYPES.get(name, name) for name in match.groups())
    return text[:match.start()] + "Expected %s, got %s." % (want, got)


def _faultstring(body, code, reason, messages=_GENERIC):
    if code == 500:
        return _GENERIC[500]  # never leak internals; the server log has the details
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("faultstring"), str) \
            and data["faultstring"].strip():
        return _plain_types(data["faultstring"])
    return messages.get(code) or _GENERIC.get(code, reason)


class ParsableErrorMiddleware:
    """Rewrites every error response (wsme's, pecan's, webob's, third-party middleware's)
    into one JSON shape; ``messages`` overrides the generic text per status code for bodies
    that carry no ``faultstring`` of their own."""

    def __init__(self, app, messages=None):
        self.app = app
        self.messages = {**_GENERIC, **(messages or {})}

    def __call__(self, environ, start_response):
        state = {}

        def replacement_start_response(status, headers, exc_info=None):
            code = int(status.split(" ", 1)[0])
            if code < 400:
                return start_response(status, headers, exc_info)
            state.update(code=code, status=status, headers=headers)
            return lambda data: None

        body = self.app(environ, replacement_start_response)
        if "code" not in state:
            return body
        try:
            text = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        code = state["code"]
        data = error_body(code, _faultstring(text, code, state["status"].split(" ", 1)[-1],
                                             self.messages))
        headers = [(h, v) for h, v in state["headers"]
                   if h.lower() not in ("content-type", "content-length")]
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        start_response(state["status"], headers)
        return [data]


class RequestGuardMiddleware:
    """Checks a write's body before anything parses it: size (413), media type (415), JSON
    syntax and top-level shape (400): POST takes an object, PATCH a JSON-patch array."""

    SHAPES = {"POST": (dict, "a JSON object"), "PUT": (dict, "a JSON object"),
              "PATCH": (list, "a JSON-patch array")}

    def __init__(self, app, max_size):
        self.app = app
        self.max_size = max_size

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        if req.method not in self.SHAPES:
            return self.app(environ, start_response)
        length = req.content_length
        if length is not None and length > self.max_size:
            return refuse(start_response, 413, "Request body is %d bytes; the limit is %d."
                           % (length, self.max_size))
        data = req.body_file.read(self.max_size + 1)
        if len(data) > self.max_size:
            return refuse(start_response, 413, "Request body exceeds the limit of %d bytes."
                           % self.max_size)
        req.body = data
        if not data.strip():
            return self.app(environ, start_response)
        if req.content_type not in ("application/json", ""):
            return refuse(start_response, 415, "Content-Type %s is not supported; send "
                           "application/json." % req.content_type)
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            return refuse(start_response, 400, "Request body is not valid JSON: %s" % err)
        except RecursionError:  # deeper than the interpreter's limit
            return self._too_deep(start_response)
        if _depth_exceeds(doc, MAX_JSON_DEPTH):
            return self._too_deep(start_response)
        shape, name = self.SHAPES[req.method]
        if not isinstance(doc, shape):
            return refuse(start_response, 400, "Request body must be %s." % name)
        req.content_type = "application/json"
        return self.app(environ, start_response)

    @staticmethod
    def _too_deep(start_response):
        return refuse(start_response, 400, "Request body is nested too deeply (more than "
                                               "%d levels)." % MAX_JSON_DEPTH)


def refuse(start_response, code, message, headers=()):
    """An error response in the API's JSON error format, straight from middleware."""
    data = error_body(code, message)
    start_response("%d %s" % (code, webob.exc.status_map[code].title),
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
                   + list(headers))
    return [data]
