"""The lab CA's kubeadm hash equals what openssl computes (RSA and EC), and secrets are 0600."""

import subprocess

import pytest

from tests.lab import pki

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("kind", pki.KEY_KINDS)
def test_ca_hash_matches_openssl(tmp_path, kind):
    cert, key = pki.create_ca(tmp_path, kind=kind)
    assert key.stat().st_mode & 0o777 == 0o600
    pubkey = subprocess.run(
        ["openssl", "x509", "-pubkey", "-noout", "-in", cert], check=True, capture_output=True
    ).stdout
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "der"],
        input=pubkey,
        check=True,
        capture_output=True,
    ).stdout
    digest = subprocess.run(
        ["sha256sum"], input=der, check=True, capture_output=True
    ).stdout.split()[0]
    assert pki.ca_cert_hash(cert.read_bytes()) == "sha256:" + digest.decode()
    algo = subprocess.run(
        ["openssl", "x509", "-noout", "-text", "-in", cert],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert ("rsaEncryption" if kind == "rsa" else "id-ecPublicKey") in algo
