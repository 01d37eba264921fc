"""Running playbooks/provision_edgeworker/provision.yml against lab hosts (real SSH).

The lab stands in for the controller (admin kubeconfig of the lab API server) and for the
package mirrors (pkgs.k8s.io layout, Docker-CE-style containerd.io repo); everything below is
passed as ordinary playbook variables, exactly as an operator would point at a mirror.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import yaml

from tests.lab.ansible_run import ansible_bin
from tests.lab.proc import run
from tests.servers._proc import run_temp_env

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK_DIR = REPO / "playbooks/provision_edgeworker"
PROVISION = PLAYBOOK_DIR / "provision.yml"
PREFLIGHT = PLAYBOOK_DIR / "preflight.yml"


def lab_vars(lab, workdir, **extra):
    """Playbook variables pointing the playbook at the lab's cluster and repositories."""
    base = lab.repos.base_url
    values = {
        "edgeworker_kubeconfig": str(lab.control_plane.kubeconfig),
        "edgeworker_lock_path": str(Path(workdir) / "provision.lock"),
        "edgeworker_kube_repo_base": f"{base}/core:/stable:/",
        "edgeworker_containerd_rpm_repo_base": f"{base}/docker-ce/linux/centos",
        "edgeworker_report_enabled": False,
        "edgeworker_prepull_enabled": False,  # the lab has no image registry
        "edgeworker_node_ready_delay": 1,
        # Lab hosts are registered with made-up MACs; test_mgmt_network.py runs that role.
        "edgeworker_manage_mgmt_interface": False,
    }
    values.update(extra)
    return values


def write_inventory(lab, hosts, path, host_vars=None):
    inventory = lab.inventory(hosts, group="edgeworker")
    for name, extra in (host_vars or {}).items():
        inventory["all"]["children"]["edgeworker"]["hosts"][name].update(extra)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def provision(
    lab,
    hosts,
    workdir,
    extra_vars=None,
    args=(),
    playbook=PROVISION,
    host_vars=None,
    env=None,
    timeout=900,
    bin_dir=None,
):
    """Run the playbook; returns the CompletedProcess (never raises on a failed run).
    bin_dir: where ansible-playbook is (default: the project venv's; ansible_run.EL8_BIN: 2.16).

    extra_vars are passed through a 0600 vars file, not the command line (they may be secret).
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    inventory = write_inventory(lab, hosts, workdir / "inventory.yml", host_vars)
    vars_file = workdir / "vars.json"
    fd = os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(lab_vars(lab, workdir, **(extra_vars or {})), handle)
    argv = [ansible_bin("ansible-playbook", bin_dir), "-i", inventory, playbook]
    argv += ["-e", f"@{vars_file}"]
    argv += list(args)
    control_dir = Path(tempfile.mkdtemp(prefix="ewcp-"))  # short: a socket path has a limit
    environment = {
        **lab.ansible_env(),
        "ANSIBLE_CONFIG": str(PLAYBOOK_DIR / "ansible.cfg"),
        # One SSH connection per host for the whole run (the lab default opens one per task);
        # the masters are closed explicitly below, so none outlives the run.
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=120s",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir),
        "ANSIBLE_SSH_CONTROL_PATH": "%(directory)s/%%C",
        "TMPDIR": run_temp_env(workdir)["TMPDIR"],  # e.g. kubernetes.core's k8srcp-*.json
        **(env or {}),
    }
    try:
        result = run(argv, env=environment, check=False, timeout=timeout, cwd=PLAYBOOK_DIR)
    finally:
        close_masters(control_dir)
        shutil.rmtree(control_dir, ignore_errors=True)
    (workdir / "last-run.log").write_text(result.stdout + "\n--- stderr ---\n" + result.stderr)
    return result


def close_masters(control_dir):
    """Stop the SSH control masters of a run (each by its own socket)."""
    for socket in Path(control_dir).glob("*"):
        run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "lab-host"], check=False,
            timeout=30)


def failure_text(result):
    return f"playbook failed:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
