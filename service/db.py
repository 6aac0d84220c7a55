"""Engine, sessions and migrations."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from service import changes, stored_text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Requests run their ``def`` parts in AnyIO's thread pool (40 threads by default) and may hold their
# connection between two of them, waiting for a thread. A pool smaller than the thread pool can then
# deadlock: every thread waiting for a connection, every connection held by a request waiting for a thread
# (the old 5 + 10 for SQLite did, for 30 s, then failed requests, with 8 threads and 32 clients). So the
# pool keeps 48 connections (40 threads and the background threads); SQLite, whose connections are cheap,
# opens more when a burst needs them. PostgreSQL stops at 48 per process (mind ``max_connections``).
POOL_SIZE = 10
POOL_MAX = 48
# A PostgreSQL connection back from the pool is checked with a round trip only after this long unused:
# under load every checkout would otherwise cost one; an idle one may have been dropped by the server or
# a firewall in the meantime. A connection that fails anyway (the server restarted under load) is
# detected by SQLAlchemy, which then replaces every connection of the pool.
PING_AFTER_IDLE_S = 5.0
SQLITE_BUSY_TIMEOUT_S = 30.0


def _ensure_sqlite_dir(url: str) -> None:
    """The embedded default needs no setup: create the folder of a SQLite file on first use."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    _ensure_sqlite_dir(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        connect_args: dict = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        pool: dict = {}
        if database not in (None, "", ":memory:") and "mode=memory" not in url:  # a file: connections are cheap
            connect_args["factory"] = _queued_writes_connection(database)
            pool = {"pool_size": POOL_MAX, "max_overflow": -1}
        engine = create_engine(url, connect_args=connect_args, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL: readers never wait for the writer. synchronous=NORMAL: a commit is written to the WAL
            # without an fsync; the WAL is fsynced at each checkpoint. The database stays consistent on
            # a power cut, which may lose the last commits before it (an audit event with them); a crash
            # of the process loses nothing. That is the usual setting with WAL and the trade an
            # embedded, single-host deployment makes; PostgreSQL keeps its own defaults.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_MAX - POOL_SIZE)
    _ping_when_idle(engine, PING_AFTER_IDLE_S)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Like ``pool_pre_ping``, but only for connections unused for ``idle_s`` seconds."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        returned = record.info.get("checked_in_at")
        if returned is None or time.monotonic() - returned < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as e:
            raise exc.DisconnectionError("stale pooled connection") from e  # the pool connects afresh


# --- SQLite: one writer at a time, queued in the process -------------------------------------------

# The statements before which Python's sqlite3 opens a transaction by itself (its ``is_dml`` test).
_DML = re.compile(r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*(?:INSERT|UPDATE|DELETE|REPLACE)\b",
                  re.IGNORECASE | re.DOTALL)
_queued_connection_classes: dict[str, type[sqlite3.Connection]] = {}
_classes_guard = threading.Lock()


class _QueuedWritesCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        self.connection._before(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection._after()

    def executemany(self, sql, seq_of_parameters, /):
        self.connection._before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection._after()


class _QueuedWritesConnection(sqlite3.Connection):
    """An SQLite connection whose write transactions take turns on one in-process lock per database file.

    SQLite lets one writer in at a time and makes the others poll for the lock, sleeping 1, 2, 5, ... up to
    100 ms between tries. With 32 requests in flight, each writing its audit event, that made a 0.05 ms
    insert take 35-150 ms at the 99th percentile (up to 0.8 s). A writer waiting on this lock is woken as
    soon as the one before commits. The lock is taken before the statements that open a write transaction
    and given back when it ends (commit, rollback, close); other processes, such as the ``rengang``
    commands, still meet SQLite's own busy timeout.
    """

    write_lock: threading.Lock
    _holds_write_lock = False

    def cursor(self, factory=None):
        return super().cursor(factory or _QueuedWritesCursor)

    def execute(self, sql, parameters=(), /):  # sqlite3's own shortcut would bypass the cursor above
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def _before(self, sql: str) -> None:
        if not self._holds_write_lock and _DML.match(sql):
            if not self.write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S):
                raise sqlite3.OperationalError("database is locked")
            self._holds_write_lock = True

    def _after(self) -> None:
        if self._holds_write_lock and not self.in_transaction:  # it ran on its own, or failed before beginning
            self._give_back()

    def _give_back(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()

    def __del__(self) -> None:  # dropped without close(): sqlite3 rolls the transaction back, so give back too
        self._give_back()


def _queued_writes_connection(database: str) -> type[sqlite3.Connection]:
    """The connection class for one database file: every engine of this process on it shares its lock."""
    key = os.path.realpath(database)
    with _classes_guard:
        if key not in _queued_connection_classes:
            _queued_connection_classes[key] = type("QueuedWritesConnection", (_QueuedWritesConnection,),
                                                   {"write_lock": threading.Lock()})
        return _queued_connection_classes[key]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    stored_text.install(factory)  # personal numbers typed into free text are masked before they are written
    changes.install(factory)  # every write to postings, seekers and vectors appends to the change log
    return factory


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
