"""Running ansible / ansible-playbook against lab hosts (real SSH, inventory written by the lab)."""

import json
import shutil
import sys
from pathlib import Path

import yaml

from tests.lab.proc import run


# The second controller venv, ansible-core 2.16 for EL8 hosts (.ci/install, requirements-el8.txt)
EL8_BIN = Path(__file__).resolve().parents[2] / ".venv-el8" / "bin"


def ansible_bin(name, bin_dir=None):
    """The ansible command in bin_dir (e.g. EL8_BIN), else next to the running Python (the
    project venv), else from PATH."""
    if bin_dir is not None:
        found = Path(bin_dir) / name
        if not found.exists():
            raise FileNotFoundError(f"{found} not found (bash .ci/install makes it)")
        return str(found)
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} not found: pip install 'ansible-core==2.19.*' (and 'ansible' for "
            "ansible.posix / community.general)"
        )
    return found


def write_inventory(lab, hosts, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(lab.inventory(hosts), sort_keys=False))
    return path


def facts(lab, hosts, workdir):
    """Gathered facts per host name, via `ansible -m ansible.builtin.setup` over SSH."""
    inventory = write_inventory(lab, hosts, Path(workdir) / "inventory.yml")
    tree = Path(workdir) / "facts"
    result = run(
        [
            ansible_bin("ansible"),
            "all",
            "-i",
            inventory,
            "-m",
            "ansible.builtin.setup",
            "-a",
            "gather_subset=min,pkg_mgr,network",
            "--tree",
            tree,
            "-f",
            "10",
        ],
        env=lab.ansible_env(),
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"ansible setup failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        )
    return {h.name: json.loads((tree / h.name).read_text())["ansible_facts"] for h in hosts}


def playbook(lab, hosts, play, workdir, extra_vars=None, check=True, bin_dir=None):
    """Run a playbook (a list of plays, as Python data) and return the CompletedProcess.
    bin_dir: where ansible-playbook is (default: the project venv's)."""
    workdir = Path(workdir)
    inventory = write_inventory(lab, hosts, workdir / "inventory.yml")
    book = workdir / "play.yml"
    book.write_text(yaml.safe_dump(play, sort_keys=False))
    argv = [ansible_bin("ansible-playbook", bin_dir), "-i", inventory, book, "-f", "10"]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    result = run(argv, env=lab.ansible_env(), check=False, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"playbook failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


def recap(output):
    """{host: {'ok': n, 'changed': n, 'failed': n, ...}} parsed from the PLAY RECAP."""
    stats = {}
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        if ":" in line and "ok=" in line:
            name, _, rest = line.partition(":")
            stats[name.strip()] = {k: int(v) for k, v in (p.split("=") for p in rest.split())}
    return stats
