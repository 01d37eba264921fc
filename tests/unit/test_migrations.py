"""The migrations, walked on an empty database, produce exactly the models' schema."""

import contextlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sysinv_edgeworker.db import migration
from sysinv_edgeworker.db.sqlalchemy import engine as db_engine
from sysinv_edgeworker.db.sqlalchemy import models


def _diff(conn):
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(ctx, models.Base.metadata)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///%s" % (tmp_path / "m.sqlite")
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    db_engine.dispose()
    server.drop_database(name)


def test_walk_and_compare(conf, empty_db_url):
    conf.set_override("connection", empty_db_url, group="database")
    db_engine.dispose()
    try:
        assert migration.version() is None
        migration.upgrade("head")
        assert migration.version() == migration.head() == "0005"
        assert migration.is_current()
        migration.upgrade("head")  # idempotent
        with db_engine.get_engine().connect() as conn:
            assert _diff(conn) == []
            insp = sa.inspect(conn)
            uniques = {u["name"] for u in insp.get_unique_constraints("hosts")}
            assert {"uniq_hosts0hostname", "uniq_hosts0mgmt_mac", "uniq_hosts0uuid"} <= uniques
            assert "uniq_addresses0pool_id0address" in {
                u["name"] for u in insp.get_unique_constraints("addresses")}
            assert "uniq_hosts0wg_public_key" in uniques
            checks = {c["name"] for c in insp.get_check_constraints("hosts")}
            assert {"ck_hosts0personality", "ck_hosts0mgmt_attach"} <= checks
            assert {"uniq_labels0uuid", "uniq_labels0host_id0label_key"} <= {
                u["name"] for u in insp.get_unique_constraints("labels")}
            fks = insp.get_foreign_keys("labels")
            assert [(f["name"], f["referred_table"], f["options"].get("ondelete"))
                    for f in fks] == [("fk_labels0host_id", "hosts", "CASCADE")]
    finally:
        db_engine.dispose()


def test_personality_check_constraint_enforced(db):
    from oslo_db import exception as db_exc
    with pytest.raises(db_exc.DBError):
        db.host_create({"mgmt_mac": "52:54:00:00:00:01", "personality": "gpu",
                        "administrative": "locked", "operational": "disabled",
                        "availability": "offline", "invprovision": "unprovisioned",
                        "provision_state": "unprovisioned"})


def _insert_edge01():
    with db_engine.get_engine().begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO hosts (uuid, hostname, personality, mgmt_mac, administrative, "
            "operational, availability, invprovision, provision_state) VALUES "
            "('u-1', 'edge-01', 'edgeworker', '52:54:00:00:00:01', 'locked', 'disabled', "
            "'offline', 'unprovisioned', 'unprovisioned')"))


@contextlib.contextmanager
def _upgraded_with_a_host(conf, url, revision):
    """An empty database at ``revision``, a host inserted, then upgraded to head."""
    conf.set_override("connection", url, group="database")
    db_engine.dispose()
    try:
        migration.upgrade(revision)
        _insert_edge01()
        migration.upgrade("head")
        yield
    finally:
        db_engine.dispose()


def test_upgrade_from_0001_keeps_hosts(conf, empty_db_url):
    """0002 alters hosts in batch mode (a table copy on SQLite): rows and constraints survive."""
    with _upgraded_with_a_host(conf, empty_db_url, "0001"), \
            db_engine.get_engine().connect() as conn:
        row = conn.execute(sa.text(
            "SELECT hostname, kube_node_ready, kube_last_seen FROM hosts")).one()
        assert tuple(row) == ("edge-01", None, None)
        checks = {c["name"] for c in sa.inspect(conn).get_check_constraints("hosts")}
        assert {"ck_hosts0personality", "ck_hosts0provision_state"} <= checks


def test_upgrade_from_0002_adds_labels_and_keeps_hosts(conf, empty_db_url):
    """0003 creates the labels table; existing hosts stay, a label per host and key is unique."""
    from oslo_db import exception as db_exc
    insert = sa.text("INSERT INTO labels (uuid, host_id, label_key, label_value) "
                     "SELECT :uuid, id, 'gpu', 'yes' FROM hosts WHERE hostname = 'edge-01'")
    with _upgraded_with_a_host(conf, empty_db_url, "0002"):
        with db_engine.get_engine().begin() as conn:
            assert conn.execute(sa.text("SELECT hostname FROM hosts")).scalar() == "edge-01"
            conn.execute(insert, {"uuid": "l-1"})
        with pytest.raises(db_exc.DBDuplicateEntry) as err:
            with db_engine.get_engine().begin() as conn:
                conn.execute(insert, {"uuid": "l-2"})
        assert set(err.value.columns) >= {"host_id", "label_key"}
