"""Hostile and malformed requests: always a clean 4xx with a faultstring, nothing stored."""

import json

import pytest

from tests.unit.api_helpers import edgeworker, fault, hostsfile, post

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _hosts(api):
    return api.get("/v1/ihosts").json["ihosts"]


def _raw(api, method, url, body, content_type="application/json", status=400):
    return api.request(url, method=method, body=body, headers={"Content-Type": content_type},
                       status=status, expect_errors=True)


@pytest.mark.parametrize("method,url", [("POST", "/v1/ihosts"), ("PATCH", "/v1/ihosts/edge-01"),
                                        ("PUT", "/v1/ihosts/edge-01/provision")])
@pytest.mark.parametrize("body,status,message", [
    (b"{" * 5000, 400, "Request body is not valid JSON"),
    (b"[" * 30000 + b"]" * 30000, 400, "Request body is nested too deeply"),
    (b'{"a":' * 10000 + b"1" + b"}" * 10000, 400, "Request body is nested too deeply"),
    (b"\xff\xfe\x00garbage", 400, "Request body is not valid JSON"),
    (b"null", 400, "Request body must be"),
    (b"42", 400, "Request body must be"),
    (b'"text"', 400, "Request body must be"),
    (b"x" * (64 * 1024 + 1), 413, "Request body is 65537 bytes; the limit is 65536."),
])
def test_malformed_bodies(api, method, url, body, status, message):
    post(api, edgeworker())
    before = _hosts(api)
    r = _raw(api, method, url, body, status=status)
    assert message in fault(r)
    assert _hosts(api) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_wrong_content_type_415(api, content_type):
    r = _raw(api, "POST", "/v1/ihosts", json.dumps(edgeworker()).encode(), content_type,
             status=415)
    assert fault(r).startswith("Content-Type %s is not supported" % content_type.split(";")[0])
    assert _hosts(api) == []


def test_declared_length_over_limit_413_without_reading(api):
    r = api.request("/v1/ihosts", method="POST", body=b"{}",
                    headers={"Content-Type": "application/json", "Content-Length": "10000000"},
                    status=413, expect_errors=True)
    assert fault(r) == "Request body is 10000000 bytes; the limit is 65536."


@pytest.mark.parametrize("field,value", [
    ("hostname", "a" * 60000), ("mgmt_mac", "a" * 60000), ("personality", "a" * 60000),
    ("mgmt_ip", "a" * 60000), ("location", "a" * 60000), ("location", {"a" * 60000: "x"}),
    ("location", {str(i): "x" for i in range(17)}), ("capabilities", {"k": "a" * 60000}),
    ("capabilities", "a" * 60000), ("color" * 10000, 1),
])
def test_huge_values_rejected_naming_the_field(api, field, value):
    body = edgeworker(**{field: value})
    r = post(api, body, status=400)
    assert field[:40] in fault(r)
    assert len(r.body) < 3000  # the error does not echo 60 kB back
    assert _hosts(api) == []


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, 1.5, True, None])
def test_wrong_types_rejected_naming_the_field(api, value):
    for field in ("hostname", "mgmt_mac", "personality"):
        r = post(api, edgeworker(**{field: value}), status=400)
        assert field in fault(r), (field, value, fault(r))
    assert _hosts(api) == []


def test_unknown_fields_named(api):
    r = post(api, edgeworker(color="blue"), status=400)
    assert fault(r) == "Unknown attribute for argument host: color"
    r = api.put_json("/v1/ihosts/edge-01/provision", {"provision_state": "provisioning",
                                                      "color": 1}, status=400)
    assert "color" in fault(r)


@pytest.mark.parametrize("query,field", [
    ("limit=abc", "limit"), ("limit=0", "limit"), ("limit=-5", "limit"),
("sort_key=password", "sort_key"),
    ("sort_dir=sideways", "sort_dir"), ("personality=gpu", "personality"),
    ("marker=does-not-exist", "marker"),
])
def test_bad_query_parameters(api, query, field):
    post(api, edgeworker())
    r = api.get("/v1/ihosts?" + query, status=400)
    assert field in fault(r)


def test_huge_limit_is_capped_not_an_error(api):
    post(api, edgeworker())
    r = api.get("/v1/ihosts?limit=99999999999999999999999")
    assert len(r.json["ihosts"]) == 1 and "next" not in r.json or r.json["next"] is None


@pytest.mark.parametrize("ident", ["99999999999999999999", "9223372036854775808", "2147483648",
                                   "%C2%B2", "%D9%A1%D9%A2", "%80", "%00"])  # ², ١٢
def test_odd_host_identifiers_are_clean_4xx(api, ident):
    post(api, edgeworker())
    for method in ("GET", "DELETE"):
        r = api.request("/v1/ihosts/" + ident, method=method, status="*", expect_errors=True)
        assert r.status_int in (400, 404), (method, ident, r.status)
        assert fault(r)
    assert len(_hosts(api)) == 1


def test_pool_exhaustion_409_then_recovers_over_http(conf, db):
    """A /29 mgmt network (.2-.4 are the controllers'): two edgeworkers fit, the third gets
    409 with nothing stored;
    deleting one makes room again (its address and DHCP reservation are reused)."""
    import webtest

    from sysinv_edgeworker.api import app
    from sysinv_edgeworker.conductor import local
    from sysinv_edgeworker.conductor import manager as manager_mod
    conf.set_override("subnet", "10.10.0.0/29", group="mgmt_network")
    mgr = manager_mod.ConductorManager(conf)
    mgr.start()
    local.set_manager(mgr)
    try:
        api = webtest.TestApp(app.setup_app())
        macs = ["52:54:00:aa:bb:%02x" % i for i in range(1, 6)]
        ips = [post(api, edgeworker("edge-%d" % i, macs[i])).json["mgmt_ip"] for i in range(2)]
        assert ips == ["10.10.0.5", "10.10.0.6"]
        r = post(api, edgeworker("edge-2", macs[2]), status=409)
        assert fault(r) == "No free address left in address pool management for mgmt_ip."
        assert [h["hostname"] for h in _hosts(api)] == ["edge-0", "edge-1"]
        api.delete("/v1/ihosts/edge-0", status=204)
        again = post(api, edgeworker("edge-2", macs[2])).json
        assert again["mgmt_ip"] == "10.10.0.5"
        assert hostsfile(conf) == ["%s,10.10.0.5,edge-2" % macs[2],
                                   "%s,10.10.0.6,edge-1" % macs[1]]
    finally:
        local.set_manager(None)


@pytest.mark.parametrize("body,message", [
    (edgeworker(hostname=5), "Invalid input for field/attribute hostname. Expected a string, "
                             "got an integer."),
    (edgeworker(mgmt_mac=[1]), "Invalid input for field/attribute mgmt_mac. Expected a string, "
                               "got an array."),
    (edgeworker(links=5), "'links' cannot be set."),
    (edgeworker(kube_node_ready="x"), "'kube_node_ready' cannot be set."),
    (edgeworker(id=[]), "'id' cannot be set."),
])
def test_wrong_types_said_in_json_terms(api, body, message):
    assert fault(post(api, body, status=400)) == message
    assert _hosts(api) == []
