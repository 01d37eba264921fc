"""The wheel carries the migrations; the sample config matches the options."""

import filecmp
import os
import subprocess
import sys
import zipfile

import pytest

from sysinv_edgeworker.db import migration

pytestmark = pytest.mark.functional
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), ROOT], check=True, capture_output=True, timeout=300)
    (whl,) = out.glob("sysinv_edgeworker-*.whl")
    return whl


def test_wheel_contains_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "sysinv_edgeworker_migrations/env.py" in names
    assert "sysinv_edgeworker_migrations/script.py.mako" in names
    assert "sysinv_edgeworker_migrations/versions/0001_initial.py" in names
    assert "sysinv_edgeworker_migrations/versions/0003_labels.py" in names


def test_dbsync_from_installed_wheel_without_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    cfg = tmp_path / "c.conf"
    cfg.write_text("[DEFAULT]\nstate_path = %s/state\n" % tmp_path)
    env = dict(os.environ, PYTHONPATH=str(target))
    code = ("import sys, sysinv_edgeworker as s, sysinv_edgeworker_migrations as m\n"
            "assert s.__file__.startswith(sys.argv[1]), s.__file__\n"
            "assert m.__file__.startswith(sys.argv[1]), m.__file__\n"
            "from sysinv_edgeworker.cmd import dbsync\n"
            "sys.exit(dbsync.main(['dbsync', '--config-file', sys.argv[2], 'upgrade']))\n")
    out = subprocess.run([sys.executable, "-c", code, str(target), str(cfg)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    # the wheel carries every migration of the source tree
    assert f"Database at revision {migration.head()}" in out.stdout
    assert (tmp_path / "state" / "sysinv-edgeworker.sqlite").exists()


def test_sample_config_is_current(tmp_path):
    gen = os.path.join(os.path.dirname(sys.executable), "oslo-config-generator")
    out = tmp_path / "sample.conf"
    subprocess.run([gen, "--config-file", os.path.join(ROOT, "etc/oslo-config-generator.conf"),
                    "--output-file", str(out)], check=True, capture_output=True, cwd=ROOT,
                   timeout=120)
    assert filecmp.cmp(out, os.path.join(ROOT, "etc/sysinv-edgeworker.conf.sample"),
                       shallow=False), "run: tox -e genconfig"
