"""provision_edgeworker end to end on lab hosts booted with real systemd (an Ubuntu 22.04
stand-in and a Rocky 9 stand-in), reporting to a real all-in-one sysinv-edgeworker service.

Real: SSH, apt/dpkg and dnf/rpm against signed repos, containerd running under systemd, the
kubelet unit, sysctl in the host's netns, the API service, and an HTTP forward proxy with a
password (tests/lab/proxy.py) that dnf goes through. Test doubles: the lab API server
(Kubernetes HTTP API; it holds the bootstrap-token Secrets the playbook creates, renews and
deletes) and kubeadm, which validates the join contract (token, CA pin, endpoint) and records it
instead of bootstrapping a real kubelet (docs/lab.md).
"""

import json
import os
import re
import secrets
from types import SimpleNamespace

import pytest

from tests.lab import config
from tests.lab.ansible_run import recap
from tests.lab.provision_api import running_service
from tests.lab.provision_run import failure_text, provision
from tests.lab.proxy import forward_proxy

pytestmark = pytest.mark.lab

VERSION = "1.29.2"
TAINT = {"key": "edgeworker.starlingx.io/edge", "effect": "NoSchedule"}
API_LABELS = {"pu1": {"example.com/gpu": "nvidia", "zone": ""},
              "pr1": {"edgelab.io/site": "from-api"}}


@pytest.fixture(scope="module")
def fleet(lab, lab_cluster, tmp_path_factory):
    """Two bare systemd hosts, registered in the API, provisioned once with -vvv captured."""
    work = tmp_path_factory.mktemp("provision-play")
    hosts = []
    try:
        hosts = [lab.add_host("pu1", "ubuntu2204", "systemd"),
                 lab.add_host("pr1", "rocky9", "systemd")]
        proxy_password = "proxy-pw-" + secrets.token_hex(12)
        with running_service(work / "aio") as api, \
                forward_proxy("edgeproxy", proxy_password) as proxy:
            records = {host.name: api.add_edgeworker(host) for host in hosts}
            # Labels assigned before the join (system host-label-assign): the playbook reads
            # them from the API and puts them on the Node; for the same key the API's value
            # wins over edgeworker_node_labels (pr1's edgelab.io/site).
            for name, labels in API_LABELS.items():
                status, body = api.call("POST", "/v1/labels/%s?overwrite=False"
                                        % records[name]["uuid"], labels)
                assert status == 200, body
            registry_password = "reg-pw-" + secrets.token_hex(12)
            extra = {
                **api.report_vars(),
                "edgeworker_registry_host": "registry.edgelab.invalid:9001",
                "edgeworker_registry_address": "198.18.0.1",
                "edgeworker_registry_ca_cert_file": str(lab_cluster.ca_cert),
                "edgeworker_registry_username": "edgeadmin",
                "edgeworker_registry_password": registry_password,
                "edgeworker_node_labels": {"node-role.kubernetes.io/edgeworker": "",
                                           "edgelab.io/site": "lab"},
                "edgeworker_node_taints": [TAINT],
                # dnf goes through the proxy (apt reaches the repository, the API endpoint's
                # address, directly: it is in no_proxy)
                "edgeworker_http_proxy": proxy.url,
                "edgeworker_no_proxy": "mirror.edgelab.invalid, 198.18.0.1",
                # a new bootstrap token before each batch's joins
                "edgeworker_token_min_remaining_seconds": 1200,
            }
            first = provision(lab, hosts, work / "run1", extra, args=["-vvv"])
            yield SimpleNamespace(lab=lab, hosts=hosts, api=api, first=first, extra=extra,
                                  work=work, proxy=proxy, proxy_password=proxy_password,
                                  secrets=[registry_password, api.password, proxy_password])
    finally:
        nodes = lab_cluster.nodes()
        for host in hosts:
            lab.remove_host(host.name)
            if host.name in nodes:
                lab_cluster.delete_node(host.name)


def _versions(host):
    query = ("rpm -q --qf '%{VERSION}-%{RELEASE}\\n' kubelet kubeadm kubectl"
             if host.flavour.is_rpm else
             "dpkg-query -W -f '${Version}\\n' kubelet kubeadm kubectl")
    return host.ssh(query).stdout.split()


def test_bare_hosts_are_joined_at_the_cluster_version(fleet, lab, lab_cluster):
    assert fleet.first.returncode == 0, failure_text(fleet.first)
    stats = recap(fleet.first.stdout)
    assert all(stats[h.name]["failed"] == 0 and stats[h.name]["rescued"] == 0 for h in fleet.hosts)
    joins = {j["node"]: j for j in lab_cluster.joins()}  # as the lab API server saw them
    nodes = lab_cluster.nodes()
    for host in fleet.hosts:
        rpm = host.flavour.is_rpm
        assert _versions(host) == [f"{VERSION}-150500.1.1" if rpm else f"{VERSION}-1.1"] * 3
        assert host.ssh("kubelet --version").stdout.strip() == f"Kubernetes v{VERSION}"
        # held: a plain upgrade leaves them at the cluster's version (1.29.3 is in the repo)
        if rpm:
            repo = host.file("/etc/yum.repos.d/kubernetes.repo").read_text()
            assert re.search(r"^exclude = kubelet kubeadm kubectl", repo, re.M), repo
            host.ssh("dnf -y -q upgrade")
        else:
            assert host.ssh("apt-mark showhold").stdout.split() == ["kubeadm", "kubectl", "kubelet"]
            host.ssh("DEBIAN_FRONTEND=noninteractive apt-get -y -q upgrade")
        assert _versions(host) == [f"{VERSION}-150500.1.1" if rpm else f"{VERSION}-1.1"] * 3
        # kernel settings inside the host's own network namespace, and persisted
        for key in ("net.ipv4.ip_forward", "net.bridge.bridge-nf-call-iptables",
                    "net.bridge.bridge-nf-call-ip6tables"):
            assert host.sysctl(key) == "1", (host.name, key)
        assert "net.ipv4.ip_forward=1" in host.file(
            "/etc/sysctl.d/99-edgeworker-kubernetes.conf").read_text()
        # containerd: configured, running under systemd, secrets only in a 0600 file
        config = host.file("/etc/containerd/config.toml")
        assert "SystemdCgroup = true" in config.read_text()
        assert config.stat().st_mode & 0o777 == 0o600
        hosts_toml = host.file("/etc/containerd/certs.d/registry.edgelab.invalid:9001/hosts.toml")
        assert 'ca = "/etc/containerd/certs.d/registry.edgelab.invalid:9001/ca.crt"' in \
            hosts_toml.read_text()
        assert host.ssh("systemctl is-active containerd kubelet").stdout.split() == \
            ["active", "active"]
        assert "198.18.0.1 registry.edgelab.invalid" in host.file("/etc/hosts").read_text()
        env_file = "/etc/sysconfig/kubelet" if rpm else "/etc/default/kubelet"
        assert f'KUBELET_EXTRA_ARGS="--node-ip={host.ip}"' in host.file(env_file).read_text()
        # the join: recorded by kubeadm, JoinConfiguration file gone
        record = host.file("/var/lib/fake-kubeadm/join.json").read_text()
        assert f'"endpoint": "{lab_cluster.endpoint}"' in record
        assert f'"ca_cert_hash": "{lab_cluster.ca_hash}"' in record
        assert '"config_file": "/etc/kubernetes/edgeworker-join.yaml"' in record
        assert '"ignored_preflight_errors": []' in record
        assert not host.file("/etc/kubernetes/edgeworker-join.yaml").exists()
        token_id = re.search(r'"token_id": "([a-z0-9]{6})"', record).group(1)
        assert joins[host.name]["user"] == f"system:bootstrap:{token_id}"
        assert joins[host.name]["client_ip"] == host.ip
        assert joins[host.name]["annotations"]["edgelab.io/ca-cert-hash"] == lab_cluster.ca_hash
        secret = lab_cluster.request("GET", "/api/v1/namespaces/kube-system/secrets")
        names = [s["metadata"]["name"] for s in secret["items"]]
        assert f"bootstrap-token-{token_id}" not in names, "the run's token was not deleted"
        # the Node: Ready, labelled, tainted
        node = nodes[host.name]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == f"v{VERSION}"
        assert [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"] == \
            ["True"]
        labels = node["metadata"]["labels"]
        assert labels["node-role.kubernetes.io/edgeworker"] == ""
        assert labels["edgelab.io/site"] == API_LABELS[host.name].get("edgelab.io/site", "lab")
        assert {k: labels.get(k) for k in API_LABELS[host.name]} == API_LABELS[host.name]
        assert json.loads(node["metadata"]["annotations"][
            "edgeworker.starlingx.io/sysinv-labels"]) == sorted(API_LABELS[host.name])
        assert TAINT in node["spec"]["taints"]


def test_the_api_shows_the_hosts_provisioned(fleet):
    for host in fleet.hosts:
        record = fleet.api.host(host.name)
        assert record["provision_state"] == "provisioned", record
        assert record["kubelet_version"] == f"v{VERSION}"
        assert not record.get("provision_error")


def test_no_secret_in_the_vvv_output(fleet):
    output = fleet.first.stdout + fleet.first.stderr
    assert "<127.0.0.1> EXEC" in output or "ESTABLISH" in output, "not a -vvv run"
    for value in fleet.secrets:
        assert value not in output
    # a bootstrap token has the form [a-z0-9]{6}.[a-z0-9]{16}; none may appear
    leaked = re.findall(r"(?<![a-z0-9.])[a-z0-9]{6}\.[a-z0-9]{16}(?![a-z0-9.])", output)
    assert leaked == []
    for host in fleet.hosts:
        record = host.file("/var/lib/fake-kubeadm/join.json").read_text()
        token_id = re.search(r'"token_id": "([a-z0-9]{6})"', record).group(1)
        assert not re.search(re.escape(token_id) + r"\.[a-z0-9]{16}", output)


def test_the_batch_joined_with_a_renewed_token_and_every_token_is_gone(fleet, lab_cluster):
    """min remaining = TTL: the token play 1 made is replaced before the batch's joins (and
    deleted at once); the joins used the new one; the run deleted it too."""
    output = " ".join(fleet.first.stdout.split())
    made = re.findall(r"Bootstrap token ([a-z0-9]{6}) \(Secret kube-system/bootstrap-token-",
                      output)
    assert len(made) == 2, [line for line in fleet.first.stdout.splitlines()
                            if "oken" in line][:60]  # play 1's, then the batch's
    assert f"Bootstrap token {made[0]} has " in output and "replaced by a new token" in output
    joined = {re.search(r'"token_id": "([a-z0-9]{6})"',
                        h.file("/var/lib/fake-kubeadm/join.json").read_text()).group(1)
              for h in fleet.hosts}
    assert joined == {made[1]}
    names = {s["metadata"]["name"] for s in lab_cluster.request(
        "GET", "/api/v1/namespaces/kube-system/secrets")["items"]}
    assert not names & {f"bootstrap-token-{t}" for t in made}


def _world_readable_with(root, needle):
    """Files under the host's root (outside /proc, /sys, /dev) that contain needle, with
    their modes."""
    found = {}
    for top in ("etc", "var", "root", "tmp", "home", "opt", "srv", "usr/local"):
        for dirpath, _dirs, files in os.walk(root / top):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    if os.path.islink(path) or needle not in open(path, "rb").read():
                        continue
                    found[path[len(str(root)):]] = os.stat(path).st_mode & 0o777
                except OSError:
                    continue
    return found


def test_the_proxy_is_used_and_its_password_is_only_in_0600_files(fleet, lab_cluster):
    """The password reaches only 0600 files (the apt proxy file, dnf.conf, the containerd and
    kubelet environment file), never `systemctl show`; dnf's requests went through the proxy
    authenticated; NO_PROXY is the operator's entries, then localhost, the node, its mgmt
    subnet, the cluster's service and pod CIDRs (the lab API server's kubeadm-config), its
    service domain, the API endpoint and the registry - each once."""
    needle = fleet.proxy_password.encode()
    for host in fleet.hosts:
        rpm = host.flavour.is_rpm
        files = _world_readable_with(host.root, needle)
        expected = {"/etc/edgeworker/proxy.env",
                    "/etc/dnf/dnf.conf" if rpm else "/etc/apt/apt.conf.d/90edgeworker-proxy"}
        assert set(files) == expected, (host.name, files)
        assert all(mode == 0o600 for mode in files.values()), (host.name, files)
        shown = host.ssh("systemctl show containerd kubelet -p Environment -p EnvironmentFiles")
        assert fleet.proxy_password not in shown.stdout
        assert "/etc/edgeworker/proxy.env" in shown.stdout
        env = host.file("/etc/edgeworker/proxy.env").read_text()
        assert f'HTTP_PROXY="{fleet.proxy.url}"' in env
        no_proxy = re.search(r'^NO_PROXY="([^"]*)"$', env, re.M).group(1).split(",")
        # 198.18.0.1, given by the operator, is also the API endpoint's and the registry's
        # address: it appears once, where the operator put it
        assert lab_cluster.endpoint.rsplit(":", 1)[0] == config.BRIDGE_IP == "198.18.0.1"
        assert no_proxy == [
            "mirror.edgelab.invalid", "198.18.0.1", "localhost", "127.0.0.1", "::1", host.name,
            host.ip, f"{config.SUBNET_PREFIX}.0/{config.PREFIX_LEN}", "10.96.0.0/12",
            "172.16.0.0/16", ".svc", ".svc.cluster.local", "registry.edgelab.invalid"], no_proxy
    rpm_ip = next(h.ip for h in fleet.hosts if h.flavour.is_rpm)
    # dnf's requests reached the repository through the proxy with the password (a client may
    # first ask without it and get the 407 challenge; only authorised requests are forwarded)
    through = [url for ip, _method, url, authorised in fleet.proxy.requests
               if ip == rpm_ip and authorised]
    assert any(url.endswith("/repodata/repomd.xml") for url in through), through[:10]


def test_the_rpm_host_is_reported_before_any_change(fleet):
    """Preflight on the Rocky stand-in reports SELinux, firewalld, NetworkManager and dnf
    versionlock before the first change; the Ubuntu host gets no such report. The stand-in's
    userland is Debian's: no SELinux, firewalld or NetworkManager runs there, so only the
    'absent' answers (and no action) are proven here."""
    output = fleet.first.stdout
    report = re.search(
        r"pr1 \(RPM family, before any change\): SELinux ([^;]+); firewalld ([^;]+); "
        r"NetworkManager ([^;]+); dnf versionlock (present|absent) \(the packages are held by "
        r"the repository's exclude= line either way\)",
        " ".join(output.split()),
    )
    assert report, [line for line in output.splitlines() if "RPM" in line][:20]
    assert report.group(1) in ("not available", "disabled")
    assert report.group(2) in ("inactive", "unknown") and report.group(3) in ("inactive", "unknown")
    assert "pu1 (RPM family" not in output
    first_change = output.index("TASK [edgeworker_os_prep")
    assert output.index("Preflight | RPM | Report SELinux") < first_change


def test_second_run_changes_nothing(fleet):
    again = provision(fleet.lab, fleet.hosts, fleet.work / "run2", fleet.extra)
    assert again.returncode == 0, failure_text(again)
    assert {n: s["changed"] for n, s in recap(again.stdout).items() if n != "localhost"} == \
        {h.name: 0 for h in fleet.hosts}


def test_check_mode_runs_without_errors(fleet):
    checked = provision(fleet.lab, fleet.hosts, fleet.work / "check", fleet.extra,
                        args=["--check"])
    assert checked.returncode == 0, failure_text(checked)
    stats = recap(checked.stdout)
    assert all(stats[h.name]["failed"] == 0 and stats[h.name]["rescued"] == 0
               and stats[h.name]["changed"] == 0 for h in fleet.hosts)



def _bootstrap_tokens(lab_cluster):
    items = lab_cluster.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]
    return {s["metadata"]["name"] for s in items if s["metadata"]["name"].startswith("bootstrap-")}


def test_a_host_dropped_as_unreachable_is_reported_and_the_cleanup_runs(fleet, lab_cluster):
    """pr1 stops answering in the middle of the run: once its preflight has run, its SSH port
    becomes a closed one, so Ansible drops it as UNREACHABLE (a rescue cannot catch that).
    pu1 finishes; play 3 reports pr1 failed at step 'unreachable' and still deletes the run's
    token and releases the lock. Last in this module: it leaves pr1 recorded as failed."""
    tokens_before = _bootstrap_tokens(lab_cluster)
    work = fleet.work / "dropped"
    result = provision(fleet.lab, fleet.hosts, work, fleet.extra, host_vars={
        "pr1": {"ansible_port": "{{ 1 if edgeworker_preflight_problems is defined else 22 }}"}})
    stats = recap(result.stdout)
    assert result.returncode != 0
    assert stats["pr1"]["unreachable"] == 1 and stats["pr1"]["rescued"] == 0, failure_text(result)
    assert stats["pu1"]["failed"] == 0 and stats["pu1"]["unreachable"] == 0, failure_text(result)
    assert ("Dropped as unreachable in the middle of the run (not provisioned; re-run the "
            "playbook for them once they answer): pr1") in result.stdout
    record = fleet.api.host("pr1")
    assert record["provision_state"] == "failed", record
    assert record["provision_step"] == "unreachable"
    assert record["provision_error"].startswith("pr1 stopped answering during the run")
    assert fleet.api.host("pu1")["provision_state"] == "provisioned"
    assert _bootstrap_tokens(lab_cluster) == tokens_before, "the run's token was not deleted"
    assert not (work / "provision.lock").exists(), "the run lock was not released"
    for value in fleet.secrets:
        assert value not in result.stdout + result.stderr
