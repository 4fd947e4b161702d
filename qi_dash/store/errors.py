"""What the store raises when it cannot do what was asked, in words a user can act on: which
file (or PostgreSQL database), what is wrong, what to do. The app shows the message and the command line prints it;
neither shows a traceback."""

from __future__ import annotations

DEPLOY_DOC = "docs/deploy.md"


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or used; nothing was written to it."""


class StoreBusy(StoreUnavailable):
    """The database file is held by another process (usually a running app)."""


class StoreMissing(StoreUnavailable):
    """An explicitly named database file does not exist (only the default one is created)."""


class StoreReadOnly(StoreUnavailable):
    """The database file, or the folder its write-ahead log goes in, cannot be written."""


class StoreDamaged(StoreUnavailable):
    """The file is not a qi-dash database, or fails the integrity check on opening."""


class StoreConflict(RuntimeError):
    """A write could not be applied because of a concurrent change; nothing was written."""


class StoreWriteFailed(StoreConflict):
    """A write failed in the file system (disk full, file made read-only); the transaction was
    rolled back and nothing was written. A kind of ``StoreConflict`` because every caller
    handles both alike: nothing saved, the message says what to do."""


class StoreError(ValueError):
    """A request the store refuses (e.g. undoing an upload twice)."""


def missing(path: str) -> StoreMissing:
    return StoreMissing(
        f"The database {path} does not exist. Check the name given (--db or QI_DASH_DB); to start a new "
        f"database there, run `python -m qi_dash init --db {path}` (or `demo` for the demo organisation)."
    )


def busy(path: str, waited: float = 0) -> StoreBusy:
    if not waited:
        return StoreBusy(
            f"The database {path} is in use by another program (probably the running app); "
            "stop it or use another database file, then try again."
        )
    return StoreBusy(
        f"The database {path} is in use by another program (probably the running app) and stayed in use for "
        f"{waited:g} s; nothing was changed. Try again in a minute, or wait longer (--wait, QI_DASH_WAIT)."
    )


def read_only(path: str, what: str) -> StoreReadOnly:
    return StoreReadOnly(
        f"The database {path} cannot be written: {what}. Nothing was changed. Give the user the app runs as "
        f"write permission on the file and its folder ({DEPLOY_DOC}), or use a copy that can be written."
    )


def damaged(path: str, what: str) -> StoreDamaged:
    return StoreDamaged(
        f"The database {path} is damaged ({what}), so nothing will be written to it. Restore it from a "
        f"backup ({DEPLOY_DOC}) and keep the damaged file for investigation."
    )


def not_a_database(path: str, what: str) -> StoreDamaged:
    return StoreDamaged(
        f"The file {path} is not a qi-dash database ({what}). Check the name given (--db or QI_DASH_DB); if it "
        f"is the right file, restore it from a backup ({DEPLOY_DOC})."
    )


def _chain(err: BaseException) -> str:
    """Every message in the exception and the ones it happened while handling: a failed
    rollback can hide the failure that caused it."""
    messages = []
    while err is not None:
        messages.append(str(err))
        err = err.__cause__ or err.__context__
    return " | ".join(messages)


def _disk_full(text: str) -> bool:
    lowered = text.lower()
    return "no space left" in lowered or "file too large" in lowered or "disk quota" in lowered


def write_failed(path: str, err: BaseException) -> StoreWriteFailed:
    """A write's file-system failure, explained."""
    text = _chain(err)
    if "checksum" in text.lower() or "corrupt" in text.lower():
        what = ("the file is damaged (its contents fail their checksums)",
                f"Restore it from a backup ({DEPLOY_DOC}) and keep the damaged file for investigation.")
    elif _disk_full(text):
        what = ("the disk is full (or the file has reached its size limit)",
                "Free space on the disk the database is on, then try again.")
    elif "permission denied" in text.lower() or "read-only" in text.lower():
        what = ("the file or its folder is read-only",
                f"Give the user the app runs as write permission on the file and its folder ({DEPLOY_DOC}).")
    else:
        what = (f"the file system refused it: {text}", "Check the disk the database is on, then try again.")
    return StoreWriteFailed(f"The database {path} could not be written: {what[0]}. Nothing was saved. {what[1]}")


def open_failed(path: str, err: BaseException) -> StoreUnavailable:
    """DuckDB's refusal to open (or set up) ``path``, explained."""
    text = _chain(err)
    lowered = text.lower()
    if "lock" in lowered:
        return busy(path)
    if "not a valid duckdb database" in lowered or "is a directory" in lowered:
        return not_a_database(path, "DuckDB cannot read it as a database")
    if "checksum" in lowered or "could not read enough bytes" in lowered or "corrupt" in lowered:
        return damaged(path, "it is truncated or its contents fail their checksums")
    if "permission denied" in lowered or "read-only file system" in lowered:
        return read_only(path, "the file or its folder is read-only")
    if _disk_full(text):
        return StoreUnavailable(f"The database {path} could not be set up: the disk is full. Nothing was "
                                "saved. Free space on the disk the database is on, then try again.")
    return StoreUnavailable(f"The database {path} could not be opened: {text}. Check the file, or restore it "
                            f"from a backup ({DEPLOY_DOC}).")
class StalePreview(StoreError):
    """A save refused because the data changed after its preview was made; nothing was
    written. The caller makes the preview again and shows it before saving."""


# -- a PostgreSQL database (store.postgres tells which) ---------------------------------------


def server_unreachable(path: str, what: str) -> StoreUnavailable:
    return StoreUnavailable(
        f"The PostgreSQL server for {path} cannot be reached ({what}). Check that it is running and that the "
        "host and port in the address (--db or QI_DASH_DB) are right, then try again.")


def connection_lost(path: str, what: str) -> StoreUnavailable:
    return StoreUnavailable(
        f"The connection to the PostgreSQL server for {path} was lost ({what}); nothing was changed. If the "
        "server was restarted, try again in a moment; if not, check that it is running.")


def sign_in_refused(path: str, what: str) -> StoreUnavailable:
    return StoreUnavailable(
        f"The PostgreSQL server refused to let qi-dash sign in to {path} ({what}). Check the user name and "
        f"password (in ~/.pgpass, or the address) and that the server's pg_hba.conf lets this computer in "
        f"({DEPLOY_DOC}).")


def database_missing(path: str, what: str) -> StoreMissing:
    return StoreMissing(
        f"The PostgreSQL database {path} does not exist ({what}). Create it on the server (`createdb`, or "
        "CREATE DATABASE; qi-dash makes its own tables in it), or check the address given (--db or QI_DASH_DB).")


def write_refused(path: str, what: str) -> StoreWriteFailed:
    return StoreWriteFailed(f"The database {path} could not be written: {what}. Nothing was saved. Check the "
                            f"server and the database user's rights ({DEPLOY_DOC}), then try again.")
