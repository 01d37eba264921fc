"""Fixtures shared by the unit and functional suites.

Each test gets its own SQLite database, copied from a template that the migrations built
once per session, its own state directory (dnsmasq files) and a clean global CONF.
The session runs in a private temp dir and fails if a fixture left anything in it
(tests/hygiene.py).
"""

import shutil

import pytest
import webtest

from sysinv_edgeworker.conf import CONF
from sysinv_edgeworker.db.sqlalchemy import engine as db_engine
from tests.hygiene import pytest_configure, pytest_sessionfinish  # noqa: F401 - hooks


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
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate("sqlite:///%s" % path)
    return path


def _migrate(url):
    from sysinv_edgeworker.db import migration
    CONF.set_override("connection", url, group="database")
    db_engine.dispose()
    try:
        migration.upgrade("head")
    finally:
        db_engine.dispose()
        CONF.clear_override("connection", group="database")


@pytest.fixture(scope="session")
def postgres_server():
    from tests.servers.postgres import PostgresServer
    server = PostgresServer().start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def pg_template(postgres_server):
    name = postgres_server.create_database()
    _migrate(postgres_server.url(name))
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def db_url(request, template_db, tmp_path):
    """A fresh database per test, copied from a migrated template: SQLite and PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "db.sqlite"
        shutil.copy(template_db, path)
        yield "sqlite:///%s" % path
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database(template=request.getfixturevalue("pg_template"))
    yield server.url(name)
    db_engine.dispose()
    server.drop_database(name)


@pytest.fixture
def db(conf, db_url):
    conf.set_override("connection", db_url, group="database")
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
