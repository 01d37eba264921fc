"""Command line for the provisioning lab:  python -m tests.lab COMMAND

build                          build/refresh the cached base root, layers and package repos
build-kube                     build (once, cached) real Kubernetes v1.20.2 from Debian's source
up [--host NAME:FLAVOUR[:MODE]] ... [--real] [--json FILE]   start the lab (sweeping any stale
                               run) and optional hosts; the JSON status goes to stdout (or FILE);
                               --real also starts the real v1.20.2 control plane, its registry
                               and CNI (tests/lab/realstack.py; builds Kubernetes on a cold cache)
real-vars FILE                 write the playbook variables for the real cluster to FILE (0600:
                               it holds the registry password)
run-pod NODE                   run a busybox pod on NODE in the real cluster; print its log
add-host NAME FLAVOUR [--mode ssh|systemd]      remove-host NAME
ssh NAME [COMMAND...]          real SSH into a lab host
status | inventory | down      show state / print an Ansible inventory / tear everything down
locked -- COMMAND ...          run COMMAND holding the lab's run locks (e.g. a whole demo: up, use,
                               down) so that no other lab session sweeps it meanwhile
bench [--hosts N]              JSON timings: base build, host up and host down per mode
prune                          delete cached roots/repos that no longer match a recipe

stdout carries only each command's JSON/YAML; `[lab] ...` progress lines go to stderr.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.lab import base, config, flavours, kubebuild, repos
from tests.lab.lab import Lab, leftovers
from tests.lab.realstack import RealStack


def _host_spec(text):
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected NAME:FLAVOUR[:MODE]")
    flavours.get(parts[1])
    return parts[0], parts[1], parts[2] if len(parts) == 3 else "ssh"


def cmd_up(args):
    lab = Lab(version=args.version, ca_kind=args.ca).up()
    real = RealStack(lab).up() if args.real else None
    for name, flavour, mode in args.host:
        started = time.monotonic()
        host = lab.add_host(name, flavour, mode)
        config.progress(
            f"host {name} ({flavour}, {mode}) up at {host.ip} in {time.monotonic() - started:.1f}s"
        )
    cluster = real.cluster if real else lab.control_plane
    text = json.dumps(
        {
            **lab.status(),
            "kubeconfig": str(cluster.kubeconfig),
            "real_kubernetes": bool(real),
            "ca_cert_hash": cluster.ca_hash,
            "timings": lab.timings,
        },
        indent=2,
    )
    if args.json:
        Path(args.json).write_text(text + "\n")
    else:
        print(text)


def cmd_locked(args):
    """Run a command while holding the lab's run locks (its lab CLI calls skip them), so that no
    other lab session sweeps the lab it starts; SIGINT/SIGTERM are passed on to it."""
    argv = args.command_argv[1:] if args.command_argv[:1] == ["--"] else args.command_argv
    if not argv:
        raise ValueError("locked: no command given")
    lab = Lab()
    lab._acquire(wait=True)  # held by `lab` until it is released below
    child = subprocess.Popen(argv, env={**os.environ, "LAB_LOCK_HELD": "1"})

    def forward(signum, frame):
        child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    finally:
        lab._release()


def cmd_bench(args):
    started = time.monotonic()
    lab = Lab().up()
    result = {
        "lab_up_s": round(time.monotonic() - started, 2),
        **lab.timings,
        "base_build_recorded_s": base.recorded_build_seconds(lab.base_root),
        "hosts": [],
    }
    try:
        for mode, flavour in (("ssh", "ubuntu2204"), ("ssh", "rocky9"), ("systemd", "ubuntu2204")):
            for i in range(args.hosts):
                name = f"b{mode[:2]}{flavour[:3]}{i}"
                t0 = time.monotonic()
                lab.add_host(name, flavour, mode)
                t1 = time.monotonic()
                lab.remove_host(name)
                result["hosts"].append(
                    {
                        "mode": mode,
                        "flavour": flavour,
                        "up_s": round(t1 - t0, 3),
                        "down_s": round(time.monotonic() - t1, 3),
                    }
                )
    finally:
        t0 = time.monotonic()
        lab.down()
        result["lab_down_s"] = round(time.monotonic() - t0, 2)
    result["leftovers"] = leftovers(config.RUN_DIR)
    print(json.dumps(result, indent=2))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tests.lab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build")
    up = sub.add_parser("up")
    up.add_argument("--host", action="append", default=[], type=_host_spec)
    up.add_argument(
        "--version", default=None, help="Kubernetes version the lab cluster reports (v1.29.2)"
    )
    up.add_argument("--ca", choices=("rsa", "ec"), default=None)
    up.add_argument(
        "--json", metavar="FILE", help="write the lab's JSON status to FILE instead of stdout"
    )
    up.add_argument(
        "--real",
        action="store_true",
        help="also start the real Kubernetes v1.20.2 control plane, registry and CNI",
    )
    real_vars = sub.add_parser("real-vars")
    real_vars.add_argument("file")
    run_pod = sub.add_parser("run-pod")
    run_pod.add_argument("node")
    add = sub.add_parser("add-host")
    add.add_argument("name")
    add.add_argument("flavour", choices=sorted(flavours.FLAVOURS))
    add.add_argument("--mode", choices=("ssh", "systemd"), default="ssh")
    rm = sub.add_parser("remove-host")
    rm.add_argument("name")
    ssh = sub.add_parser("ssh")
    ssh.add_argument("name")
    ssh.add_argument("remote", nargs=argparse.REMAINDER)
    for simple in ("status", "inventory", "down", "prune", "build-kube"):
        sub.add_parser(simple)
    locked = sub.add_parser("locked")
    locked.add_argument("command_argv", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    bench = sub.add_parser("bench")
    bench.add_argument("--hosts", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        config.check_requirements()
    except config.LabUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args)
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _dispatch(args):

    if args.command == "build":
        print(json.dumps(Lab().build().timings))
    elif args.command == "build-kube":
        t0 = time.monotonic()
        out = kubebuild.ensure()
        print(json.dumps({"bin": str(out), "ensure_s": round(time.monotonic() - t0, 2),
                          "build": kubebuild.build_record()}, indent=2))
    elif args.command == "up":
        cmd_up(args)
    elif args.command == "locked":
        return cmd_locked(args)
    elif args.command == "down":
        Lab().down()
        print(json.dumps(leftovers(config.RUN_DIR)))
    elif args.command == "bench":
        cmd_bench(args)
    elif args.command == "prune":
        lab = Lab().build()
        keep = {lab.base_root} | {base.ensure_layer(name, lab.base_root) for name in base.LAYERS}
        print(json.dumps({"removed": base.prune(keep) + repos.prune(lab.repos.path)}))
    else:
        if not (config.RUN_DIR / "lab.json").exists():
            print("error: the lab is not running (python -m tests.lab up)", file=sys.stderr)
            return 1
        lab = Lab.attach()
        if args.command == "status":
            print(json.dumps(lab.status(), indent=2))
        elif args.command == "inventory":
            print(yaml.safe_dump(lab.inventory(), sort_keys=False), end="")
        elif args.command == "real-vars":
            fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                yaml.safe_dump(RealStack.attach(lab).playbook_vars(), handle, sort_keys=False)
        elif args.command == "run-pod":
            result = RealStack.attach(lab).run_pod(args.node)
            print(result["log"], end="")
        elif args.command == "add-host":
            host = lab.add_host(args.name, args.flavour, args.mode)
            print(json.dumps({"name": host.name, "ip": host.ip, "mode": host.mode}))
        elif args.command == "remove-host":
            lab.remove_host(args.name)
        elif args.command == "ssh":
            host = lab.host(args.name)
            argv = host.ssh_argv(" ".join(args.remote)) if args.remote else host.ssh_argv("")[:-1]
            os.execvp("ssh", [str(a) for a in argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
