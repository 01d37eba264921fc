"""Engine and transactions (oslo.db enginefacade).

SQLite gets WAL journaling and ``BEGIN IMMEDIATE`` for write transactions, so concurrent
writers queue on the database lock instead of failing when a read transaction tries to
upgrade to a write (SQLite's only real answer to two writers). PostgreSQL is left as is.
"""

import contextlib
import threading

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade

from oslo_log import log

from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)

_CONTEXT = threading.local()
_STATE = threading.local()
_lock = threading.Lock()
_manager = None


def _install_sqlite_events(engine):
    # oslo.db disables pysqlite's implicit BEGIN and emits a plain (deferred) BEGIN itself;
    # its listener is replaced by one that knows whether the transaction will write.
    for fn in list(engine.dispatch.begin):
        if getattr(fn, "__name__", "") == "_sqlite_emit_begin":
            sa.event.remove(engine, "begin", fn)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        if "in_transaction" not in conn.info:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if getattr(_STATE, "writing", 0) else "BEGIN")
            conn.info["in_transaction"] = True

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _end(conn):
        conn.info.pop("in_transaction", None)


def _pool_sqlite_file(engine):
    """oslo.db gives file SQLite a NullPool: a new connection (and its PRAGMAs, and a WAL
    checkpoint when it closes) for every session, several per request. Keep a small pool of
    connections instead, usable from any thread (each is used by one thread at a time)."""
    if engine.url.database in (None, "", ":memory:") or \
            not isinstance(engine.pool, sa.pool.NullPool):
        return
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    cparams = dict(cparams, check_same_thread=False)
    old = engine.pool
    engine.pool = sa.pool.QueuePool(
        lambda: engine.dialect.connect(*cargs, **cparams), pool_size=5, max_overflow=20,
        timeout=30, recycle=old._recycle, echo=old.echo, logging_name=old._orig_logging_name,
        reset_on_return=old._reset_on_return, _dispatch=old.dispatch, dialect=old._dialect)
    old.dispose()


def get_manager():
    global _manager
    with _lock:
        if _manager is None:
            manager = enginefacade.transaction_context()
            # thread_checkin adds a sleep(0) per connection check-in so greenthreads can
            # switch; this service runs OS threads, where it only costs time (~80 us each).
            manager.configure(sqlite_fk=True, thread_checkin=False)
            _manager = manager
            engine = manager.writer.get_engine()
            if engine.dialect.name == "sqlite":
                _pool_sqlite_file(engine)
                _install_sqlite_events(engine)
                engine.dispose()  # drop connections opened before the events existed
        return _manager


def get_engine():
    return get_manager().writer.get_engine()


def dispose():
    """Forget the engine (tests switching databases, forked processes)."""
    global _manager
    with _lock:
        if _manager is not None:
            try:
                _manager.writer.get_engine().dispose()
            finally:
                _manager = None


# Errors meaning "the database cannot be reached or the connection broke", whether oslo.db
# translated them (queries) or not (a failed connect at pool checkout surfaces raw).
_UNAVAILABLE = (db_exc.DBConnectionError, sa.exc.OperationalError, sa.exc.InterfaceError,
                sa.exc.DisconnectionError)


@contextlib.contextmanager
def _unavailable_as_503():
    try:
        yield
    except _UNAVAILABLE as err:
        LOG.warning("Database unavailable: %s", str(err).splitlines()[0])
        raise exception.ServiceUnavailable(
            reason="The database is unavailable; retry when it is back.") from None


@contextlib.contextmanager
def writer():
    """A write transaction; nested calls in the same thread join the outer one."""
    _STATE.writing = getattr(_STATE, "writing", 0) + 1
    try:
        with _unavailable_as_503(), get_manager().writer.using(_CONTEXT) as session:
            yield session
    finally:
        _STATE.writing -= 1


@contextlib.contextmanager
def reader():
    with _unavailable_as_503(), get_manager().reader.using(_CONTEXT) as session:
        yield session
