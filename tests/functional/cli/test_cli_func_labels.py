"""``system host-label-*`` against a real all-in-one service (no cluster): the arguments,
output columns and messages of cgtsclient's label_shell.py (starlingx/config
cgts-client/cgtsclient/v1/label_shell.py: assign prints uuid, host_uuid, label_key,
label_value per label; list prints hostname / label key / label value sorted by key;
remove prints "Deleted host label <key> for host <host>")."""

import pytest
import yaml

pytestmark = pytest.mark.functional


def table_rows(text):
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]


@pytest.fixture(scope="module")
def host(system):
    res = system("host-add", "-n", "edge-lbl", "-p", "edgeworker", "-m", "52:54:00:cc:00:01",
                 "--column", "uuid", "--format", "value")
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_assign_list_overwrite_remove(system, service, host):
    res = system("host-label-assign", "edge-lbl", "zone=", "gpu=nvidia")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    rows = table_rows(res.stdout)
    # One Property/Value table per label, rows in cgtsclient's order.
    assert [r[0] for r in rows] == ["Property", "uuid", "host_uuid", "label_key",
                                    "label_value"] * 2
    shown = {r[1] for r in rows if r[0] == "label_key"}
    assert shown == {"zone", "gpu"}
    assert {r[1] for r in rows if r[0] == "host_uuid"} == {host}
    status, doc = service.raw("GET", "/v1/ihosts/%s/labels" % host)
    assert status == 200
    assert {r[1] for r in rows if r[0] == "uuid"} == {lbl["uuid"] for lbl in doc["labels"]}

    res = system("host-label-list", "edge-lbl")
    assert res.returncode == 0, res.stderr
    assert table_rows(res.stdout) == [["hostname", "label key", "label value"],
                                      ["edge-lbl", "gpu", "nvidia"], ["edge-lbl", "zone", ""]]
    res = system("host-label-list", "edge-lbl", "--format", "yaml")
    assert yaml.safe_load(res.stdout) == [
        {"hostname": "edge-lbl", "label_key": "gpu", "label_value": "nvidia"},
        {"hostname": "edge-lbl", "label_key": "zone", "label_value": ""}]

    res = system("host-label-assign", "edge-lbl", "gpu=amd")
    assert res.returncode == 1
    assert res.stderr.strip() == ("Label gpu exists for host edge-lbl. Use overwrite option "
                                  "to assign a new value.")
    res = system("host-label-assign", "edge-lbl", "gpu=amd", "--overwrite")
    assert res.returncode == 0, res.stderr
    res = system("host-label-list", "edge-lbl", "--format", "value")
    assert res.stdout.splitlines() == ["edge-lbl gpu amd", "edge-lbl zone "]

    res = system("host-label-remove", "edge-lbl", "gpu", "nope", "zone")
    assert res.returncode == 1
    assert res.stdout.splitlines() == ["Deleted host label gpu for host edge-lbl",
                                       "Deleted host label zone for host edge-lbl"]
    assert res.stderr == "Host label not found: host edge-lbl, label key nope \n"
    assert service.raw("GET", "/v1/ihosts/%s/labels" % host) == (200, {"labels": []})


@pytest.mark.parametrize("args,message", [
    (["kubernetes.io/hostname=x"], "Label key 'kubernetes.io/hostname' is invalid: the prefix "
     "kubernetes.io/ is reserved for Kubernetes; of its prefixes only node-role.kubernetes.io/ "
     "may be assigned."),
    (["a=-x"], "Value '-x' of label 'a' is invalid: it must be empty or begin and end with a "
     "letter or digit and contain only letters, digits, '-', '_' and '.'."),
])
def test_assign_refused_by_the_service(system, host, args, message):
    res = system("host-label-assign", "edge-lbl", *args)
    assert (res.returncode, res.stderr.strip(), res.stdout) == (1, message, "")


def test_assign_usage_errors_send_nothing(system, service, host):
    res = system("host-label-assign", "edge-lbl", "gpu")
    assert res.returncode == 2
    assert "malformed label 'gpu': expected <key>=<value>, e.g. gpu=nvidia" in res.stderr
    assert service.raw("GET", "/v1/ihosts/%s/labels" % host) == (200, {"labels": []})


def test_unknown_host(system):
    for cmd in (["host-label-list", "edge-99"], ["host-label-assign", "edge-99", "a=b"],
                ["host-label-remove", "edge-99", "a"]):
        res = system(*cmd)
        assert (res.returncode, res.stderr.strip()) == (1, "Host edge-99 could not be found.")
