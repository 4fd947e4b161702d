"""The database file held only while units of work run, so other processes can use it too.

DuckDB lets one process at a time hold a database file, and every connection a process opens
to the file shares one database. So a process borrows its connection for each read or write
(``Connection.cursor``) and closes it once the last borrower is done and nothing has asked for
it for ``linger`` seconds: a page's run of reads shares one opening, and between runs the file
is free for a command-line upload, export or template beside the running app. Opening waits
while another process holds the file, for at most ``wait`` seconds, then says so in words.
The first opening of a store checks the file (``opening``); later ones only connect.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

from qi_dash.store import errors

# How long the app keeps the file after its last read or write: long enough that one page's
# reads share an opening (opening the demo database takes tens of milliseconds), short
# enough that a command-line load waiting beside the app gets in between page runs.
APP_LINGER = 0.25
# How long an opening waits for another process to let the file go, unless QI_DASH_WAIT says
# otherwise: a large upload takes a few seconds to save.
WAIT = 30.0


def default_wait() -> float:
    return float(os.environ.get("QI_DASH_WAIT") or WAIT)


class Connection:
    """The process's connection to one database file, opened on demand and shared."""

    def __init__(self, path: str, opener: Callable[[bool], duckdb.DuckDBPyConnection], *,
                 linger: float | None, wait: float):
        """``opener(first)`` connects (the first time checking the file), raising
        ``StoreBusy`` while another process holds it. ``linger``: seconds to keep the file
        after the last unit of work (0 closes at once, None never closes: an in-memory
        database lives only while it is open)."""
        self.path = path
        self._opener = opener
        self._opened = False
        self._linger = linger
        self._wait = wait
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._borrowers = 0
        self._last_use = 0  # a count of borrowings: an idle timer closes only if none came since

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one read or write; frames registered on it go when it is closed."""
        con = self._borrow()
        try:
            with con.cursor() as cur:
                yield cur
        finally:
            self._give_back()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def file_state(self) -> tuple | None:
        """What the file system says of the database and its write-ahead log (None in memory):
        any write, by any process, changes it, so an unchanged state means unchanged data."""
        if self.path == ":memory:":
            return None
        state = []
        for name in (self.path, self.path + ".wal"):
            try:
                found = os.stat(name)
            except FileNotFoundError:
                state.append(None)
                continue
            state.append((found.st_ino, found.st_size, found.st_mtime_ns))
        return tuple(state)

    def close(self) -> None:
        with self._lock:
            self._close()

    def rollback(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Roll back the open transaction; a failed COMMIT has already ended it (DuckDB rolls it
        back itself), and a second rollback would hide why it failed."""
        try:
            cur.execute("ROLLBACK")
        except duckdb.TransactionException:
            pass

    def write_error(self, err: BaseException) -> BaseException | None:
        """What a failed write transaction raises instead of ``err`` (None: ``err`` itself)."""
        if isinstance(err, duckdb.TransactionException):
            if "failed to commit" in str(err).lower():  # the log could not be written: disk, permissions
                return errors.write_failed(self.path, err)
            return errors.StoreConflict(
                "Someone else saved changes at the same moment; nothing of yours was saved. Please try again.")
        if isinstance(err, duckdb.IOException):
            return errors.write_failed(self.path, err)
        return None

    def _borrow(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            self._last_use += 1
            if self._con is None:
                self._con = self._open()
            self._borrowers += 1
            return self._con

    def _give_back(self) -> None:
        with self._lock:
            self._borrowers -= 1
            if self._borrowers or self._linger is None:
                return
            if self._linger == 0:
                self._close()
                return
            timer = threading.Timer(self._linger, self._close_if_idle, args=(self._last_use,))
            timer.daemon = True
            timer.start()

    def _close_if_idle(self, use: int) -> None:
        with self._lock:
            if self._borrowers == 0 and self._last_use == use:
                self._close()

    def _close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        """Connect, waiting (with growing pauses) while another process holds the file."""
        deadline, pause = time.monotonic() + self._wait, 0.01
        while True:
            try:
                con = self._opener(not self._opened)
                self._opened = True
                return con
            except errors.StoreBusy:
                if time.monotonic() + pause > deadline:
                    raise errors.busy(self.path, waited=self._wait) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
