"""API → oslo.messaging (fake:// driver) → conductor RPC server → DB, in one process.

The same client and server code as production; only the driver differs (RabbitMQ is
exercised by the production-mode tests).
"""

import oslo_messaging as messaging
import pytest
import webtest

from sysinv_edgeworker.common import rpc
from sysinv_edgeworker.conf import register_messaging_opts
from sysinv_edgeworker.conductor import manager as manager_mod
from sysinv_edgeworker.conductor.rpcapi import RPC_API_VERSION, ConductorAPI
from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, hostsfile, patch, post


@pytest.fixture
def oslo_conf(conf, db):
    register_messaging_opts()
    conf.set_override("rpc_transport", "oslo")
    conf.set_override("transport_url", "fake:/")
    conf.set_override("rpc_timeout", 2, group="conductor")
    yield conf
    rpc.cleanup()


@pytest.fixture
def rpc_server(oslo_conf):
    mgr = manager_mod.ConductorManager(oslo_conf)
    mgr.start()
    target = messaging.Target(topic=oslo_conf.conductor.topic, server="c1",
                              version=RPC_API_VERSION)
    server = rpc.get_server(target, [mgr])
    server.start()
    yield server
    server.stop()
    server.wait()


@pytest.fixture
def oslo_api(oslo_conf):
    from sysinv_edgeworker.api import app
    return webtest.TestApp(app.setup_app(rpcapi=ConductorAPI()))


def test_full_path_over_oslo_messaging(rpc_server, oslo_api, oslo_conf):
    assert ConductorAPI().client.__class__.__name__ != "LocalClient"
    host = post(oslo_api, edgeworker()).json
    assert host["mgmt_ip"] == "192.168.204.5"
    bare = post(oslo_api, {"mgmt_mac": MAC2}).json
    assert patch(oslo_api, bare["uuid"], hostname="edge-02",
                 personality="edgeworker").json["mgmt_ip"] == "192.168.204.6"
    assert hostsfile(oslo_conf) == ["52:54:00:aa:bb:01,192.168.204.5,edge-01",
                                    "52:54:00:aa:bb:02,192.168.204.6,edge-02"]
    oslo_api.delete("/v1/ihosts/edge-01", status=204)
    assert hostsfile(oslo_conf) == ["52:54:00:aa:bb:02,192.168.204.6,edge-02"]


def test_domain_errors_cross_rpc_cleanly(rpc_server, oslo_api):
    post(oslo_api, edgeworker())
    r = post(oslo_api, edgeworker("edge-02", MAC1), status=409)
    assert fault(r) == "Host with mgmt_mac 52:54:00:aa:bb:01 already exists."
    assert "Traceback" not in r.text and "_Remote" not in r.text


def test_never_bootstrapped_is_503(oslo_api):
    r = post(oslo_api, edgeworker(), status=503)
    assert fault(r).startswith("The system has not been bootstrapped yet: start the conductor")


def test_no_conductor_is_503_within_timeout(oslo_api, oslo_conf, db):
    from sysinv_edgeworker.conductor import bootstrap
    bootstrap.bootstrap(db, oslo_conf)  # a conductor ran once, then went away
    r = post(oslo_api, edgeworker(), status=503)
    assert fault(r) == ("The conductor did not answer within 2 seconds; is "
                        "sysinv-edgeworker-conductor running?")
    # reads do not need the conductor
    assert oslo_api.get("/v1/ihosts").json["ihosts"] == []
