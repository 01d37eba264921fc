"""Start-up checks of the API's authentication: noauth only on loopback unless forced."""

import logging

import bcrypt
import pytest

from sysinv_edgeworker.cmd import service
from sysinv_edgeworker.common import exception


@pytest.mark.parametrize("host,expected", [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.204.2", False), ("10.0.0.1", False),
    ("fd00::2", False), ("no-such-host.invalid", False),
])
def test_is_loopback(host, expected):
    assert service.is_loopback(host) is expected


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_noauth_on_loopback_is_fine(conf, host):
    conf.set_override("host_ip", host, group="api")
    service.check_api_auth()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.204.2"])
def test_noauth_on_network_address_is_refused(conf, host):
    conf.set_override("host_ip", host, group="api")
    with pytest.raises(exception.ConfigurationError) as err:
        service.check_api_auth()
    assert str(err.value) == (
        "Configuration error: auth_strategy = noauth refuses to listen on %s, which is not "
        "a loopback address: set auth_strategy = http_basic or keystone, or [api] "
        "allow_insecure_noauth = true to let anyone who reaches the port change the "
        "inventory." % host)


def test_noauth_forced_on_network_address_warns(conf, caplog):
    conf.set_override("host_ip", "0.0.0.0", group="api")
    conf.set_override("allow_insecure_noauth", True, group="api")
    with caplog.at_level(logging.WARNING):
        service.check_api_auth()
    assert "anyone who reaches the port can change the inventory" in caplog.text


def test_http_basic_on_network_address_is_fine(conf, tmp_path):
    users = tmp_path / "htpasswd"
    users.write_text("admin:%s\n" % bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode())
    conf.set_override("host_ip", "0.0.0.0", group="api")
    conf.set_override("auth_strategy", "http_basic")
    conf.set_override("http_basic_auth_user_file", str(users))
    service.check_api_auth()


def test_http_basic_checks_the_user_file(conf, tmp_path):
    conf.set_override("auth_strategy", "http_basic")
    conf.set_override("http_basic_auth_user_file", str(tmp_path / "absent"))
    with pytest.raises(exception.ConfigurationError,
                       match="http_basic_auth_user_file .*absent: No such file or directory"):
        service.check_api_auth()
