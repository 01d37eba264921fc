"""Fixtures shared by the unit and functional suites.

Each test gets its own SQLite database, copied from a template that the migrations built
once per session, its own state directory (dnsmasq files) and a clean global CONF.
"""

import shutil

import pytest
import webtest

from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db.sqlalchemy import engine as db_engine


@pytest.fixture(scope="session", autouse=True)
def _parsed_conf():
    CONF([], project="sysinv-edgeworker")
    yield
    CONF.reset()


@pytest.fixture
def conf(tmp_path):
    """The global CONF with per-test overrides, all cleared afterwards."""
    state = tmp_path / "state"
    state.mkdir()
    CONF.set_override("state_path", str(state))
    yield CONF
    CONF.reset()  # drops every override set by the test


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    from sysinv_edgeworker.db import migration
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    CONF.set_override("connection", "sqlite:///%s" % path, group="database")
    db_engine.dispose()
    migration.upgrade("head")
    db_engine.dispose()
    CONF.clear_override("connection", group="database")
    return path


@pytest.fixture
def db(conf, template_db, tmp_path):
    path = tmp_path / "db.sqlite"
    shutil.copy(template_db, path)
    conf.set_override("connection", "sqlite:///%s" % path, group="database")
    db_engine.dispose()
    from sysinv_edgeworker.db import api as db_api
    yield db_api.get_instance()
    db_engine.dispose()


@pytest.fixture
def manager(conf, db):
    from sysinv_edgeworker.conductor import local
    from sysinv_edgeworker.conductor import manager as manager_mod
    mgr = manager_mod.ConductorManager(conf)
    mgr.start()
    local.set_manager(mgr)
    yield mgr
    local.set_manager(None)


@pytest.fixture
def api(manager):
    """The WSGI app in-process (WebTest), rpc_transport = none."""
    from sysinv_edgeworker.api import app
    return webtest.TestApp(app.setup_app())
