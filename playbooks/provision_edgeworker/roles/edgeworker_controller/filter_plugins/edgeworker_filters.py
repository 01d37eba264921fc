"""Filters for the edgeworker_controller role (run on the Ansible controller).

edgeworker_ca_cert_hash: the value `kubeadm join --discovery-token-ca-cert-hash` expects,
    ``sha256:<hex>`` of the CA certificate's DER SubjectPublicKeyInfo (RSA, EC, Ed25519 alike).
    Input: PEM text (the first certificate of a bundle is the cluster CA, as kubeadm uses it).
edgeworker_kube_version: ``v1.29.2`` / ``1.29.2`` / ``v1.29.2-eks.1`` -> ``1.29.2``.
edgeworker_oldest_version: the lowest of a list of Kubernetes versions (``1.29.2`` form).
edgeworker_image_tag: ``registry.k8s.io/kube-apiserver:v1.29.2`` -> ``v1.29.2`` ('' if none).
"""

import hashlib
import re

from ansible.errors import AnsibleFilterError

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$")
_PEM_CERT = re.compile(
    r"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----"
)


def ca_cert_hash(pem):
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError as exc:  # pragma: no cover - cryptography ships with ansible-core
        raise AnsibleFilterError(f"edgeworker_ca_cert_hash needs python cryptography: {exc}")
    if isinstance(pem, bytes):
        pem = pem.decode("ascii", "replace")
    match = _PEM_CERT.search(str(pem or ""))
    if not match:
        raise AnsibleFilterError("edgeworker_ca_cert_hash: no PEM certificate in the input")
    try:
        cert = x509.load_pem_x509_certificate(match.group(0).encode())
    except ValueError as exc:
        raise AnsibleFilterError(f"edgeworker_ca_cert_hash: invalid CA certificate: {exc}")
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def _parts(version):
    match = _VERSION.match(str(version or "").strip())
    if not match:
        raise AnsibleFilterError(
            f"'{version}' is not a Kubernetes version (expected v1.29.2 or 1.29.2)"
        )
    return tuple(int(p) for p in match.groups())


def kube_version(version):
    return "%d.%d.%d" % _parts(version)


def oldest_version(versions):
    found = [kube_version(v) for v in versions or [] if str(v or "").strip()]
    if not found:
        raise AnsibleFilterError("edgeworker_oldest_version: no version to compare")
    return min(found, key=_parts)


def image_tag(image):
    name = str(image or "").split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


class FilterModule:
    def filters(self):
        return {
            "edgeworker_ca_cert_hash": ca_cert_hash,
            "edgeworker_kube_version": kube_version,
            "edgeworker_oldest_version": oldest_version,
            "edgeworker_image_tag": image_tag,
        }
