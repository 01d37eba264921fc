"""tests/hygiene.py: a session that leaves something in the temp dir fails and lists it (run in
an inner pytest process with its own TMPDIR)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

LEAKY = '''
import tempfile

def test_clean(tmp_path):
    (tmp_path / "mine").write_text("pytest's basetemp is not a leftover")

def test_leaks_a_key_file():
    fd, path = tempfile.mkstemp(prefix="leaked-key-")
'''


def _inner(tmp_path, body, **env):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(
        "from tests.hygiene import pytest_configure, pytest_sessionfinish  # noqa: F401\n")
    (suite / "test_inner.py").write_text(body)
    temp = tmp_path / "tmp"
    temp.mkdir()
    run_env = {k: v for k, v in os.environ.items() if k != "KEEP_TEST_DIRS"}
    run_env.update(TMPDIR=str(temp), PYTHONPATH=str(REPO), **env)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(suite)], cwd=suite, env=run_env, capture_output=True,
                            text=True, timeout=120)
    return result, temp


def test_a_leftover_fails_the_session_and_is_listed_then_removed(tmp_path):
    result, temp = _inner(tmp_path, LEAKY)
    assert "2 passed" in result.stdout, result.stdout
    assert result.returncode == 1, result.stdout
    assert "FAILED hygiene: the tests left 1 entries in the temp dir" in result.stdout
    listed = [line.strip() for line in result.stdout.splitlines() if "/leaked-key-" in line]
    assert len(listed) == 1 and "/sysinv-ew-tests-" in listed[0]
    assert list(temp.iterdir()) == []  # the session's private temp dir is gone, leftovers too


def test_a_clean_session_passes(tmp_path):
    clean = LEAKY.replace('fd, path = tempfile.mkstemp(prefix="leaked-key-")', "pass")
    result, temp = _inner(tmp_path, clean)
    assert result.returncode == 0, result.stdout
    assert "hygiene" not in result.stdout
    assert list(temp.iterdir()) == []


def test_keep_test_dirs_keeps_the_session_dir(tmp_path):
    result, temp = _inner(tmp_path, LEAKY, KEEP_TEST_DIRS="1")
    assert result.returncode == 1
    [kept] = list(temp.iterdir())
    assert f"KEEP_TEST_DIRS=1: the session's temp dir is kept: {kept}" in result.stdout
    assert [p.name[:11] for p in kept.iterdir() if p.name.startswith("leaked")] == ["leaked-key-"]
    assert any(kept.glob("pytest-of-*/pytest-*/test_clean0/mine"))
