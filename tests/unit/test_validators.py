import pytest

from sysinv_edgeworker.common import exception, validators


@pytest.mark.parametrize("name", ["edge-01", "a", "0", "a" * 63, "n1-2-3", "edge0"])
def test_hostname_valid(name):
    assert validators.hostname(name) == name


@pytest.mark.parametrize("name,fragment", [
    ("Edge-01", "not a valid Kubernetes node name"),
    ("edge_01", "not a valid Kubernetes node name"),
    ("-edge", "not a valid Kubernetes node name"),
    ("edge-", "not a valid Kubernetes node name"),
    ("edge.01", "not a valid Kubernetes node name"),
    ("a" * 64, "64 characters long; the maximum is 63"),
    ("a" * 255, "255 characters long"),
    ("", "must be a non-empty string"),
    (None, "must be a non-empty string"),
])
def test_hostname_invalid(name, fragment):
    with pytest.raises(exception.InvalidParameterValue) as err:
        validators.hostname(name)
    assert fragment in err.value.message
    assert err.value.code == 400


@pytest.mark.parametrize("raw,expected", [
    ("52:54:00:AA:BB:01", "52:54:00:aa:bb:01"),
    ("52-54-00-aa-bb-01", "52:54:00:aa:bb:01"),
    ("5254.00aa.bb01", "52:54:00:aa:bb:01"),
    (" 52:54:00:aa:bb:01 ", "52:54:00:aa:bb:01"),
])
def test_mac_normalised(raw, expected):
    assert validators.mac(raw) == expected


@pytest.mark.parametrize("raw,fragment", [
    ("52:54:00:aa:bb", "not a valid MAC address"),
    ("zz:54:00:aa:bb:01", "not a valid MAC address"),
    ("00:00:00:00:00:00", "not a unicast MAC address"),
    ("01:00:5e:00:00:01", "not a unicast MAC address"),
    ("ff:ff:ff:ff:ff:ff", "not a unicast MAC address"),
    ("", "must be a MAC address"),
    (None, "must be a MAC address"),
])
def test_mac_invalid(raw, fragment):
    with pytest.raises(exception.InvalidParameterValue) as err:
        validators.mac(raw)
    assert fragment in err.value.message
    assert "mgmt_mac" in err.value.message


@pytest.mark.parametrize("raw", ["192.168.204.300", "abc", "1.2.3", "", "10.0.0.1/24"])
def test_ip_invalid(raw):
    with pytest.raises(exception.InvalidParameterValue) as err:
        validators.ip_address(raw)
    assert "mgmt_ip" in err.value.message


def test_exception_survives_rpc_style_rebuild():
    err = exception.DuplicateHostname(hostname="edge-01")
    rebuilt = type(err)(err.message, **err.kwargs)
    assert rebuilt.message == "Host with hostname edge-01 already exists."
    assert rebuilt.code == 409 and rebuilt.kwargs == {"hostname": "edge-01"}


# Exact messages and edge cases (mutation testing: benchmarks/mutation.py).

def _message(func, *args, **kwargs):
    with pytest.raises(exception.InvalidParameterValue) as err:
        func(*args, **kwargs)
    assert err.value.code == 400
    return err.value.message


def test_shown_quotes_at_most_the_limit():
    assert validators.shown("a" * 64) == "a" * 64
    assert validators.shown("a" * 65) == "a" * 64 + "…"
    assert validators.shown("abcdef", limit=3) == "abc…"
    assert validators.shown("abc", limit=3) == "abc"
    assert validators.shown(["x"]) == "['x']"
    assert validators.shown(None) == "None"


def test_hostname_messages_name_the_field():
    assert _message(validators.hostname, "", field="name") == "name must be a non-empty string."
    assert _message(validators.hostname, 5) == "hostname must be a non-empty string."
    assert _message(validators.hostname, "a" * 64) == (
        "hostname '%s…' is 64 characters long; the maximum is 63." % ("a" * 63))
    assert _message(validators.hostname, "Edge", field="name") == (
        "name 'Edge' is not a valid Kubernetes node name: use lower-case letters, digits and "
        "'-', starting and ending with a letter or digit (RFC 1123 label).")
    assert _message(validators.hostname, "a-" + "B" * 60).startswith(
        "hostname '%s' is not" % ("a-" + "B" * 60))


def test_mac_messages_name_the_field():
    assert _message(validators.mac, " ", field="mac") == "mac must be a MAC address."
    assert _message(validators.mac, 5) == "mgmt_mac must be a MAC address."
    assert _message(validators.mac, "nope", field="mac") == (
        "mac 'nope' is not a valid MAC address (expected e.g. 52:54:00:aa:bb:01).")
    assert _message(validators.mac, "01:00:5e:00:00:01", field="mac") == (
        "mac '01:00:5e:00:00:01' is not a unicast MAC address.")
    assert _message(validators.mac, "00:00:00:00:00:00") == (
        "mgmt_mac '00:00:00:00:00:00' is not a unicast MAC address.")
    # an EUI-64 is not a MAC address dnsmasq can reserve
    assert _message(validators.mac, "52:54:00:ff:fe:aa:bb:01") == (
        "mgmt_mac '52:54:00:ff:fe:aa:bb:01' is not a valid MAC address "
        "(expected e.g. 52:54:00:aa:bb:01).")
    # the locally administered bit is fine, only the group bit is refused
    assert validators.mac("02:00:00:00:00:01") == "02:00:00:00:00:01"
    assert validators.mac("00:00:00:00:00:01") == "00:00:00:00:00:01"


@pytest.mark.parametrize("raw,expected", [
    ("192.168.204.5", "192.168.204.5"), (" 10.0.0.1 ", "10.0.0.1"), ("fd00::1", "fd00::1")])
def test_ip_valid(raw, expected):
    assert str(validators.ip_address(raw)) == expected


def test_ip_messages_name_the_field():
    assert _message(validators.ip_address, " ", field="ip") == "ip must be an IP address."
    assert _message(validators.ip_address, 5) == "mgmt_ip must be an IP address."
    assert _message(validators.ip_address, "10.1", field="ip") == (
        "ip '10.1' is not a valid IP address.")  # inet_pton: no short forms
    assert _message(validators.ip_address, "abc") == "mgmt_ip 'abc' is not a valid IP address."


@pytest.mark.parametrize("value,expected", [
    ("0b9bc4b2-9c2c-4d52-9a8b-6a0bde4e0c2a", True),
    ("0B9BC4B2-9C2C-4D52-9A8B-6A0BDE4E0C2A", True),
    ("0b9bc4b29c2c4d529a8b6a0bde4e0c2a", False),
    ("{0b9bc4b2-9c2c-4d52-9a8b-6a0bde4e0c2a}", False),
    ("edge-01", False), ("", False), (None, False), (5, False),
])
def test_uuid_like(value, expected):
    assert validators.uuid_like(value) is expected


def test_sort():
    keys = ("id", "hostname")
    assert validators.sort("hostname", "desc", keys) == ("hostname", "desc")
    assert validators.sort("id", "asc", keys) == ("id", "asc")
    assert _message(validators.sort, "mac", "asc", keys) == (
        "sort_key 'mac' is invalid; expected one of: id, hostname.")
    assert _message(validators.sort, "id", "ASC", keys) == (
        "sort_dir 'ASC' is invalid; expected asc or desc.")
    assert _message(validators.sort, "x" * 70, "asc", keys).startswith(
        "sort_key '%s…' is invalid" % ("x" * 64))


@pytest.mark.parametrize("limit,expected", [(None, 1000), (1, 1), (2, 2), (999, 999),
                                            (1000, 1000), (1001, 1000), (10**9, 1000)])
def test_page_limit(limit, expected):
    assert validators.page_limit(limit, 1000) == expected


@pytest.mark.parametrize("limit", [0, -1])
def test_page_limit_refused(limit):
    with pytest.raises(exception.InvalidParameterValue) as err:
        validators.page_limit(limit, 1000)
    assert (err.value.code, err.value.message) == (400, "limit must be a positive integer.")
