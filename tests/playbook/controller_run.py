"""Run ansible-playbook (the project venv's) on test playbooks that use the provision_edgeworker
roles, with the playbook's own ansible.cfg. Secrets go in a 0600 vars file passed as `-e @file`,
never on the command line."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.servers._proc import run_temp_env

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK_DIR = REPO / "playbooks" / "provision_edgeworker"
ANSIBLE_CFG = PLAYBOOK_DIR / "ansible.cfg"
BIN = Path(sys.executable).parent


def ansible_bin(name):
    path = BIN / name
    assert path.exists(), f"{name} is not installed in this environment ({BIN})"
    return str(path)


def env(workdir):
    """The environment of an ansible run whose temp files go under workdir (removed with it)."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    out.update(ANSIBLE_CONFIG=str(ANSIBLE_CFG), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_STDOUT_CALLBACK="default", PYTHONPATH="", **run_temp_env(workdir))
    return out


def write_inventory(workdir, hosts=None, group_vars=None):
    """localhost (and any extra `hosts`) on the local connection with this venv's Python; the
    file is 0600 as it may hold test credentials."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inv = {"all": {"hosts": {"localhost": dict(local)}, "vars": dict(group_vars or {})}}
    for name, hvars in (hosts or {}).items():
        inv["all"]["hosts"][name] = dict(local, **hvars)
    return write_vars(workdir, inv, "inventory.yml")


def write_vars(workdir, variables, name="vars.yml"):
    path = Path(workdir) / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(yaml.safe_dump(variables, sort_keys=False))
    return path


def command(workdir, plays, inventory, variables=None, verbose=False, extra=()):
    workdir = Path(workdir)
    book = workdir / "play.yml"
    book.write_text(yaml.safe_dump(plays, sort_keys=False))
    argv = [ansible_bin("ansible-playbook"), "-i", str(inventory), str(book), *extra]
    if variables is not None:
        argv += ["-e", "@" + str(write_vars(workdir, variables))]
    if verbose:
        argv.append("-vvv")
    return argv


def run(workdir, plays, inventory, variables=None, verbose=False, timeout=180):
    return subprocess.run(command(workdir, plays, inventory, variables, verbose), env=env(workdir),
                          cwd=str(workdir), capture_output=True, text=True, timeout=timeout,
                          check=False)


def start(workdir, plays, inventory, variables=None, verbose=False):
    """A background run (Popen, output to files in workdir); the caller waits for it."""
    out = open(Path(workdir) / "stdout.txt", "w")  # noqa: SIM115 - closed by finish()
    proc = subprocess.Popen(command(workdir, plays, inventory, variables, verbose),
                            env=env(workdir), cwd=str(workdir), stdout=out,
                            stderr=subprocess.STDOUT, text=True)
    proc.out = out
    return proc


def finish(proc, workdir, timeout=180):
    try:
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.out.close()
    return proc.returncode, (Path(workdir) / "stdout.txt").read_text()


def controller_play(extra_tasks=()):
    return {"name": "Controller", "hosts": "localhost", "gather_facts": False,
            "roles": [{"role": "edgeworker_controller"}], "tasks": list(extra_tasks)}


CLEANUP_TASK = {"name": "Clean up", "ansible.builtin.include_role": {
    "name": "edgeworker_controller", "tasks_from": "cleanup.yml"}}


def cleanup_play():
    return {"name": "Cleanup", "hosts": "localhost", "gather_facts": False,
            "tasks": [CLEANUP_TASK]}


FACTS = ("edgeworker_kube_version", "edgeworker_kube_minor", "edgeworker_api_endpoint",
         "edgeworker_ca_cert_hash", "edgeworker_ca_cert_pem", "edgeworker_join_token_id",
         "edgeworker_prepull_images", "edgeworker_pause_image", "edgeworker_cluster_no_proxy",
         "edgeworker_cgroup_driver", "edgeworker_cgroup_root", "edgeworker_cni_bin_dir")


def dump_facts_task(path):
    """Write the non-secret facts (plus registry host/address/CA and whether a token and a
    password are set) to a JSON file the test reads from outside."""
    facts = "{" + ", ".join(f"'{f}': {f}" for f in FACTS) + (
        ", 'registry': edgeworker_registry | dict2items | rejectattr('key', 'equalto', "
        "'password') | items2dict, 'has_password': edgeworker_registry.password | length > 0, "
        "'token_ok': edgeworker_join_token is match('^[a-z0-9]{6}[.][a-z0-9]{16}$'), "
        "'token_id_ok': edgeworker_join_token.startswith(edgeworker_join_token_id ~ '.')}")
    return {"name": "Test | Dump the facts", "ansible.builtin.copy": {
        "dest": str(path), "mode": "0600", "content": "{{ " + facts + " | to_nice_json }}"},
        "no_log": True}
