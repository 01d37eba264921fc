"""PUT /v1/ihosts/<host>/provision: the playbook's per-host result, in-process (WebTest)."""

import pytest

from tests.unit.api_helpers import MAC2, edgeworker, fault, post

URL = "/v1/ihosts/%s/provision"


def put(api, ident, body, status=200, **kw):
    return api.put_json(URL % ident, body, status=status, **kw)


def test_report_lifecycle(api):
    host = post(api, edgeworker()).json
    got = put(api, "edge-01", {"provision_state": "provisioning",
                               "provision_step": "edgeworker_preflight"}).json
    assert got["provision_state"] == "provisioning"
    assert got["provision_step"] == "edgeworker_preflight"
    assert got["provision_updated_at"] and got["invprovision"] == "unprovisioned"
    got = put(api, host["uuid"], {"provision_state": "failed", "provision_step": "join",
                                  "provision_error": "kubeadm join: token expired"}).json
    assert (got["provision_state"], got["provision_error"]) == ("failed", "kubeadm join: token "
                                                                          "expired")
    got = put(api, host["id"], {"provision_state": "provisioned", "provision_step": "report",
                                "kubelet_version": "v1.29.2"}).json
    assert got["provision_state"] == "provisioned" and got["invprovision"] == "provisioned"
    assert got["kubelet_version"] == "v1.29.2"
    assert got["provision_error"] is None  # a success clears the previous failure
    shown = api.get("/v1/ihosts/edge-01").json
    assert {k: shown[k] for k in ("provision_state", "kubelet_version", "provision_step")} == {
        "provision_state": "provisioned", "kubelet_version": "v1.29.2",
        "provision_step": "report"}


def test_long_error_is_kept_truncated(api):
    post(api, edgeworker())
    got = put(api, "edge-01", {"provision_state": "failed", "provision_error": "x" * 10000}).json
    assert len(got["provision_error"]) <= 4096
    assert got["provision_error"].endswith("(truncated)")


@pytest.mark.parametrize("body,message", [
    ({}, "provision_state is required; expected one of: provisioning, provisioned, failed."),
    ({"provision_state": "done"},
     "provision_state 'done' is invalid; expected one of: provisioning, provisioned, failed."),
    ({"provision_state": "unprovisioned"}, "provision_state 'unprovisioned' is invalid"),
    ({"provision_state": "failed"},
     "provision_error is required when provision_state is failed."),
    ({"provision_state": "provisioned"},
     "kubelet_version is required when provision_state is provisioned."),
    ({"provision_state": "provisioned", "kubelet_version": "1.29"},
     "kubelet_version '1.29' is invalid; expected a Kubernetes version like v1.29.2."),
    ({"provision_state": "provisioning", "provision_step": "s" * 256},
     "provision_step is 256 characters long; the maximum is 255."),
    ({"provision_state": "provisioning", "hostname": "x"},
     "Unknown attribute for argument report: hostname"),
    ({"provision_state": 5}, "provision_state"),
])
def test_refusals_name_the_field_and_change_nothing(api, body, message):
    post(api, edgeworker())
    before = api.get("/v1/ihosts/edge-01").json
    r = put(api, "edge-01", body, status=400)
    assert message in fault(r)
    assert api.get("/v1/ihosts/edge-01").json == before


def test_non_json_body(api):
    post(api, edgeworker())
    r = api.put(URL % "edge-01", "not json", content_type="application/json", status=400)
    assert fault(r)


def test_unknown_host_404(api):
    r = put(api, "nope", {"provision_state": "provisioning"}, status=404)
    assert fault(r) == "Host nope could not be found."


def test_only_edgeworkers_409(api):
    post(api, {"mgmt_mac": MAC2})  # a bare MAC: no personality yet
    bare = api.get("/v1/ihosts").json["ihosts"][0]
    r = put(api, bare["uuid"], {"provision_state": "provisioning"}, status=409)
    assert fault(r) == ("Provisioning reports are accepted only for edgeworker hosts; %s is "
                        "not provisioned (no personality)." % MAC2)


def test_report_also_visible_in_list(api):
    post(api, edgeworker())
    post(api, edgeworker("edge-02", MAC2))
    put(api, "edge-02", {"provision_state": "provisioned", "kubelet_version": "v1.30.0-rc.1"})
    rows = {h["hostname"]: h for h in api.get("/v1/ihosts").json["ihosts"]}
    assert rows["edge-02"]["kubelet_version"] == "v1.30.0-rc.1"
    assert rows["edge-01"]["provision_state"] == "unprovisioned"
    assert rows["edge-01"]["kube_node_ready"] is None and rows["edge-01"]["kube_last_seen"] is None
