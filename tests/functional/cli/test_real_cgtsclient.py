"""The upstream ``system`` CLI (cgtsclient from starlingx/config) against the all-in-one
service and the loopback Kubernetes API double (control plane v1.29.2).

Skipped unless REAL_CGTSCLIENT names the ``system`` executable of a cgtsclient built from
a starlingx/config checkout (nothing of cgtsclient is in this repository, and CI cannot
fetch it; the contract tests in tests/unit/contract are what CI runs). docs/cli.md says how
to build one into a throw-away virtualenv. Run:

    REAL_CGTSCLIENT=/tmp/realcgts/bin/system .venv/bin/python -m pytest \\
        tests/functional/cli/test_real_cgtsclient.py -v

Each command runs as an operator would type it (``--os-auth-token x --system-url URL``,
no keystone) and must exit 0, or 1 with the service's message where the service refuses.
"""

import os
import subprocess

import pytest

REAL = os.environ.get("REAL_CGTSCLIENT", "")

pytestmark = [pytest.mark.functional,
              pytest.mark.skipif(not (REAL and os.access(REAL, os.X_OK)),
                                 reason="REAL_CGTSCLIENT does not name a cgtsclient "
                                        "`system` executable")]


KUBE_NODES = [("edge-01", "v1.29.2"), ("edge-02", "v1.25.0")]


@pytest.fixture(scope="module")
def service(kube_service):
    return kube_service


@pytest.fixture(scope="module")
def real(service):
    def run(*args):
        cmd = [REAL, "--os-auth-token", "x", "--system-url", service.url] + list(args)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False,
                             env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/")})
        print("$ system %s  -> exit %d\n%s%s" % (" ".join(args), res.returncode, res.stdout,
                                                 res.stderr))
        return res
    return run


def _rows(stdout):
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in stdout.splitlines() if line.startswith("|")]


def _show(stdout):
    return {r[0]: r[1] for r in _rows(stdout)[1:]}


def test_session(real, service):
    ok = real("host-add", "-n", "edge-01", "-p", "edgeworker", "-m", "52:54:00:aa:bb:01")
    assert ok.returncode == 0, ok.stderr
    assert _show(ok.stdout)["hostname"] == "edge-01"
    assert real("host-add", "-m", "52:54:00:aa:bb:02").returncode == 0
    upd = real("host-update", "2", "hostname=edge-02", "personality=edgeworker")
    assert upd.returncode == 0, upd.stderr
    assert _show(upd.stdout)["personality"] == "edgeworker"
    for ident in ("edge-01", "1"):
        shown = real("host-show", ident)
        assert shown.returncode == 0 and _show(shown.stdout)["mgmt_mac"] == "52:54:00:aa:bb:01"
    listed = real("host-list")
    assert listed.returncode == 0
    assert [r[1] for r in _rows(listed.stdout)[1:]] == ["edge-01", "edge-02"]
    assert real("host-list", "--format", "yaml").returncode == 0
    assert real("host-list", "--format", "value").stdout.splitlines()[0] == \
        "1 edge-01 edgeworker locked disabled offline"
    dup = real("host-add", "-n", "edge-01", "-p", "edgeworker", "-m", "52:54:00:aa:bb:09")
    assert (dup.returncode, dup.stderr.strip()) == (1, "Host with hostname edge-01 already "
                                                       "exists.")
    lock = real("host-lock", "edge-01")
    assert (lock.returncode, lock.stderr.strip()) == (
        1, "Host action 'lock' is not supported for edgeworker hosts.")
    assert real("show").returncode == 0
    _, nets = service.raw("GET", "/v1/networks")
    net = nets["networks"][0]
    for argv in (["network-list"], ["network-show", net["uuid"]], ["addrpool-list"],
                 ["addrpool-show", net["pool_uuid"]], ["kube-version-list"],
                 ["kube-version-show", "v1.29.2"]):
        res = real(*argv)
        assert res.returncode == 0, (argv, res.stderr)
    upgrades = real("kube-host-upgrade-list")
    assert upgrades.returncode == 0
    assert [r[1:] for r in _rows(upgrades.stdout)[1:]] == [
        ["edge-01", "edgeworker", "v1.29.2", "None", "v1.29.2", "ok"],
        ["edge-02", "edgeworker", "v1.29.2", "None", "v1.25.0", "blocks-upgrade"]]
    gone = real("host-delete", "edge-02")
    assert (gone.returncode, gone.stdout.strip()) == (0, "Deleted host edge-02")
    missing = real("host-show", "edge-02")
    assert (missing.returncode, missing.stderr.strip()) == (1, "host not found: edge-02")


def test_labels(real, service):
    """host-label-assign/-list/-remove as cgtsclient's label_shell sends them."""
    ok = real("host-add", "-n", "edge-07", "-p", "edgeworker", "-m", "52:54:00:aa:bb:07")
    assert ok.returncode == 0, ok.stderr
    put = real("host-label-assign", "edge-07", "gpu=nvidia", "example.com/rack=r12")
    assert put.returncode == 0, put.stderr
    listed = real("host-label-list", "edge-07")
    assert listed.returncode == 0, listed.stderr
    assert [r[1:] for r in _rows(listed.stdout)[1:]] == [["example.com/rack", "r12"],
                                                         ["gpu", "nvidia"]]
    again = real("host-label-assign", "edge-07", "gpu=amd")
    assert (again.returncode, again.stderr.strip()) == (
        1, "Label gpu exists for host edge-07. Use overwrite option to assign a new value.")
    assert real("host-label-assign", "--overwrite", "edge-07", "gpu=amd").returncode == 0
    bad = real("host-label-assign", "edge-07", "Bad_Key!=x")
    assert bad.returncode == 1 and "Bad_Key!" in bad.stderr, bad.stderr
    gone = real("host-label-remove", "edge-07", "gpu")
    assert gone.returncode == 0, gone.stderr
    assert "Deleted host label gpu for host edge-07" in gone.stdout
    listed = real("host-label-list", "edge-07")
    assert [r[1:] for r in _rows(listed.stdout)[1:]] == [["example.com/rack", "r12"]]
    assert real("host-delete", "edge-07").returncode == 0
