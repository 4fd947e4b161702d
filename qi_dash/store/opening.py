"""Opening a database file so that nothing is written to one in doubt: a missing file is
created only when asked, a file that cannot be written is refused before DuckDB writes to it,
and a file that fails the integrity check is refused (``check``). Every refusal is a
``StoreUnavailable`` saying which file, what is wrong and what to do (``store.errors``)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from qi_dash.store import errors, schema


def connect(path: str, *, create: bool, checked: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-write connection to ``path`` that has passed ``check`` (unless ``checked`` is
    False: the store opening it again for another unit of work); ``create`` allows a new file."""
    if path != ":memory:":
        _writable_or_new(Path(path), create)
    try:
        con = duckdb.connect(path)
    except duckdb.Error as err:
        raise errors.open_failed(path, err) from None
    if checked:
        try:
            check(con, path)
        except BaseException:
            con.close()
            raise
    return con


def _writable_or_new(file: Path, create: bool) -> None:
    if file.is_dir():
        raise errors.not_a_database(str(file), "it is a folder")
    if not file.exists():
        if not create:
            raise errors.missing(str(file))
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise errors.read_only(str(file), f"its folder cannot be made ({err.strerror})") from None
    elif os.statvfs(file).f_flag & os.ST_RDONLY:
        raise errors.read_only(str(file), "it is on a read-only file system")
    elif not os.access(file, os.W_OK):
        raise errors.read_only(str(file), "the file is read-only")
    # DuckDB writes its log beside the file at the first save, so a read-only folder would
    # only show at that save; refuse it now instead.
    if not os.access(file.parent, os.W_OK):
        raise errors.read_only(str(file), "its folder is read-only")


def check(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """The integrity check on opening: the schema version is readable and known, the tables
    of that version are there, and every column of every table reads back, so DuckDB verifies
    the checksum of each block holding table data (it checks a block when it reads it). Fast:
    one scan per table (about 50 ms for the demo's 7,684 observations)."""
    with con.cursor() as cur:
        try:
            present = {r[0] for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND table_schema = 'main'").fetchall()}
            if "meta" not in present:
                if present:
                    raise errors.not_a_database(path, "it has tables but no qi-dash schema version")
                return  # a new file: the migrations create everything
            version = schema.schema_version(cur)
            if version > len(schema.MIGRATIONS):
                raise errors.StoreUnavailable(
                    f"The database {path} was written by a newer qi-dash (schema version {version}; this one knows "
                    f"up to {len(schema.MIGRATIONS)}). Upgrade qi-dash before opening it.")
            absent = sorted(expected_tables(cur, version) - present)
            if absent:
                raise errors.damaged(path, f"table(s) missing: {', '.join(absent)}")
            for table in sorted(_base_tables(cur)):
                cur.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{table}" t').fetchall()
        except (duckdb.Error, IndexError) as err:
            # IndexError: the schema version row itself is gone.
            raise errors.damaged(path, f"it fails its integrity check: {str(err).splitlines()[0]}") from None


def _base_tables(cur: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()}


# The tables of each schema version, worked out once per process.
_EXPECTED: dict[int, frozenset[str]] = {}


def expected_tables(cur: duckdb.DuckDBPyConnection, version: int) -> frozenset[str]:
    """The tables and views a database at schema ``version`` has: the migrations up to it, run
    on an empty in-memory database attached beside the file's (attached to the database
    instance, so detached again before returning)."""
    if version not in _EXPECTED:
        home = cur.execute("SELECT current_database()").fetchone()[0]
        cur.execute("ATTACH ':memory:' AS qi_dash_expected")
        try:
            cur.execute("USE qi_dash_expected")
            for script in schema.MIGRATIONS[:version]:
                cur.execute(script)
            _EXPECTED[version] = frozenset(r[0] for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'qi_dash_expected'"
            ).fetchall())
        finally:
            cur.execute(f'USE "{home}"')
            cur.execute("DETACH qi_dash_expected")
    return _EXPECTED[version]
