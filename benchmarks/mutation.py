"""Mutation score per module (mutmut 3, pinned in test-requirements.txt): prints JSON
{module: {killed, survived, timeout, no_tests, total, score}}; ``score`` is the share of
mutants the tests kill (a timeout counts as killed, as mutmut counts it).

Each module is mutated alone, in a temporary copy of the package and the tests, against only
the fast unit tests that cover it (the machine is small): ``python benchmarks/mutation.py
[module ...]`` with modules named as in MODULES (default: all). The goal is >= 0.9 each.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKG = "sysinv_edgeworker"
# module (under sysinv_edgeworker/) -> the unit tests that cover it
MODULES = {
    "common/validators.py": ["tests/unit/test_validators.py"],
    "kube/version.py": ["tests/unit/kube/test_kube_version.py"],
    "kube/skew.py": ["tests/unit/kube/test_kube_skew.py",
                     "tests/unit/kube/test_kube_check_report.py"],
    "conductor/allocator.py": ["tests/unit/test_allocator.py"],
    "api/host_rules.py": ["tests/unit/test_host_rules.py"],
}
KILLED = ("killed", "timeout")


def _config(module, tests):
    lines = "\n    ".join
    return ("\n[mutmut]\nsource_paths =\n    %s/\nonly_mutate =\n    %s/%s\n"
            "pytest_add_cli_args =\n    -p\n    no:randomly\n    -q\n"
            "pytest_add_cli_args_test_selection =\n    %s\n"
            % (PKG, PKG, module, lines(tests)))


def score(module, tests, diffs=False):
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
        shown = {}
        for line in res.stdout.splitlines() if diffs else ():
            name, _, status = line.strip().rpartition(": ")
            if name and status not in KILLED:
                shown[name] = subprocess.run(mutmut + ["show", name], cwd=work,
                                             capture_output=True, text=True).stdout
    counts, survivors = {}, []
    for line in res.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        counts[status] = counts.get(status, 0) + 1
        if status not in KILLED:
            survivors.append(name)
    total = sum(counts.values())
    killed = sum(counts.get(s, 0) for s in KILLED)
    return {"killed": killed, "survived": counts.get("survived", 0),
            "timeout": counts.get("timeout", 0), "no_tests": counts.get("no tests", 0),
            "other": {s: n for s, n in counts.items()
                      if s not in KILLED + ("survived", "no tests")},
            "total": total, "score": round(killed / total, 3) if total else None,
            "not_killed": {n: shown.get(n) for n in sorted(survivors)} if diffs
            else sorted(survivors)}


def main(argv):
    """``--diffs``: each mutant not killed with its diff (mutmut show)."""
    diffs = "--diffs" in argv
    modules = [a for a in argv if a != "--diffs"] or list(MODULES)
    print(json.dumps({m: score(m, MODULES[m], diffs) for m in modules}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
