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
