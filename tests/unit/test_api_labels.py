"""/v1/labels and /v1/ihosts/<host>/labels in-process (WebTest): API -> conductor (in-process)
-> DB. The shapes and paths are sysinv's (starlingx/config sysinv api/controllers/v1/label.py:
Label.convert_with_links keeps uuid, host_uuid, label_key, label_value; LabelCollection is
{"labels": [...]}; cgtsclient label.py POSTs /v1/labels/<host uuid>?overwrite=True|False and
lists /v1/ihosts/<uuid>/labels). The cluster side is in tests/unit/kube/test_kube_labels.py."""

import pytest

from tests.unit.api_helpers import MAC1, MAC2, edgeworker, fault, post

SYSINV_LABEL_KEYS = {"uuid", "host_uuid", "label_key", "label_value"}


@pytest.fixture
def nokube(conf):
    conf.set_override("enabled", False, group="kubernetes")


def assign(api, host, labels, overwrite=None, status=200):
    url = "/v1/labels/%s" % host
    if overwrite is not None:
        url += "?overwrite=%s" % overwrite
    return api.post_json(url, labels, status=status)


def test_assign_list_show_delete(api, nokube):
    host = post(api, edgeworker()).json
    got = assign(api, host["uuid"], {"gpu": "nvidia", "zone": ""}, overwrite="False").json
    assert set(got) == {"labels"}
    assert [set(lbl) for lbl in got["labels"]] == [SYSINV_LABEL_KEYS] * 2
    assert {(lbl["label_key"], lbl["label_value"]) for lbl in got["labels"]} == {
        ("gpu", "nvidia"), ("zone", "")}
    assert {lbl["host_uuid"] for lbl in got["labels"]} == {host["uuid"]}
    listed = api.get("/v1/ihosts/%s/labels" % host["uuid"]).json
    assert set(listed) == {"labels"}
    assert [(lbl["label_key"], lbl["label_value"]) for lbl in listed["labels"]] == [
        ("gpu", "nvidia"), ("zone", "")]
    one = api.get("/v1/labels/%s" % listed["labels"][0]["uuid"]).json
    assert one == listed["labels"][0]
    assert api.get("/v1/labels").json == listed
    assert api.get("/v1/labels/detail").json == listed
    resp = api.delete("/v1/labels/%s" % one["uuid"], status=204)
    assert "Warning" not in resp.headers
    assert [lbl["label_key"] for lbl in
            api.get("/v1/ihosts/edge-01/labels").json["labels"]] == ["zone"]
    r = api.get("/v1/labels/%s" % one["uuid"], status=404)
    assert fault(r) == "Host label %s could not be found." % one["uuid"]


def test_existing_key_is_409_without_overwrite_and_changes_nothing(api, nokube):
    host = post(api, edgeworker()).json
    assign(api, host["uuid"], {"gpu": "nvidia"})
    for flag in (None, "False"):
        r = assign(api, host["uuid"], {"new": "x", "gpu": "amd"}, overwrite=flag, status=409)
        assert fault(r) == ("Label gpu exists for host edge-01. Use overwrite option to assign "
                            "a new value.")
    labels = api.get("/v1/ihosts/edge-01/labels").json["labels"]
    assert [(lbl["label_key"], lbl["label_value"]) for lbl in labels] == [("gpu", "nvidia")]
    got = assign(api, host["uuid"], {"gpu": "amd"}, overwrite="True").json["labels"]
    assert [(lbl["label_key"], lbl["label_value"]) for lbl in got] == [("gpu", "amd")]
    assert got[0]["uuid"] == labels[0]["uuid"]  # updated in place, as sysinv does


def test_labels_are_per_host_and_go_with_the_host(api, nokube):
    h1 = post(api, edgeworker()).json
    h2 = post(api, edgeworker("edge-02", MAC2)).json
    assign(api, h1["uuid"], {"a": "1"})
    assign(api, h2["uuid"], {"a": "2"})  # the same key on another host is fine
    assert [lbl["label_value"] for lbl in
            api.get("/v1/labels?uuid=%s" % h2["uuid"]).json["labels"]] == ["2"]
    api.delete("/v1/ihosts/edge-01", status=204)
    assert [lbl["host_uuid"] for lbl in api.get("/v1/labels").json["labels"]] == [h2["uuid"]]


def test_labels_of_a_host_registered_by_mac_only(api, nokube):
    host = post(api, {"mgmt_mac": MAC1}).json
    got = assign(api, host["uuid"], {"a": "1"}).json["labels"]
    assert got[0]["host_uuid"] == host["uuid"]


def test_paging_follows_next(api, nokube, conf):
    conf.set_override("max_limit", 2, group="api")
    host = post(api, edgeworker()).json
    assign(api, host["uuid"], {"k%d" % i: str(i) for i in range(5)})
    keys, url = [], "/v1/ihosts/%s/labels" % host["uuid"]
    while url:
        doc = api.get(url).json
        keys += [lbl["label_key"] for lbl in doc["labels"]]
        url = doc.get("next", "").replace("http://localhost", "")
    assert keys == ["k0", "k1", "k2", "k3", "k4"]
    asked = api.get("/v1/ihosts/%s/labels?limit=5" % host["uuid"]).json  # capped all the same
    assert [lbl["label_key"] for lbl in asked["labels"]] == ["k0", "k1"]


@pytest.mark.parametrize("body,message", [
    ({}, "Labels must be given as a non-empty JSON object of key: value pairs."),
    (["a=b"], "Request body must be a JSON object."),  # the request guard's rule
    ({"bad key": "x"}, "Label key 'bad key' is invalid: the name part must begin and end "
                       "with a letter or digit and contain only letters, digits, '-', '_' "
                       "and '.'."),
    ({"kubernetes.io/hostname": "x"}, "Label key 'kubernetes.io/hostname' is invalid: the "
     "prefix kubernetes.io/ is reserved for Kubernetes; of its prefixes only "
     "node-role.kubernetes.io/ may be assigned."),
    ({"node-role.kubernetes.io/control-plane": ""}, "Label key "
     "'node-role.kubernetes.io/control-plane' is invalid: it marks control-plane nodes and "
     "cannot be assigned to a host."),
    ({"a": None}, "Label 'a' has no value (null); use \"\" for an empty value."),
    ({"a": 1}, "Value of label 'a' must be a string."),
    ({"a": "x" * 64}, "Value of label 'a' is 64 characters long; the maximum is 63."),
])
def test_assign_refusals(api, nokube, body, message):
    host = post(api, edgeworker()).json
    r = assign(api, host["uuid"], body, status=400)
    assert fault(r) == message
    assert api.get("/v1/labels").json == {"labels": []}


def test_assign_bad_overwrite_and_unknown_host(api, nokube):
    host = post(api, edgeworker()).json
    r = assign(api, host["uuid"], {"a": "1"}, overwrite="maybe", status=400)
    assert fault(r) == "overwrite 'maybe' is invalid; expected True or False."
    r = assign(api, "edge-99", {"a": "1"}, status=404)
    assert fault(r) == "Host edge-99 could not be found."
    r = api.get("/v1/ihosts/edge-99/labels", status=404)
    assert fault(r) == "Host edge-99 could not be found."


@pytest.mark.parametrize("ident", ["nope", "7b4f5b8e-0c37-4c1a-9f0e-3a5c1d2e4f60"])
def test_unknown_label_is_404(api, nokube, ident):
    assert fault(api.get("/v1/labels/%s" % ident, status=404)) == (
        "Host label %s could not be found." % ident)
    assert fault(api.delete("/v1/labels/%s" % ident, status=404)) == (
        "Host label %s could not be found." % ident)


@pytest.mark.parametrize("query,message", [
    ("sort_key=label_value", "sort_key 'label_value' is invalid; expected one of: id."),
    ("sort_dir=up", "sort_dir 'up' is invalid; expected asc or desc."),
    ("limit=0", "limit must be a positive integer."),
    ("marker=7b4f5b8e-0c37-4c1a-9f0e-3a5c1d2e4f60",
     "marker 7b4f5b8e-0c37-4c1a-9f0e-3a5c1d2e4f60 does not name an existing label."),
])
def test_list_refusals(api, nokube, query, message):
    assert fault(api.get("/v1/labels?%s" % query, status=400)) == message


def test_version_document_links_labels(api):
    assert api.get("/v1/").json["labels"][0]["href"].endswith("/v1/labels")
