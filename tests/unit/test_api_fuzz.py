"""Property-based fuzzing of the API (hypothesis): generated POST/PATCH/PUT bodies and query
parameters, over 5,000 requests in all. For every one: no 5xx; a 4xx carries a faultstring
that names a field of the request (or the request's shape); a rejected request leaves the
database exactly as it was."""

import itertools
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.api_helpers import fault

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

FIELDS = ["hostname", "personality", "mgmt_mac", "mgmt_ip", "location", "capabilities",
          "subfunctions", "administrative", "uuid", "id", "bm_ip", "bm_password", "action",
          "provision_state", "kubelet_version"]
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                     st.floats(allow_nan=False), _text,
                     st.sampled_from(["edgeworker", "worker", "storage", "controller",
                                      "52:54:00:aa:bb:99", "ff:ff:ff:ff:ff:ff", "192.168.204.9",
                                      "192.168.204.1", "10.0.0.1", "edge-x", "controller-0",
                                      "lock", "unlock", "provisioned", "v1.29.2", ""]),
                     st.text(min_size=300, max_size=5000))
_json = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)), max_leaves=12)
_keys = st.one_of(st.sampled_from(FIELDS), _text)
_macs = (("52:54:01:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255))
         for i in itertools.count(1))


def _snapshot(api):
    return api.get("/v1/ihosts?limit=1000").json["ihosts"]


def _check(api, resp, request_words, before):
    """The invariants every fuzzed request must keep."""
    assert resp.status_int < 500, (resp.status, resp.body[:300])
    if resp.status_int >= 400:
        text = fault(resp)
        assert text.strip()
        words = [w[:40] for w in request_words if isinstance(w, str) and w]
        assert any(w in text for w in words) or "Request body" in text, (text, words)
        assert _snapshot(api) == before


def _post(api, body):
    return api.post_json("/v1/ihosts", body, expect_errors=True)


@pytest.fixture
def seeded(api):
    """One edgeworker and one bare MAC to patch and report on."""
    api.post_json("/v1/ihosts", {"hostname": "edge-01", "personality": "edgeworker",
                                 "mgmt_mac": "52:54:00:aa:bb:01"})
    api.post_json("/v1/ihosts", {"mgmt_mac": "52:54:00:aa:bb:02"})
    return api


def test_fuzz_post_random_bodies(seeded):
    api = seeded

    @settings(max_examples=1500, **SETTINGS)
    @given(st.dictionaries(_keys, _json, max_size=6))
    def run(body):
        before = _snapshot(api)
        resp = _post(api, body)
        if resp.status_int < 400:  # a valid host: keep the database small and comparable
            api.delete("/v1/ihosts/%s" % resp.json["uuid"], status=204)
            return
        _check(api, resp, list(body) + ["mgmt_mac", "hostname", "personality", "host"],
               before)
    run()


def test_fuzz_post_one_field_mutated(seeded):
    """A valid edgeworker body with exactly one field replaced: a refusal names that field
    (or, for a conflict between fields, another field of the body)."""
    api = seeded

    @settings(max_examples=1500, **SETTINGS)
    @given(st.sampled_from(FIELDS + ["color"]), _json)
    def run(field, value):
        mac = next(_macs)
        body = {"hostname": "f-" + mac.replace(":", "")[-6:], "personality": "edgeworker",
                "mgmt_mac": mac, field: value}
        before = _snapshot(api)
        resp = _post(api, body)
        if resp.status_int < 400:
            api.delete("/v1/ihosts/%s" % resp.json["uuid"], status=204)
            return
        _check(api, resp, list(body), before)
    run()


_patch_ops = st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["replace", "add", "remove", "move", "test", "copy", ""]),
     "path": st.one_of(st.sampled_from(["/" + f for f in FIELDS]), _text,
                       st.sampled_from(["/", "", "/location/locn", "/capabilities/a/b"]))},
    optional={"value": _json, "from": _text}), min_size=0, max_size=4)


def test_fuzz_patch(seeded):
    api = seeded

    @settings(max_examples=1000, **SETTINGS)
    @given(st.sampled_from(["edge-01", "52:54:00:aa:bb:02"]), _patch_ops)
    def run(target, ops):
        before = _snapshot(api)
        ident = next(h["uuid"] for h in before if target in (h["hostname"], h["mgmt_mac"]))
        resp = api.patch_json("/v1/ihosts/%s" % ident, ops, expect_errors=True)
        if resp.status_int < 400:
            return  # an accepted change (location, capabilities, …) is a new baseline
        words = [w for op in ops for w in (op.get("path", "").strip("/").split("/")[0],
                                            op.get("op"))]
        _check(api, resp, words + ["patch", "op", "path", "value", "action"], before)
    run()


def test_fuzz_provision_report(seeded):
    api = seeded

    @settings(max_examples=600, **SETTINGS)
    @given(st.sampled_from(["edge-01", "nope"]), st.dictionaries(
        st.one_of(st.sampled_from(["provision_state", "provision_step", "provision_error",
                                   "kubelet_version"]), _text), _json, max_size=5))
    def run(target, body):
        before = _snapshot(api)
        resp = api.put_json("/v1/ihosts/%s/provision" % target, body, expect_errors=True)
        if resp.status_int < 400:
            return
        _check(api, resp, list(body) + [target, "provision_state", "report"], before)
    run()


_query_values = st.one_of(_text, st.integers(-10, 10**30).map(str),
                          st.sampled_from(["hostname", "id", "asc", "desc", "edgeworker"]))


def test_fuzz_list_query(seeded):
    api = seeded

    @settings(max_examples=600, **SETTINGS)
    @given(st.dictionaries(st.sampled_from(["limit", "marker", "sort_key", "sort_dir",
                                            "personality"]), _query_values, max_size=5))
    def run(params):
        before = _snapshot(api)
        resp = api.get("/v1/ihosts", params=params, expect_errors=True)
        _check(api, resp, list(params), before)
    run()


_safe_path = st.text(alphabet=string.ascii_letters + string.digits + "-_.:~%", min_size=1,
                     max_size=60)


def test_fuzz_show_and_delete_paths(seeded):
    api = seeded

    @settings(max_examples=400, **SETTINGS)
    @given(_safe_path)
    def run(ident):
        before = _snapshot(api)
        if ident in {h[k] for h in before for k in ("hostname", "uuid", "mgmt_mac")} | {
                str(h["id"]) for h in before}:
            return
        for resp in (api.get("/v1/ihosts/%s" % ident, expect_errors=True),
                     api.delete("/v1/ihosts/%s" % ident, expect_errors=True)):
            assert resp.status_int in (400, 404, 405), resp.status
            _check(api, resp, [ident, "Host", "host", "URL"], before)
    run()
