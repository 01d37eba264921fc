"""Mutation score per module (mutmut 3, pinned in test-requirements.txt): prints JSON
{module: {killed, survived, equivalent, timeout, no_tests, total, score, score_raw}};
``score`` is the share of mutants the tests kill among those that can change behaviour
(killed / (total - equivalent)), ``score_raw`` the share of all of them (a timeout counts as
killed, as mutmut counts it).

A surviving mutant counts as equivalent only when benchmarks/mutation_equivalent.json
records it with the reason it cannot change behaviour and the line it writes (``+ ...`` in
``mutmut show``); if that line no longer matches (the code moved and mutmut renumbered its
mutants), it counts as survived and is listed under ``equivalent_stale``.

Each module is mutated alone, in a temporary copy of the package and the tests, against only
the fast unit tests that cover it (the machine is small): ``python benchmarks/mutation.py
[module ...]`` with modules named as in MODULES (default: all). The goal is >= 0.9 each.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.json")
PKG = "sysinv_edgeworker"
# module (under sysinv_edgeworker/) -> the unit tests that cover it
MODULES = {
    "common/validators.py": ["tests/unit/test_validators.py"],
    "kube/version.py": ["tests/unit/kube/test_kube_version.py"],
    "kube/skew.py": ["tests/unit/kube/test_kube_skew.py",
                     "tests/unit/kube/test_kube_check_report.py"],
    "conductor/allocator.py": ["tests/unit/test_allocator.py"],
    "api/host_rules.py": ["tests/unit/test_host_rules.py",
                          "tests/unit/test_host_rules_fields.py",
                          "tests/unit/test_host_rules_changes.py",
                          "tests/unit/test_host_rules_tunnel.py"],
}
KILLED = ("killed", "timeout")


def _config(module, tests):
    lines = "\n    ".join
    return ("\n[mutmut]\nsource_paths =\n    %s/\nonly_mutate =\n    %s/%s\n"
            "pytest_add_cli_args =\n    -p\n    no:randomly\n    -q\n"
            "pytest_add_cli_args_test_selection =\n    %s\n"
            % (PKG, PKG, module, lines(tests)))


def _added_lines(diff):
    return {line[1:].strip() for line in diff.splitlines()
            if line.startswith("+") and not line.startswith("+++")}


def score(module, tests, diffs=False):
    equivalent = json.loads(EQUIVALENT.read_text()).get(module, {}) if EQUIVALENT.exists() \
        else {}
    with tempfile.TemporaryDirectory(prefix="sysinv-ew-mutation-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / PKG, work / PKG,
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "tests", work / "tests",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "setup.cfg"):
            shutil.copy(REPO / name, work / name)
        with open(work / "setup.cfg", "a") as cfg:
            cfg.write(_config(module, tests))
        mutmut = [sys.executable, "-m", "mutmut"]
        run = subprocess.run(mutmut + ["run", "--max-children", "2"], cwd=work,
                             capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError("mutmut run failed for %s:\n%s%s"
                               % (module, run.stdout[-3000:], run.stderr[-3000:]))
        res = subprocess.run(mutmut + ["results", "--all", "true"], cwd=work,
                             capture_output=True, text=True, check=True)
        statuses = {}
        for line in res.stdout.splitlines():
            name, _, status = line.strip().rpartition(": ")
            if name:
                statuses[name] = status
        shown = {name: subprocess.run(mutmut + ["show", name], cwd=work, capture_output=True,
                                      text=True).stdout
                 for name, status in statuses.items()
                 if status not in KILLED and (diffs or name in equivalent)}
    counts, survivors, equal, stale = {}, [], [], []
    for name, status in statuses.items():
        counts[status] = counts.get(status, 0) + 1
        if status in KILLED:
            continue
        entry = equivalent.get(name)
        if entry and status == "survived" and entry["line"] in _added_lines(shown[name]):
            equal.append(name)
        else:
            survivors.append(name)
            if entry:
                stale.append(name)
    total = sum(counts.values())
    killed = sum(counts.get(s, 0) for s in KILLED)
    live = total - len(equal)
    return {"killed": killed, "survived": counts.get("survived", 0),
            "equivalent": len(equal),
            "timeout": counts.get("timeout", 0), "no_tests": counts.get("no tests", 0),
            "other": {s: n for s, n in counts.items()
                      if s not in KILLED + ("survived", "no tests")},
            "total": total, "score": round(killed / live, 3) if live else None,
            "score_raw": round(killed / total, 3) if total else None,
            "not_killed": {n: shown.get(n) for n in sorted(survivors)} if diffs
            else sorted(survivors),
            "equivalent_stale": sorted(stale)}


def main(argv):
    parser = argparse.ArgumentParser(
        prog="benchmarks/mutation.py",
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        epilog="Each module is mutated alone against its unit tests (MODULES); the goal is "
        ">= 0.9 per module. Takes about 7 minutes for all five on 2 CPUs.",
    )
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help="modules under sysinv_edgeworker/ (default: all of %s)"
                        % ", ".join(MODULES))
    parser.add_argument("--diffs", action="store_true",
                        help="list each mutant not killed with its diff (mutmut show)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error("unknown module(s) %s; known: %s" % (", ".join(unknown), ", ".join(MODULES)))
    modules = args.modules or list(MODULES)
    print(json.dumps({m: score(m, MODULES[m], args.diffs) for m in modules}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
