"""The fake kubeadm in the lab packages enforces the real join contract against the lab cluster."""

import datetime
import json

import pytest
import yaml

from tests.lab.cluster import ControlPlane

pytestmark = pytest.mark.lab
IGNORE = "--ignore-preflight-errors=CRI"  # ssh-mode hosts run no containerd (see test_systemd)


@pytest.fixture(scope="module")
def joiner(lab):
    """One Ubuntu host with kubeadm 1.29.2 installed from the lab repo and ip_forward on."""
    host = lab.add_host("kadm", "ubuntu2204")
    try:
        host.ssh(
            lab.repos.apt_source_script("1.29") + "; apt-get update -q; apt-get install -y -q "
            "kubeadm=1.29.2-1.1 kubelet=1.29.2-1.1 kubectl=1.29.2-1.1; "
            "sysctl -w net.ipv4.ip_forward=1"
        )
        yield host
    finally:
        lab.remove_host("kadm")


@pytest.fixture
def host(joiner, lab_cluster):
    yield joiner
    joiner.ssh("kubeadm reset -f >/dev/null; sysctl -qw net.ipv4.ip_forward=1")
    if joiner.name in lab_cluster.nodes():
        lab_cluster.delete_node(joiner.name)


def join(host, endpoint, token, ca_hash, *extra):
    hashes = f"--discovery-token-ca-cert-hash {ca_hash}" if ca_hash else ""
    return host.ssh(
        f"kubeadm join {endpoint} --token {token} {hashes} {IGNORE} {' '.join(extra)}", check=False
    )


def assert_refused(result, message, host, cluster):
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr
    assert not host.file("/etc/kubernetes/kubelet.conf").exists()
    assert host.name not in cluster.nodes()


def test_valid_join_is_recorded_and_registers_a_ready_node(host, lab_cluster):
    token = lab_cluster.create_token(ttl_seconds=600)
    result = join(host, lab_cluster.endpoint, token, lab_cluster.ca_hash)
    assert result.returncode == 0, result.stderr
    assert "This node has joined the cluster" in result.stdout
    record = json.loads(host.file("/var/lib/fake-kubeadm/join.json").read_text())
    assert record["endpoint"] == lab_cluster.endpoint
    assert record["token_id"] == token.split(".")[0]
    assert record["ca_cert_hash"] == lab_cluster.ca_hash
    assert record["kubelet_version"] == "v1.29.2" and record["cluster_version"] == "v1.29.2"
    assert token.split(".")[1] not in host.file("/var/lib/fake-kubeadm/join.json").read_text()
    assert host.file("/var/lib/fake-kubeadm/join.json").stat().st_mode & 0o777 == 0o600
    assert host.file("/etc/kubernetes/kubelet.conf").exists()
    node = lab_cluster.nodes()[host.name]
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.29.2"
    assert {"type": "InternalIP", "address": host.ip} in node["status"]["addresses"]
    assert [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"] == ["True"]
    assert lab_cluster.joins()[-1]["user"] == f"system:bootstrap:{token.split('.')[0]}"

    again = join(host, lab_cluster.endpoint, token, lab_cluster.ca_hash)
    assert again.returncode == 1 and "/etc/kubernetes/kubelet.conf already exists" in again.stderr

    host.ssh("kubeadm reset -f")
    assert not host.file("/etc/kubernetes/kubelet.conf").exists()
    assert not host.file("/var/lib/fake-kubeadm/join.json").exists()


@pytest.mark.parametrize("api_version", ["kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"])
def test_join_with_join_configuration_file(host, lab_cluster, api_version):
    token = lab_cluster.create_token(ttl_seconds=600)
    labels = "node-role.kubernetes.io/edgeworker=,edgelab.io/site=lab"
    extra = (
        {"node-labels": labels, "node-ip": host.ip}
        if api_version.endswith("v1beta3")
        else [{"name": "node-labels", "value": labels}, {"name": "node-ip", "value": host.ip}]
    )
    config = {
        "apiVersion": api_version,
        "kind": "JoinConfiguration",
        "discovery": {
            "bootstrapToken": {
                "apiServerEndpoint": lab_cluster.endpoint,
                "token": token,
                "caCertHashes": [lab_cluster.ca_hash],
            }
        },
        "nodeRegistration": {
            "name": host.name,
            "kubeletExtraArgs": extra,
            "ignorePreflightErrors": ["CRI"],
            "taints": [{"key": "edgelab.io/edge", "effect": "NoSchedule"}],
        },
    }
    host.file("/root/join.yaml").write_text(yaml.safe_dump(config))
    result = host.ssh("kubeadm join --config /root/join.yaml", check=False)
    assert result.returncode == 0, result.stderr
    node = lab_cluster.nodes()[host.name]
    assert node["metadata"]["labels"]["edgelab.io/site"] == "lab"
    assert "node-role.kubernetes.io/edgeworker" in node["metadata"]["labels"]
    assert node["spec"]["taints"] == [{"key": "edgelab.io/edge", "effect": "NoSchedule"}]
    assert (
        json.loads(host.file("/var/lib/fake-kubeadm/join.json").read_text())["config_file"]
        == "/root/join.yaml"
    )


def test_config_cannot_be_mixed_with_flags(host, lab_cluster):
    host.file("/root/join.yaml").write_text(
        "kind: JoinConfiguration\napiVersion: kubeadm.k8s.io/v1beta4\n"
    )
    result = host.ssh(
        f"kubeadm join --config /root/join.yaml --token {lab_cluster.create_token()}", check=False
    )
    assert_refused(result, "can not mix '--config' with arguments", host, lab_cluster)


@pytest.mark.parametrize(
    "token", ["BAD.token", "abcdef.0123456789ABCDEF", "abcdef0123456789abcdef"]
)
def test_malformed_token_is_refused(host, lab_cluster, token):
    assert_refused(
        join(host, lab_cluster.endpoint, token, lab_cluster.ca_hash),
        "was not of the form",
        host,
        lab_cluster,
    )


def test_unknown_token_is_refused(host, lab_cluster):
    assert_refused(
        join(host, lab_cluster.endpoint, "abcdef.0123456789abcdef", lab_cluster.ca_hash),
        'token id "abcdef" is invalid for this cluster',
        host,
        lab_cluster,
    )


def test_expired_token_is_refused(host, lab_cluster):
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    token = lab_cluster.create_token(expiration=past)
    assert_refused(
        join(host, lab_cluster.endpoint, token, lab_cluster.ca_hash),
        "invalid for this cluster or it has expired",
        host,
        lab_cluster,
    )


def test_deleted_token_is_refused(host, lab_cluster):
    token = lab_cluster.create_token()
    lab_cluster.delete_token(token)
    assert_refused(
        join(host, lab_cluster.endpoint, token, lab_cluster.ca_hash),
        "invalid for this cluster",
        host,
        lab_cluster,
    )


def test_wrong_token_secret_is_refused(host, lab_cluster):
    token = lab_cluster.create_token()
    forged = token[:7] + ("a" if token[7] != "a" else "b") + token[8:]
    assert_refused(
        join(host, lab_cluster.endpoint, forged, lab_cluster.ca_hash),
        "failed to verify JWS signature",
        host,
        lab_cluster,
    )


def test_wrong_ca_hash_is_refused(host, lab_cluster):
    wrong = "sha256:" + "0" * 64
    assert_refused(
        join(host, lab_cluster.endpoint, lab_cluster.create_token(), wrong),
        "are pinned",
        host,
        lab_cluster,
    )
    assert_refused(
        join(host, lab_cluster.endpoint, lab_cluster.create_token(), "sha256:abc"),
        "invalid discovery-token-ca-cert-hash",
        host,
        lab_cluster,
    )
    assert_refused(
        join(host, lab_cluster.endpoint, lab_cluster.create_token(), None),
        "without caCertHashes can be unsafe",
        host,
        lab_cluster,
    )


def test_wrong_endpoint_is_refused(host, lab_cluster):
    endpoint = lab_cluster.endpoint.replace(":6443", ":6449")
    assert_refused(
        join(host, endpoint, lab_cluster.create_token(), lab_cluster.ca_hash),
        "failed to request",
        host,
        lab_cluster,
    )


def test_preflight_needs_ip_forward_and_a_container_runtime(host, lab_cluster):
    host.ssh("sysctl -qw net.ipv4.ip_forward=0")
    result = host.ssh(
        f"kubeadm join {lab_cluster.endpoint} --token {lab_cluster.create_token()} "
        f"--discovery-token-ca-cert-hash {lab_cluster.ca_hash}",
        check=False,
    )
    assert_refused(result, "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]", host, lab_cluster)
    assert "[ERROR CRI]" in result.stderr


def test_ec_ca_hash_is_validated(lab, host):
    ec = ControlPlane(lab.run_dir, lab.version, ca_kind="ec", port=6444, name="control-plane-ec")
    ec.create()
    ec.start()
    try:
        assert (
            "BEGIN CERTIFICATE" in ec.ca_cert.read_text()
            and ec.ca_hash != lab.control_plane.ca_hash
        )
        refused = join(host, ec.endpoint, ec.create_token(), lab.control_plane.ca_hash)
        assert refused.returncode == 1 and "are pinned" in refused.stderr
        accepted = join(host, ec.endpoint, ec.create_token(), ec.ca_hash)
        assert accepted.returncode == 0, accepted.stderr
        assert host.name in ec.nodes()
    finally:
        ec.stop()
