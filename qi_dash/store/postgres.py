"""A PostgreSQL database as the store: chosen by an address (``QI_DASH_DB`` or ``--db``
``postgresql://user@host/db``) where a DuckDB file path would go.

Many processes and servers share one PostgreSQL database, so nothing is held between units of
work as a DuckDB file is: each read or write borrows a connection from the process's few idle
ones (``PgConnection.cursor``), in autocommit, so a read sees every committed write of any
server. Write transactions are made one at a time across servers by an advisory lock
(``dialect.PostgresDialect.begin``). Refusals are in words (``store.errors``): the server
cannot be reached, the sign-in is refused, the database does not exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq

from qi_dash.store import errors, schema
from qi_dash.store.pg_cursor import PgCursor

SCHEMES = ("postgresql://", "postgres://")
_IDLE_KEPT = 8  # idle connections a process keeps: a page's reads reuse them
_CONNECT_TIMEOUT = 10  # seconds
# A connection idle longer than this is asked whether it still works before it is used (one
# round trip): a server restart, or a firewall dropping idle connections, is then not a failure.
_TRUSTED_IDLE = 5.0


def is_address(path: object) -> bool:
    """Whether ``path`` names a PostgreSQL database rather than a DuckDB file."""
    return str(path).startswith(SCHEMES)


def shown(address: str) -> str:
    """The address as messages show it: any password left out."""
    parts = urlsplit(address)
    if parts.password is None:
        return address
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class PgConnection:
    """The process's connections to one PostgreSQL database: borrowed for each read or write,
    given back to be reused. The same interface as ``connection.Connection``."""

    def __init__(self, address: str):
        self.address = address
        self.path = shown(address)
        self._lock = threading.Lock()
        self._idle: list[tuple[psycopg.Connection, float]] = []  # each with when it was given back

    @contextmanager
    def cursor(self) -> Iterator[PgCursor]:
        con = self._borrow()
        try:
            with PgCursor(con) as cur:
                yield cur
        except psycopg.OperationalError as err:
            # A read whose server went away mid-page (a write's failure is already in words: write_error)
            raise errors.connection_lost(self.path, _first_line(err)) from err
        finally:
            self._give_back(con)

    @property
    def is_open(self) -> bool:
        return bool(self._idle)

    def file_state(self) -> None:
        """No file to watch: the data version is read from the database each time."""

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for con, _ in idle:
            con.close()

    def rollback(self, cur: PgCursor) -> None:
        try:
            cur.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection broke: the server rolled the transaction back itself

    def write_error(self, err: BaseException) -> BaseException | None:
        """What a failed write transaction raises instead of ``err`` (None: ``err`` itself)."""
        if isinstance(err, (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected,
                            psycopg.errors.LockNotAvailable)):
            return errors.StoreConflict(
                "Someone else saved changes at the same moment; nothing of yours was saved. Please try again.")
        if isinstance(err, psycopg.errors.DiskFull):
            return errors.write_failed(self.path, err)
        if isinstance(err, psycopg.errors.InsufficientPrivilege):
            return errors.write_refused(self.path, "the database user may not write to it")
        if isinstance(err, psycopg.OperationalError):
            return errors.write_refused(self.path, f"the connection to the server was lost ({_first_line(err)})")
        return None

    def _borrow(self) -> psycopg.Connection:
        while True:
            with self._lock:
                if not self._idle:
                    break
                con, since = self._idle.pop()
            if time.monotonic() - since < _TRUSTED_IDLE or _answers(con):
                return con
            con.close()  # the server restarted, or dropped it while idle: connect afresh
        return self._connect()

    def _give_back(self, con: psycopg.Connection) -> None:
        usable = not con.broken and not con.closed and con.info.transaction_status == pq.TransactionStatus.IDLE
        with self._lock:
            if usable and len(self._idle) < _IDLE_KEPT:
                self._idle.append((con, time.monotonic()))
                return
        con.close()

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(self.address, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)
        except psycopg.Error as err:
            raise open_failed(self.path, err) from None


def _answers(con: psycopg.Connection) -> bool:
    try:
        con.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def check(cur: PgCursor, path: str) -> None:
    """On opening: a database holding other tables but no qi-dash schema is not ours, and one a
    newer qi-dash wrote is refused."""
    present = {row[0] for row in cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
    if "meta" not in present:
        if present:
            raise errors.not_a_database(path, "it has tables but no qi-dash schema version")
        return
    version = schema.schema_version(cur)
    if version > len(schema.MIGRATIONS):
        raise errors.StoreUnavailable(
            f"The database {path} was written by a newer qi-dash (schema version {version}; this one knows "
            f"up to {len(schema.MIGRATIONS)}). Upgrade qi-dash before opening it.")


def _first_line(err: BaseException) -> str:
    """The server's own words (after libpq's "connection to server … failed: FATAL:")."""
    line = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return " ".join(line.rsplit("FATAL:", 1)[-1].split())


def open_failed(path: str, err: BaseException) -> errors.StoreUnavailable:
    """PostgreSQL's refusal to connect (or set up the schema), in words (``store.errors``)."""
    text = str(err).lower()
    what = _first_line(err)
    if "does not exist" in text and "database" in text:
        return errors.database_missing(path, what)
    if ("authentication failed" in text or "no pg_hba.conf entry" in text or "password" in text
            or ("role" in text and "does not exist" in text)):
        return errors.sign_in_refused(path, what)
    if isinstance(err, psycopg.errors.InsufficientPrivilege):
        return errors.read_only(path, f"the database user may not create or change its tables ({what})")
    if isinstance(err, psycopg.OperationalError):
        return errors.server_unreachable(path, what)
    return errors.StoreUnavailable(f"The database {path} could not be opened: {what}. Check the database, or "
                                   f"restore it from a backup ({errors.DEPLOY_DOC}).")
