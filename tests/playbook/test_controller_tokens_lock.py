"""Long runs (issue 17 item 4): a bootstrap token with time left for every serial batch, every
token of the run deleted at the end (also after a failure), and a run lock that is taken over
only when its owner is gone - never because of its age.

The token tests run the real ansible-playbook against the Kubernetes API double of
tests/kubeapi.py (the lab API server, a test double for kube-apiserver; no root, no lab lock).
They use provision.yml's own play-2 variables and its own renewal task, read from the file, so
a change there is what is tested. The lock tests run the real lock module as Ansible runs a
module (JSON arguments in, JSON result out) against lock files in tmp_path.
"""

import base64
import datetime
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.playbook import controller_run as cr

pytestmark = pytest.mark.functional

LOCK_MODULE = cr.PLAYBOOK_DIR / "roles/edgeworker_controller/library/edgeworker_lock.py"
RENEW_TASK = "Edgeworker | A bootstrap token with time left for this batch's joins"


def _provision_play2():
    plays = yaml.safe_load((cr.PLAYBOOK_DIR / "provision.yml").read_text())
    play = next(p for p in plays if p["hosts"] == "edgeworker")
    block = next(t for t in play["tasks"] if "block" in t)["block"]
    return play["vars"], next(t for t in block if t["name"] == RENEW_TASK)


def _tokens(cp):
    items = cp.request("GET", "/api/v1/namespaces/kube-system/secrets")["items"]
    return {
        s["metadata"]["name"][len("bootstrap-token-") :]: {
            k: base64.b64decode(v).decode() for k, v in s["data"].items()
        }
        for s in items
        if s["metadata"]["name"].startswith("bootstrap-token-")
    }


def _batched_run(cp, workdir, ttl, min_remaining, fail_host=None):
    """Controller play, then provision.yml's renewal task in a serial-1 play over three hosts
    that records, per batch, the token the join would use and the tokens the cluster has; then
    the cleanup play. fail_host fails after its renewal (caught like provision.yml's rescue)."""
    play_vars, renew = _provision_play2()
    record = workdir / "batches.jsonl"
    hosts = {f"edge-{i}": {} for i in (1, 2, 3)}
    snapshot = {
        "name": "Test | Record the batch's token and the cluster's tokens",
        "kubernetes.core.k8s_info": {
            "kubeconfig": str(cp.kubeconfig),
            "kind": "Secret",
            "namespace": "kube-system",
        },
        "delegate_to": "localhost",
        "register": "cluster_secrets",
        "no_log": True,
    }
    line = (
        "{{ {'host': inventory_hostname, 'join_id': edgeworker_join_token.split('.')[0], "
        "'fact_id': edgeworker_join_token_id, "
        "'token_ok': edgeworker_join_token is match('^[a-z0-9]{6}[.][a-z0-9]{16}$'), "
        "'cluster': cluster_secrets.resources | map(attribute='metadata.name') "
        "| select('match', 'bootstrap-token-') | list} | to_json }}"
    )
    write = {
        "name": "Test | Append the record",
        "ansible.builtin.lineinfile": {
            "path": str(record),
            "line": line,
            "create": True,
            "mode": "0600",
        },
        "delegate_to": "localhost",
        "no_log": True,
    }
    fail = {
        "name": "Test | This host fails after its renewal",
        "ansible.builtin.fail": {"msg": "failed on purpose"},
        "when": f"inventory_hostname == '{fail_host}'",
    }
    plays = [
        cr.controller_play(),
        {
            "name": "Batches",
            "hosts": "all:!localhost",
            "gather_facts": False,
            "serial": 1,
            "vars": play_vars,
            "tasks": [
                {
                    "name": "Test | A batch",
                    "block": [renew, snapshot, write, fail],
                    "rescue": [
                        {"name": "Test | Caught", "ansible.builtin.set_fact": {"caught": True}}
                    ],
                }
            ],
        },
        cr.cleanup_play(),
    ]
    variables = {
        "edgeworker_kubeconfig": str(cp.kubeconfig),
        "edgeworker_lock_path": str(workdir / "run" / "provision.lock"),
        "edgeworker_token_ttl_seconds": ttl,
        "edgeworker_token_min_remaining_seconds": min_remaining,
    }
    result = cr.run(workdir, plays, cr.write_inventory(workdir, hosts), variables, verbose=True)
    batches = [json.loads(x) for x in record.read_text().splitlines()] if record.exists() else []
    return result, batches


def test_every_batch_gets_a_fresh_token_and_all_are_deleted_after_a_failure(kube_api, tmp_path):
    """min remaining == TTL: each batch finds too little time left (time has passed since the
    token was made), so each gets its own token; the replaced one is gone before the batch
    joins; the last batch fails and still every token of the run is deleted."""
    result, batches = _batched_run(
        kube_api, tmp_path, ttl=300, min_remaining=300, fail_host="edge-3"
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-6000:]
    assert [b["host"] for b in batches] == ["edge-1", "edge-2", "edge-3"]
    ids = [b["join_id"] for b in batches]
    assert len(set(ids)) == 3, batches  # a new token per batch
    for batch in batches:
        assert batch["token_ok"] and batch["fact_id"] == batch["join_id"]
        # the batch's token is the only one in the cluster: the replaced one was deleted
        assert batch["cluster"] == [f"bootstrap-token-{batch['join_id']}"], batch
    assert "replaced by a new token" in out and "failed on purpose" in out
    assert _tokens(kube_api) == {}  # all deleted although edge-3 failed
    assert not (tmp_path / "run" / "provision.lock").exists()
    assert "ESTABLISH LOCAL CONNECTION" in out  # -vvv: no token secret shows
    for token_id in ids:
        assert not re.search(token_id + r"\.[a-z0-9]{16}", out)


def test_a_token_with_time_left_serves_the_next_batches(kube_api, tmp_path):
    """The default bound (600 s of a 1200 s token): the batches keep the run's token, whose
    description names the run and which is scoped as kubeadm scopes a join token."""
    run_dir = tmp_path / "keep"
    run_dir.mkdir()
    result, batches = _batched_run(kube_api, run_dir, ttl=1200, min_remaining=600)
    assert result.returncode == 0, result.stdout[-6000:]
    assert len(batches) == 3 and len({b["join_id"] for b in batches}) == 1, batches
    assert "left for this batch (at least 600 s wanted): kept." in " ".join(result.stdout.split())
    assert _tokens(kube_api) == {}


def test_the_token_is_short_lived_and_scoped(kube_api, tmp_path):
    """The Secret the controller play creates: TTL as asked (at most an hour), kubeadm's usages
    and group, a description naming the run's owner; nothing else."""
    facts_file, go = tmp_path / "facts.json", tmp_path / "go"
    hold = {"name": "Test | Hold", "ansible.builtin.wait_for": {"path": str(go), "timeout": 120}}
    plays = [cr.controller_play([cr.dump_facts_task(facts_file), hold]), cr.cleanup_play()]
    variables = {
        "edgeworker_kubeconfig": str(kube_api.kubeconfig),
        "edgeworker_lock_path": str(tmp_path / "run" / "provision.lock"),
    }
    proc = cr.start(tmp_path, plays, cr.write_inventory(tmp_path), variables)
    try:
        from tests.playbook.test_controller_role import wait_file

        facts = wait_file(facts_file, proc, tmp_path)
        tokens = _tokens(kube_api)
    finally:
        go.touch()
        code, out = cr.finish(proc, tmp_path)
    assert code == 0, out[-6000:]
    data = tokens.pop(facts["edgeworker_join_token_id"])
    assert tokens == {}
    data.pop("token-secret")
    expires = datetime.datetime.fromisoformat(data.pop("expiration").replace("Z", "+00:00"))
    assert 1100 < (expires - datetime.datetime.now(datetime.UTC)).total_seconds() <= 1200
    description = data.pop("description")
    assert description.startswith("provision_edgeworker run ")
    assert (
        f" on {socket.gethostname()}); deleted when the run ends [token 1 of the run]"
        in description
    )
    assert data == {
        "token-id": facts["edgeworker_join_token_id"],
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
    }
    assert _tokens(kube_api) == {}


def test_cleanup_deletes_every_token_the_run_recorded(kube_api, tmp_path):
    """Two tokens left in the cluster (a second one made while the first was not replaced, as
    when a renewal's delete of the old token failed): cleanup deletes both, not only the
    current one."""
    state_file = tmp_path / "state.json"
    second = {
        "name": "Test | A second token of the run",
        "ansible.builtin.include_role": {"name": "edgeworker_controller", "tasks_from": "05-token"},
    }
    dump = {
        "name": "Test | Dump the run's token ids and the cluster's tokens",
        "ansible.builtin.copy": {
            "dest": str(state_file),
            "mode": "0600",
            "content": "{{ {'ids': edgeworker_controller_state.token_ids, 'cluster': "
            "lookup('kubernetes.core.k8s', kind='Secret', namespace='kube-system', "
            "kubeconfig=edgeworker_kubeconfig) | map(attribute='metadata.name') "
            "| select('match', 'bootstrap-token-') | list} | to_json }}",
        },
        "no_log": True,
    }
    variables = {
        "edgeworker_kubeconfig": str(kube_api.kubeconfig),
        "edgeworker_lock_path": str(tmp_path / "run" / "provision.lock"),
    }
    plays = [cr.controller_play([second, dump]), cr.cleanup_play()]
    result = cr.run(tmp_path, plays, cr.write_inventory(tmp_path), variables)
    assert result.returncode == 0, result.stdout[-6000:]
    state = json.loads(state_file.read_text())
    assert len(state["ids"]) == 2
    assert sorted(state["cluster"]) == sorted(f"bootstrap-token-{i}" for i in state["ids"])
    assert _tokens(kube_api) == {}


def test_bad_min_remaining_is_refused_naming_the_variable(kube_api, tmp_path):
    hosts = {
        name: {
            "edgeworker_kubeconfig": str(kube_api.kubeconfig),
            "edgeworker_token_min_remaining_seconds": value,
        }
        for name, value in (("tooshort", 10), ("toolong", 1201), ("notanumber", "ten"))
    }
    play = {
        "name": "Controller",
        "hosts": "all:!localhost",
        "gather_facts": False,
        "roles": [{"role": "edgeworker_controller"}],
    }
    result = cr.run(
        tmp_path,
        [play],
        cr.write_inventory(tmp_path, hosts),
        {"edgeworker_lock_path": str(tmp_path / "lock" / "provision.lock")},
    )
    out = " ".join(result.stdout.split())
    assert result.returncode == 2
    for value in ("10", "1201"):
        assert (
            "edgeworker_token_min_remaining_seconds must be a whole number of seconds "
            f"from 30 to edgeworker_token_ttl_seconds (1200) (got '{value}')"
        ) in out
    # not a number: the role's argument spec refuses it first
    assert (
        "argument 'edgeworker_token_min_remaining_seconds' is of type str and we were unable "
        "to convert to int"
    ) in out
    assert _tokens(kube_api) == {} and not (tmp_path / "lock" / "provision.lock").exists()


# --- the run lock --------------------------------------------------------------------------


def _lock(path, state="present", run_id="newrun000001"):
    """Run the lock module as Ansible does; returns its JSON result."""
    args = Path(path).parent / "args.json"
    args.write_text(
        json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(path), "run_id": run_id, "state": state}})
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(LOCK_MODULE), str(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    args.unlink()
    return json.loads(proc.stdout)


def _me():
    with open(f"/proc/{os.getpid()}/stat") as handle:
        start = handle.read().rsplit(")", 1)[1].split()[19]
    with open("/proc/sys/kernel/random/boot_id") as handle:
        boot = handle.read().strip()
    return {
        "run_id": "oldrun000001",
        "pid": os.getpid(),
        "pid_start": start,
        "host": socket.gethostname(),
        "boot_id": boot,
        "created_epoch": 86400.0,
        "created": "1970-01-02T00:00:00Z",
    }


@pytest.fixture
def lock_path(tmp_path):
    path = tmp_path / "run" / "provision.lock"
    path.parent.mkdir()
    return path


def test_an_old_lock_of_a_live_owner_is_refused_naming_it(lock_path):
    """Created days ago, but its owner (this test process) still runs on this boot: refused,
    naming host, pid and since when; the lock is left as it was."""
    owner = _me()
    lock_path.write_text(json.dumps(owner))
    result = _lock(lock_path)
    assert result.get("failed"), result
    assert result["msg"] == (
        "another provision_edgeworker run holds the lock since 1970-01-02T00:00:00Z "
        f"(pid {os.getpid()} on {socket.gethostname()}, run oldrun000001): {lock_path}: its "
        f"owner process {os.getpid()} is still running; wait for it to finish (a lock whose "
        "owner is gone is taken over automatically)."
    )
    assert json.loads(lock_path.read_text()) == owner


def test_a_lock_from_before_a_reboot_is_taken_over(lock_path):
    """Same host, pid alive now, but another boot id: that owner cannot be running."""
    owner = dict(_me(), boot_id="00000000-0000-0000-0000-000000000000")
    lock_path.write_text(json.dumps(owner))
    result = _lock(lock_path)
    assert not result.get("failed"), result
    assert result["taken_over"] == owner
    assert "this host rebooted since it was taken (boot id 00000000-" in result["msg"]
    new = json.loads(lock_path.read_text())
    assert new["run_id"] == "newrun000001" and new["boot_id"] == _me()["boot_id"]
    assert new["host"] == socket.gethostname() and isinstance(new["pid"], int)
    assert _lock(lock_path, "absent")["changed"] and not lock_path.exists()


@pytest.mark.parametrize(
    "owner,why",
    [
        (
            {
                "run_id": "x",
                "pid": 1,
                "host": "other-controller",
                "created": "2026-01-01T00:00:00Z",
                "created_epoch": 0,
            },
            "it was taken on another host, other-controller, where this run "
            "cannot check whether pid 1 still runs; if that run is gone, remove ",
        ),
        (
            {},
            "the lock file names no owner (host and pid); if no provision_edgeworker run is "
            "going, remove ",
        ),
    ],
)
def test_a_lock_whose_owner_cannot_be_checked_is_refused(lock_path, owner, why):
    lock_path.write_text(json.dumps(owner))
    result = _lock(lock_path)
    assert result.get("failed"), result
    assert why + str(lock_path) in result["msg"]
    if owner:
        assert "since 2026-01-01T00:00:00Z (pid 1 on other-controller, run x)" in result["msg"]
    assert json.loads(lock_path.read_text()) == owner
