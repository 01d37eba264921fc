"""404 or 405 for a request no controller method can take, decided from the routes themselves.

pecan's RestController answers these per *controller*, not per path: ``DELETE /v1/ihosts``
reaches ``delete(host_ident)`` without its argument (a 400), ``PUT /v1/ihosts`` lists the
item methods in ``Allow``. Here a request that ended in 400/404/405 is routed again, without
running anything, for its own method and for each other one: when its own method reaches no
handler whose path arguments fit, the answer is 405 with ``Allow`` listing the methods that
do, or 404 when none does. Nothing is listed by hand, so a route added later (any
RestController below the root) is covered as it is.
"""

import json

import pecan.util
import webob
import webob.exc
from pecan import routing

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _path_arity(controller, routing_args):
    """(required, maximum) positional path arguments of an exposed controller method;
    maximum None when it takes any number."""
    cfg = pecan.util._cfg(controller)
    spec = cfg.get("argspec") or pecan.util.getargspec(controller)
    args = list(spec.args[1:])  # without self
    defaults = len(spec.defaults or ())
    funcdef = getattr(controller, "_wsme_definition", None)
    if funcdef is not None and funcdef.body_type is not None and args:
        args.pop()  # wsme: the last argument is the request body
        defaults = max(0, defaults - 1)
    args = args[len(routing_args):]
    required = max(0, len(args) - defaults)
    return required, (None if spec.varargs else len(args))


def handles(root, method, raw_path):
    """True when ``method raw_path`` (a WSGI PATH_INFO) reaches an exposed controller
    method whose path arguments fit what is left of the path. Routing only: no controller
    code runs (``_lookup`` methods excepted, which only build sub-controllers)."""
    req = webob.Request.blank("/", method=method)
    req.environ["PATH_INFO"] = raw_path
    try:
        path = req.path_info
    except UnicodeDecodeError:
        return False
    req.pecan = {"routing_args": [], "content_type": None, "extension": None,
                 "routing_path": path}
    try:
        controller, remainder = routing.lookup_controller(root, path.split("/")[1:], req)
    except routing.NonCanonicalPath as err:
        controller, remainder = err.controller, err.remainder
    except (webob.exc.HTTPException, TypeError, ValueError):
        return False
    cfg = pecan.util._cfg(controller)
    if not pecan.util.iscontroller(controller) or cfg.get("generic_handler"):
        return False
    remainder = [part for part in remainder if part]
    required, maximum = _path_arity(controller, req.pecan.get("routing_args") or [])
    return len(remainder) >= required and (maximum is None or len(remainder) <= maximum)


def allowed(root, raw_path):
    return [m for m in METHODS if handles(root, m, raw_path)]


def correct(root, request, response):
    """Turns ``response`` (an error of ``request``) into 405 + Allow or 404 when the
    request's method has no handler at its path; leaves it alone otherwise."""
    if response.status_int not in (400, 404, 405) or request.method not in METHODS:
        return
    raw = request.environ.get("PATH_INFO", "")
    try:
        shown = request.path_info
    except (UnicodeDecodeError, webob.exc.HTTPException):
        return  # a path that is not UTF-8 (pecan's request says 400): the 400 stands
    if handles(root, request.method, raw):
        return
    methods = allowed(root, raw)
    if methods:
        response.status = 405
        response.allow = methods
        message = "%s is not allowed on %s; allowed: %s." % (
            request.method, shown, ", ".join(methods))
    else:
        response.status = 404
        response.allow = None
        message = "No resource at %s." % shown
    response.content_type = "application/json"
    response.text = json.dumps({"faultcode": "Client", "faultstring": message,
                                "debuginfo": None})
