"""Every error path of ``system``: exit status and exactly what lands on stderr.

Service-side errors must print the service's own faultstring (fetched here
with a direct request that fails the same way) and exit 1; usage errors exit 2
and send nothing; an unreachable service gives one line naming the URL.
"""

import pytest

from tests.servers._proc import free_port

pytestmark = pytest.mark.functional

EDGE = {"hostname": "edge-10", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:cc:10"}


@pytest.fixture(scope="module", autouse=True)
def existing_host(system):
    res = system("host-add", "-n", EDGE["hostname"], "-p", "edgeworker", "-m", EDGE["mgmt_mac"])
    assert res.returncode == 0, res.stderr
    return EDGE


def assert_service_error(res, service, method, path, body, status, message=None):
    """The CLI failed with exit 1 and printed exactly the service's faultstring (which is
    ``message`` when given: the service's text is checked too, not only echoed)."""
    got_status, doc = service.raw(method, path, body)
    assert got_status == status, doc
    if message is not None:
        assert doc.get("faultstring") == message, doc
    assert isinstance(doc, dict) and doc.get("faultstring"), doc
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert res.stdout == ""
    assert res.stderr == doc["faultstring"] + "\n"
    assert "Traceback" not in res.stderr


def test_show_unknown_host(system, service):
    res = system("host-show", "no-such-host")
    assert_service_error(res, service, "GET", "/v1/ihosts/no-such-host", None, 404)


def test_duplicate_hostname(system, service):
    res = system("host-add", "-n", "edge-10", "-p", "edgeworker", "-m", "52:54:00:aa:cc:11")
    assert_service_error(res, service, "POST", "/v1/ihosts",
                         {"hostname": "edge-10", "personality": "edgeworker",
                          "mgmt_mac": "52:54:00:aa:cc:11"}, 409)


def test_duplicate_mac(system, service):
    res = system("host-add", "-n", "edge-11", "-p", "edgeworker", "-m", "52:54:00:AA:CC:10")
    assert_service_error(res, service, "POST", "/v1/ihosts",
                         {"hostname": "edge-11", "personality": "edgeworker",
                          "mgmt_mac": "52:54:00:AA:CC:10"}, 409)


# The service's exact message for each refusal: it names the field (a CLI that echoes the
# service is not enough when the service's message itself is wrong).
ADD_REFUSALS = {
    "bad-hostname": "hostname 'Edge_12' is not a valid Kubernetes node name: use lower-case "
                    "letters, digits and '-', starting and ending with a letter or digit "
                    "(RFC 1123 label).",
    "reserved-hostname": "hostname 'controller-0' is reserved for the controllers.",
    "no-hostname": "hostname is required for edgeworker hosts.",
    "bad-mac": "mgmt_mac 'not-a-mac' is not a valid MAC address (expected e.g. "
               "52:54:00:aa:bb:01).",
    "no-mac": "mgmt_mac must be a MAC address.",
    "ip-on-dynamic-network": "mgmt_ip cannot be specified: the mgmt network is dynamic and "
                             "the address is allocated by the system.",
}
UPDATE_REFUSALS = {
    "restricted-field": "'uuid' cannot be modified.",
    "personality-set-once": "personality cannot be changed once set (edgeworker); delete the "
                            "host and add it again.",
    "hostname-set-once": "hostname cannot be changed once set (edge-10) for edgeworker hosts.",
    "timestamp": "'created_at' cannot be modified.",
    "mgmt-ip-on-dynamic": "mgmt_ip cannot be changed once assigned (192.168.204.5).",
    "bmc": "Board management (bm_type) is not supported for edgeworker hosts.",
    "lock-action": "Host action 'lock' is not supported for edgeworker hosts.",
}


@pytest.mark.parametrize("fields", [
    {"hostname": "Edge_12", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:cc:12"},
    {"hostname": "controller-0", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:cc:13"},
    {"personality": "edgeworker", "mgmt_mac": "52:54:00:aa:cc:14"},
    {"hostname": "edge-15", "personality": "edgeworker", "mgmt_mac": "not-a-mac"},
    {"hostname": "edge-16", "personality": "edgeworker"},
    {"hostname": "edge-17", "personality": "edgeworker", "mgmt_mac": "52:54:00:aa:cc:17",
     "mgmt_ip": "192.168.204.77"},
], ids=["bad-hostname", "reserved-hostname", "no-hostname", "bad-mac", "no-mac",
        "ip-on-dynamic-network"])
def test_host_add_refused(system, service, fields, request):
    message = ADD_REFUSALS[request.node.callspec.id]
    flags = {"hostname": "-n", "personality": "-p", "mgmt_mac": "-m", "mgmt_ip": "-i"}
    argv = ["host-add"]
    for key, value in fields.items():
        argv += [flags[key], value]
    res = system(*argv)
    assert_service_error(res, service, "POST", "/v1/ihosts", fields, 400, message)


@pytest.mark.parametrize("attrs", [
    ["uuid=0b9bc4b2-9c2c-4d52-9a8b-6a0bde4e0c2a"],
    ["personality=worker"],
    ["hostname=edge-99"],
    ["created_at=2026-01-01T00:00:00"],
    ["mgmt_ip=192.168.204.9"],
    ["bm_type=ipmi"],
    ["action=lock"],
], ids=["restricted-field", "personality-set-once", "hostname-set-once", "timestamp",
        "mgmt-ip-on-dynamic", "bmc", "lock-action"])
def test_host_update_refused(system, service, attrs, request):
    message = UPDATE_REFUSALS[request.node.callspec.id]
    before = service.raw("GET", "/v1/ihosts/edge-10")
    res = system("host-update", "edge-10", *attrs)
    assert_service_error(res, service, "PATCH", "/v1/ihosts/edge-10", _patch(attrs), 400,
                         message)
    assert service.raw("GET", "/v1/ihosts/edge-10") == before


def _patch(attrs):
    patch = []
    for pair in attrs:
        key, value = pair.split("=", 1)
        patch.append({"op": "replace", "path": "/" + key, "value": value})
    return patch


def test_host_update_location_as_text(system, service):
    """cgtsclient sends location=<text> as a string; the service stores {"locn": text}."""
    assert system("host-add", "-n", "edge-19", "-p", "edgeworker",
                  "-m", "52:54:00:aa:cc:19").returncode == 0
    try:
        res = system("host-update", "edge-19", "location=rack 9")
        assert res.returncode == 0, res.stderr
        status, doc = service.raw("GET", "/v1/ihosts/edge-19")
        assert status == 200 and doc["location"] == {"locn": "rack 9"}
        assert service.raw("GET", "/v1/ihosts")[0] == 200
    finally:
        service.raw("DELETE", "/v1/ihosts/edge-19")


def test_host_update_unknown_host(system, service):
    res = system("host-update", "no-such-host", "location=x")
    assert_service_error(res, service, "PATCH", "/v1/ihosts/no-such-host",
                         [{"op": "replace", "path": "/location", "value": "x"}], 404)


def test_host_delete_unknown_among_others(system, service):
    assert system("host-add", "-n", "edge-18", "-p", "edgeworker",
                  "-m", "52:54:00:aa:cc:18").returncode == 0
    res = system("host-delete", "no-such-host", "edge-18")
    status, doc = service.raw("DELETE", "/v1/ihosts/no-such-host")
    assert status == 404
    assert res.returncode == 1
    assert res.stdout == "Deleted host edge-18\n"
    assert res.stderr == doc["faultstring"] + "\n"


def test_malformed_pair_is_usage_error_and_sends_nothing(system, service):
    before = service.raw("GET", "/v1/ihosts/edge-10")[1]
    res = system("host-update", "edge-10", "location=lab", "personality")
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.splitlines()[-1] == (
        "system host-update: error: argument <attribute=value>: malformed attribute "
        "'personality': expected <attribute>=<value>, e.g. hostname=edge-01")
    assert service.raw("GET", "/v1/ihosts/edge-10")[1] == before


@pytest.mark.parametrize("argv,message", [
    (["host-add", "-p", "router"], "argument -p/--personality: invalid choice: 'router'"),
    (["host-list", "--format", "json"], "argument --format: invalid choice: 'json'"),
    (["host-show"], "the following arguments are required: <hostname or id>"),
    (["host-update", "edge-10"], "the following arguments are required: <attribute=value>"),
    (["host-delete"], "the following arguments are required: <hostname or id>"),
    (["host-frobnicate"], "argument <subcommand>: invalid choice: 'host-frobnicate'"),
])
def test_usage_errors_exit_2(system, argv, message):
    res = system(*argv)
    assert res.returncode == 2
    assert res.stdout == ""
    assert message in res.stderr
    assert res.stderr.startswith("usage: system")


def test_unknown_column(system):
    res = system("host-show", "edge-10", "--column", "bogus")
    assert res.returncode == 1
    assert res.stderr.startswith("Unknown column(s): bogus. Valid columns: ")
    assert "hostname" in res.stderr and "links" not in res.stderr
    res = system("host-list", "-c", "bogus")
    assert res.returncode == 1 and res.stderr.startswith("Unknown column(s): bogus.")


def test_unreachable_service(system):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    for argv in (["host-list"], ["host-show", "edge-10"], ["edgeworker-inventory"]):
        res = system(*argv, url=url)
        assert res.returncode == 1
        assert res.stdout == ""
        assert res.stderr.startswith(f"Unable to establish connection to {url}/v1/")
        assert res.stderr.count("\n") == 1
        assert "Traceback" not in res.stderr


def test_credentials_never_printed(system):
    secret = {"OS_PASSWORD": "pw-s3cret", "OS_AUTH_TOKEN": "tok-s3cret", "OS_USERNAME": "admin"}
    for argv in (["host-show", "no-such-host"], ["--debug", "host-list"]):
        res = system(*argv, env=secret)
        assert "s3cret" not in res.stdout + res.stderr
    res = system("--debug", "host-list", env=secret,
                 url=f"http://admin:pw-s3cret@127.0.0.1:{free_port()}")
    assert res.returncode == 1 and "s3cret" not in res.stdout + res.stderr
