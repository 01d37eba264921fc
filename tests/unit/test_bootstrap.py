"""Bootstrap from [mgmt_network]/[system]: the plan, its errors, idempotence."""

import pytest

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import bootstrap


def test_default_plan(conf):
    pool, ranges, reserved = bootstrap.pool_plan(conf.mgmt_network)
    assert (pool["network"], pool["prefix"], pool["family"]) == ("192.168.204.0", 24, 4)
    assert ranges[0]["start"] == "192.168.204.2" and ranges[0]["end"] == "192.168.204.254"
    assert reserved == {"controller-mgmt": "192.168.204.2", "controller-0-mgmt": "192.168.204.3",
                        "controller-1-mgmt": "192.168.204.4"}


@pytest.mark.parametrize("option,value,message", [
    ("subnet", "192.168.204.0/33", "[mgmt_network] subnet = 192.168.204.0/33 is not a CIDR."),
    ("subnet", "banana", "is not a CIDR"),
    ("subnet", "10.0.0.0/30", "is too small"),
    ("range_start", "10.9.9.9", "[mgmt_network] range_start = 10.9.9.9 is outside subnet"),
    ("range_end", "nope", "[mgmt_network] range_end = nope is not an IP address."),
    ("gateway_address", "192.168.204.3", "gateway and controller addresses must differ"),
])
def test_plan_errors_name_the_option(conf, option, value, message):
    conf.set_override(option, value, group="mgmt_network")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.pool_plan(conf.mgmt_network)
    assert message in err.value.message


def test_range_order_checked(conf):
    conf.set_override("range_start", "192.168.204.200", group="mgmt_network")
    conf.set_override("range_end", "192.168.204.100", group="mgmt_network")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.pool_plan(conf.mgmt_network)
    assert "range_start 192.168.204.200 is after range_end 192.168.204.100" in err.value.message


def test_bootstrap_idempotent_and_follows_flags(db, conf):
    bootstrap.bootstrap(db, conf)
    bootstrap.bootstrap(db, conf)
    assert len(db.system_list()) == 1 and len(db.network_list()) == 1
    pool = db.pool_list()[0]
    assert sorted(a.address for a in db.address_list(pool.id)) == [
        "192.168.204.2", "192.168.204.3", "192.168.204.4"]
    conf.set_override("dynamic", False, group="mgmt_network")
    conf.set_override("allocation_order", "random", group="mgmt_network")
    bootstrap.bootstrap(db, conf)
    assert db.network_list()[0].dynamic is False
    assert db.pool_list()[0].allocation_order == "random"


def test_subnet_change_refused(db, conf):
    bootstrap.bootstrap(db, conf)
    conf.set_override("subnet", "10.0.0.0/24", group="mgmt_network")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.bootstrap(db, conf)
    assert "the mgmt subnet cannot change under existing hosts" in err.value.message


def test_tunnel_plan(conf):
    assert bootstrap.tunnel_plan(conf.tunnel) is None  # not configured
    conf.set_override("subnet", "10.66.0.0/16", group="tunnel")
    pool, ranges, reserved = bootstrap.tunnel_plan(conf.tunnel)
    assert (pool["name"], pool["network"], pool["prefix"]) == ("edge-tunnel", "10.66.0.0", 16)
    assert reserved == {"controller-tunnel": "10.66.0.1"}
    assert (ranges[0]["start"], ranges[0]["end"]) == ("10.66.0.2", "10.66.255.254")


@pytest.mark.parametrize("option,value,message", [
    ("subnet", "10.66.0.0/33", "[tunnel] subnet = 10.66.0.0/33 is not a CIDR."),
    ("subnet", "10.66.0.0/30", "[tunnel] subnet 10.66.0.0/30 is too small."),
    ("controller_address", "10.67.0.1",
     "[tunnel] controller_address = 10.67.0.1 is outside subnet 10.66.0.0/24."),
    ("range_start", "x", "[tunnel] range_start = x is not an IP address."),
])
def test_tunnel_plan_errors_name_the_option(conf, option, value, message):
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    conf.set_override(option, value, group="tunnel")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.tunnel_plan(conf.tunnel)
    assert err.value.message == "Configuration error: " + message


def test_tunnel_subnet_cannot_change_under_hosts(db, conf):
    conf.set_override("subnet", "10.66.0.0/24", group="tunnel")
    bootstrap.bootstrap(db, conf)
    bootstrap.bootstrap(db, conf)  # idempotent
    conf.set_override("subnet", "10.77.0.0/24", group="tunnel")
    with pytest.raises(exception.ConfigurationError) as err:
        bootstrap.bootstrap(db, conf)
    assert ("[tunnel] subnet = 10.77.0.0/24 but the database holds 10.66.0.0/24; the "
            "edge-tunnel subnet cannot change under existing hosts.") in err.value.message
