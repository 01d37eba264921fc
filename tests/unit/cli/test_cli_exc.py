"""Turning error responses into the message the shell prints."""

import json

from cgtsclient_ext import exc


def _sysinv_body(faultstring, faultcode="Client"):
    inner = {"faultcode": faultcode, "faultstring": faultstring, "debuginfo": None}
    return json.dumps(dict(inner, error_message=json.dumps(inner))).encode()


def test_top_level_faultstring():
    err = exc.from_response(409, "Conflict", _sysinv_body("Host edge-01 already exists"))
    assert isinstance(err, exc.HTTPConflict)
    assert str(err) == "Host edge-01 already exists"
    assert err.code == 409 and err.faultcode == "Client"


def test_faultstring_only_inside_error_message():
    inner = {"faultcode": "Server", "faultstring": "conductor unavailable", "debuginfo": None}
    body = json.dumps({"error_message": json.dumps(inner)})
    err = exc.from_response(503, "Service Unavailable", body)
    assert str(err) == "conductor unavailable"
    assert type(err) is exc.HTTPError


def test_not_found_class():
    assert isinstance(exc.from_response(404, "Not Found", _sysinv_body("x")), exc.HTTPNotFound)


def test_non_json_body_gives_status_line():
    err = exc.from_response(502, "Bad Gateway", b"<html>proxy</html>")
    assert str(err) == "HTTP 502 Bad Gateway"


def test_empty_body():
    assert str(exc.from_response(500, "Internal Server Error", b"")) == \
        "HTTP 500 Internal Server Error"


def test_communication_error_names_url():
    err = exc.CommunicationError("http://127.0.0.1:9/v1/ihosts", "[Errno 111] Connection refused")
    assert str(err) == ("Unable to establish connection to http://127.0.0.1:9/v1/ihosts: "
                        "[Errno 111] Connection refused")
