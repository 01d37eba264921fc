"""kube-version-list/-show, kube-host-upgrade-list, network-show and addrpool-show of our
``system`` against a real all-in-one service that reaches the loopback Kubernetes API
server double (tests/kubeapi.py, control plane v1.29.2); the console script as a
subprocess. Columns are cgtsclient's (kube_version_shell.py, iHost_shell.py,
network_shell.py, address_pool_shell.py)."""

import pytest

import cli_aio

pytestmark = pytest.mark.functional


def _table(stdout):
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    return head, [[c.strip() for c in line.strip("|").split("|")] for line in lines[1:]]


KUBE_NODES = [("edge-01", "v1.29.2"), ("edge-02", "v1.25.0")]


@pytest.fixture(scope="module")
def service(kube_service):
    return kube_service


@pytest.fixture(scope="module")
def fleet(system):
    for i, name in enumerate(("edge-01", "edge-02", "edge-03"), 1):
        res = system("host-add", "-n", name, "-p", "edgeworker", "-m", "52:54:00:dd:00:%02x" % i)
        assert res.returncode == 0, res.stderr


def test_kube_version_list_and_show(system, fleet):
    res = system("kube-version-list")
    assert res.returncode == 0, res.stderr
    assert _table(res.stdout) == (["version", "target", "state"],
                                  [["v1.25.0", "False", "partial"],
                                   ["v1.29.2", "True", "partial"]])
    res = system("kube-version-show", "v1.29.2")
    assert res.returncode == 0, res.stderr
    head, rows = _table(res.stdout)
    assert head == ["Property", "Value"]
    assert [r[0] for r in rows] == ["applied_patches", "available_patches", "downgrade_to",
                                    "state", "target", "version"]  # sorted, no upgrade_from
    res = system("kube-version-show", "v1.30.0")
    assert (res.returncode, res.stderr) == (1, "kubernetes version not found: v1.30.0\n")


def test_kube_host_upgrade_list(system, service, fleet):
    res = system("kube-host-upgrade-list")
    assert res.returncode == 0, res.stderr
    head, rows = _table(res.stdout)
    assert head == ["id", "hostname", "personality", "target_version",
                    "control_plane_version", "kubelet_version", "status"]
    _, hosts = service.raw("GET", "/v1/ihosts")
    ids = {h["hostname"]: str(h["id"]) for h in hosts["ihosts"]}
    assert rows == [
        [ids["edge-01"], "edge-01", "edgeworker", "v1.29.2", "None", "v1.29.2", "ok"],
        [ids["edge-02"], "edge-02", "edgeworker", "v1.29.2", "None", "v1.25.0",
         "blocks-upgrade"],
        [ids["edge-03"], "edge-03", "edgeworker", "v1.29.2", "None", "None", "unknown"]]


def test_network_show_and_addrpool_show(system, service):
    _, nets = service.raw("GET", "/v1/networks")
    net = nets["networks"][0]
    res = system("network-show", net["uuid"])
    assert res.returncode == 0, res.stderr
    assert _table(res.stdout)[1] == [
        ["id", str(net["id"])], ["uuid", net["uuid"]], ["name", "mgmt"], ["type", "mgmt"],
        ["dynamic", "True"], ["pool_uuid", net["pool_uuid"]], ["primary_pool_family", "IPv4"]]
    res = system("addrpool-show", net["pool_uuid"])
    assert res.returncode == 0, res.stderr
    rows = dict(_table(res.stdout)[1])
    assert list(rows) == ["uuid", "name", "network", "prefix", "order", "ranges",
                          "floating_address", "controller0_address", "controller1_address",
                          "gateway_address"]
    assert rows["floating_address"] == "192.168.204.2"
    assert rows["ranges"] == "['192.168.204.2-192.168.204.254']"
    res = system("network-show", "nope")
    assert (res.returncode, res.stderr) == (1, "Network nope could not be found.\n")
    res = system("addrpool-show", "nope")
    assert (res.returncode, res.stderr) == (1, "Address pool nope could not be found.\n")


def test_kube_views_without_cluster_exit_1_with_the_reason(tmp_path_factory):
    with cli_aio.run_service(tmp_path_factory.mktemp("aio"), cli_aio.NO_CLUSTER) as svc:
        run = cli_aio.make_runner(svc)
        res = run("kube-version-list")
        assert res.returncode == 1
        assert res.stderr == ("GET /v1/kube_versions needs the Kubernetes cluster, and "
                              "[kubernetes] enabled is false in the conductor's "
                              "configuration.\n")
