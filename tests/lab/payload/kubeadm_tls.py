"""kubeadm lab double (v@VERSION@): the join's two TLS exchanges with the API server - token
discovery (the cluster-info ConfigMap, its JWS signature and the CA public-key pin) and the
kubelet's TLS bootstrap (a CSR signed by the lab API server). Used by kubeadm_join.py."""

import base64
import hashlib
import hmac
import json
import os
import ssl
import subprocess

import yaml

from kubeadm_common import (
    TOKEN_RE, KUBELET_PKI, KUBELET_CLIENT, Fail, _b64url, _get, spki_der, _write,
)


def discover(s):
    """Token-based discovery; returns the trusted CA PEM."""
    token_id, secret = TOKEN_RE.match(s["token"]).groups()
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    url = f"https://{s['endpoint']}/api/v1/namespaces/kube-public/configmaps/cluster-info"
    status, cm = _get(url, insecure)
    if status != 200:
        raise Fail(
            f"failed to request the cluster-info ConfigMap: HTTP {status} {cm.get('message', '')}"
        )
    data = cm.get("data") or {}
    signature = data.get(f"jws-kubeconfig-{token_id}")
    if not signature:
        raise Fail(
            "couldn't validate the identity of the API Server: there is no JWS signed token in "
            f'the cluster-info ConfigMap. This token id "{token_id}" is invalid for this cluster '
            'or it has expired. Use "kubeadm token create" on the control-plane node to create '
            "a new valid token"
        )
    header, _, sig = signature.partition("..")
    signing_input = f"{header}.{_b64url(data['kubeconfig'].encode())}".encode()
    expected = _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, sig):
        raise Fail(
            "couldn't validate the identity of the API Server: failed to verify JWS signature of "
            "received cluster info object, can't trust this API Server"
        )
    kubeconfig = yaml.safe_load(data["kubeconfig"])
    ca_pem = base64.b64decode(kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"])
    der = ssl.PEM_cert_to_DER_cert(ca_pem.decode())
    actual = "sha256:" + hashlib.sha256(spki_der(der)).hexdigest()
    if not s["unsafe"] and actual not in s["hashes"]:
        raise Fail(
            "couldn't validate the identity of the API Server: cluster CA found in cluster-info "
            f'ConfigMap is invalid: none of the public keys "{actual}" are pinned'
        )
    server = kubeconfig["clusters"][0]["cluster"]["server"]
    return ca_pem.decode(), actual, server


def tls_bootstrap(base, trusted, s):
    """The kubelet's TLS bootstrap, done here: key + CSR (openssl), signed by the lab API server."""
    os.makedirs(KUBELET_PKI, mode=0o700, exist_ok=True)
    key_file = KUBELET_PKI + "/kubelet-client.key.tmp"
    old = os.umask(0o077)
    try:
        done = subprocess.run(
            [
                "openssl",
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key_file,
                "-subj",
                f"/O=system:nodes/CN=system:node:{s['name']}",
            ],
            capture_output=True,
            text=True,
        )
    finally:
        os.umask(old)
    if done.returncode != 0:
        raise Fail(f"error execution phase kubelet-start: creating the CSR: {done.stderr.strip()}")
    csr = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": f"node-csr-{s['name']}"},
        "spec": {
            "request": base64.b64encode(done.stdout.encode()).decode(),
            "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
            "usages": ["digital signature", "client auth"],
        },
    }
    status, body = _get(
        f"{base}/apis/certificates.k8s.io/v1/certificatesigningrequests",
        trusted,
        s["tls_token"],
        "POST",
        json.dumps(csr).encode(),
    )
    cert = (body.get("status") or {}).get("certificate")
    if status not in (200, 201) or not cert:
        raise Fail(
            f"error execution phase kubelet-start: TLS bootstrap: HTTP {status}: "
            f"{body.get('message', 'no certificate issued')}"
        )
    with open(key_file) as handle:
        key = handle.read()
    os.remove(key_file)
    _write(KUBELET_CLIENT, base64.b64decode(cert).decode() + key)
