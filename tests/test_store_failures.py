"""Every way a database can fail, explained and leaving the file as it was: read-only (file,
folder, file system), held by another process, truncated, random bytes, corrupted mid-file,
full disk, and a named file that is not there. The command line runs as a real
``python -m qi_dash`` process (exit status, stderr, no traceback); the app runs in AppTest on a
bad ``QI_DASH_DB``.

Read-only files are tested honestly: root may write a chmod 444 file, so when the tests run as
root the command runs without the capabilities that let root ignore file permissions
(``setpriv`` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), as an unprivileged user would.
A full disk is a small tmpfs filled to the last byte (where the tests may mount one: as root),
and, everywhere, the process's file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored), which makes
DuckDB's write fail with EFBIG as a full disk makes it fail with ENOSPC.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qi_dash import bootstrap
from qi_dash.store import Store, StoreDamaged, StoreMissing, StoreReadOnly, StoreWriteFailed
from qi_dash.store.opening import expected_tables
from tests.apptest import page_opener
from tests.builders import csv_bytes
from tests.conftest import REPO, held_by_another_process

# Root without the capabilities that let it write what its permissions forbid.
UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
# DuckDB's file: three 4 KiB headers, then blocks, each starting with its 8-byte checksum.
HEADER_BYTES = 3 * 4096
CHECKSUM_BYTES = 8


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def qi_dash(*args: object, unprivileged: bool = False, limit_file_size: int | None = None) -> subprocess.CompletedProcess:
    """``python -m qi_dash ARGS`` as its own process (bound by file permissions, or with a file size limit)."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    done = subprocess.run(
        [*(UNPRIVILEGED if unprivileged else []), sys.executable, "-m", "qi_dash", *map(str, args)], cwd=REPO,
        capture_output=True, text=True, check=False, preexec_fn=limit if limit_file_size is not None else None,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def refused(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    for word in words:
        assert word in done.stderr
    return done.stderr


@pytest.fixture
def upload_file(tmp_path) -> Path:
    """A valid one-row upload for the demo organisation: the save every failure must refuse."""
    path = tmp_path / "ash.csv"
    path.write_bytes(csv_bytes("W-ASH,HUDDLES,01/12/2025,,,9,"))
    return path


@contextmanager
def mounted_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine does not let the tests mount a tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


# -- read-only ---------------------------------------------------------------------------------


def test_a_read_only_file_is_refused_and_left_as_it_was(demo_db, upload_file):
    db = demo_db
    db.chmod(0o444)
    before = sha256(db)
    err = refused(qi_dash("upload", upload_file, "--db", db, unprivileged=True),
                  f"The database {db} cannot be written: the file is read-only. Nothing was changed.",
                  "write permission on the file and its folder")
    assert err.count("\n") == 1
    assert sha256(db) == before
    assert not Path(f"{db}.wal").exists()


def test_a_read_only_folder_is_refused_before_any_save(demo_db_file, tmp_path, upload_file):
    """DuckDB would open it and fail only at the first save, when it makes its log beside the file."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "qi.duckdb"
    shutil.copy(demo_db_file, db)
    folder.chmod(0o555)
    before = sha256(db)
    try:
        refused(qi_dash("upload", upload_file, "--db", db, unprivileged=True), "its folder is read-only")
        assert sha256(db) == before
        assert sorted(p.name for p in folder.iterdir()) == ["qi.duckdb"]
    finally:
        folder.chmod(0o755)  # so pytest can clean up


@pytest.fixture
def read_only_file_system(demo_db_file, tmp_path) -> Iterator[Path]:
    """A copy of the demo database on a file system mounted read-only (refused even to root)."""
    with mounted_tmpfs(tmp_path / "ro", "16m") as where:
        shutil.copy(demo_db_file, where / "qi.duckdb")
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where / "qi.duckdb"


def test_a_database_on_a_read_only_file_system_is_refused(read_only_file_system, upload_file):
    before = sha256(read_only_file_system)
    with pytest.raises(StoreReadOnly, match="cannot be written: it is on a read-only file system"):
        Store.open(read_only_file_system)
    refused(qi_dash("upload", upload_file, "--db", read_only_file_system),
            "cannot be written: it is on a read-only file system")
    assert sha256(read_only_file_system) == before


# -- held, truncated, random, corrupted ----------------------------------------------------------


def test_a_database_held_by_another_process_is_refused_and_left_as_it_was(demo_db, upload_file):
    before = sha256(demo_db)
    with held_by_another_process(demo_db):
        refused(qi_dash("upload", upload_file, "--db", demo_db),
                f"The database {demo_db} is in use by another program (probably the running app)")
    assert sha256(demo_db) == before


def truncated(source: Path, path: Path) -> Path:
    shutil.copy(source, path)
    os.truncate(path, path.stat().st_size // 2)
    return path


def random_bytes(path: Path) -> Path:
    path.write_bytes(os.urandom(300_000))
    return path


def corrupted_mid_file(source: Path, path: Path) -> Path:
    """A copy with 64 bytes overwritten inside the block holding the observations (a block in
    the middle of the demo's file), as a failing disk or a bad copy would leave it."""
    shutil.copy(source, path)
    with duckdb.connect(str(path), read_only=True) as con:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        block = con.execute("SELECT min(block_id) FROM pragma_storage_info('observation_history') "
                            "WHERE block_id >= 0").fetchone()[0]
    offset = HEADER_BYTES + block * block_size + CHECKSUM_BYTES + 16
    assert HEADER_BYTES < offset < path.stat().st_size - block_size  # neither header nor last block
    with open(path, "r+b") as file:
        file.seek(offset)
        file.write(b"\xde\xad\xbe\xef" * 16)
    return path


DAMAGED = {
    "truncated": (lambda source, path: truncated(source, path), "is damaged"),
    "random bytes": (lambda source, path: random_bytes(path), "is not a qi-dash database"),
    "corrupted mid-file": (lambda source, path: corrupted_mid_file(source, path), "is damaged"),
}


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_file_is_refused_and_nothing_is_saved_into_it(damage, demo_db_file, tmp_path, upload_file, qi):
    make, words = DAMAGED[damage]
    db = make(demo_db_file, tmp_path / "qi.duckdb")
    before = sha256(db)
    with pytest.raises(StoreDamaged, match=words):
        Store.open(db)
    err = refused(qi_dash("upload", upload_file, "--db", db), f"{db} {words}")
    assert "restore it from a backup" in err.lower()
    assert words in qi("export", "--db", db, "--out", tmp_path / "out.csv", status=1).err
    assert not (tmp_path / "out.csv").exists()
    assert sha256(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if "qi.duckdb" in p.name) == ["qi.duckdb"]


def test_a_store_missing_a_table_fails_its_integrity_check(demo_db):
    with duckdb.connect(str(demo_db)) as con:
        con.execute("DROP TABLE unit_aliases")
    before = sha256(demo_db)
    with pytest.raises(StoreDamaged, match=r"table\(s\) missing: unit_aliases"):
        Store.open(demo_db)
    assert sha256(demo_db) == before


def test_the_tables_expected_grow_with_the_schema_version(demo_store):
    with demo_store._cursor() as cur:
        first, second = expected_tables(cur, 1), expected_tables(cur, 2)
        assert first < second
        assert {"meta", "units", "observation_history", "uploads"} <= first
        # the scratch database is gone again, and the store's own is the current one
        assert cur.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'qi_dash_expected'").fetchone() == (0,)
    assert demo_store.data_version() > 0


def test_a_store_from_a_newer_qi_dash_is_refused(demo_db):
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE meta SET value = value + 1 WHERE key = 'schema_version'")
    before = sha256(demo_db)
    done = refused(qi_dash("export", "--db", demo_db, "--out", demo_db.with_suffix(".csv")), "written by a newer qi-dash")
    assert "Upgrade qi-dash" in done
    assert sha256(demo_db) == before


# -- full disk ---------------------------------------------------------------------------------


@contextmanager
def full_disk(source: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of ``source`` on a tmpfs with no byte left."""
    with mounted_tmpfs(tmp_path / "full", f"{source.stat().st_size // 1024 + 512}k") as where:
        db = where / "qi.duckdb"
        shutil.copy(source, db)
        with open(where / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass  # ENOSPC: the disk is full, as wanted
        yield db


def test_a_save_on_a_full_disk_is_refused_with_words_and_the_retry_works(demo_db_file, tmp_path, upload_file):
    with full_disk(demo_db_file, tmp_path) as db:
        before = sha256(db)
        refused(qi_dash("upload", upload_file, "--db", db),
                f"The database {db} could not be written: the disk is full", "Nothing was saved.",
                "Free space on the disk")
        assert sha256(db) == before
        store = Store.open(db)
        try:
            with pytest.raises(StoreWriteFailed, match="the disk is full"):
                store.save_people(_people(), by="test")
            (db.parent / "filler").unlink()
            assert store.save_people(_people(), by="test") == 1  # the same store works once there is space
        finally:
            store.close()


def test_a_save_past_the_file_size_limit_is_refused_as_a_full_disk(demo_db, upload_file):
    """Where a tmpfs cannot be mounted, the same failure at the OS level: RLIMIT_FSIZE."""
    before = sha256(demo_db)
    refused(qi_dash("upload", upload_file, "--db", demo_db, limit_file_size=1024),
            "could not be written: the disk is full (or the file has reached its size limit)", "Nothing was saved.")
    assert sha256(demo_db) == before


def _people() -> pd.DataFrame:
    return pd.DataFrame([{"unit": "W-ASH", "coach": "A Coach", "coach_role": "Matron", "sponsor": "A Sponsor",
                          "sponsor_role": "Director"}])


# -- a named database that is not there; init all or nothing -----------------------------------


def test_upload_to_a_mistyped_database_is_an_error_not_a_new_store(tmp_path, upload_file):
    mistyped = tmp_path / "mistyped.duckdb"
    refused(qi_dash("upload", upload_file, "--db", mistyped),
            f"The database {mistyped} does not exist.", f"python -m qi_dash init --db {mistyped}")
    assert list(tmp_path.glob("mistyped*")) == []


def test_export_from_a_missing_database_is_an_error(tmp_path):
    done = refused(qi_dash("export", "--db", tmp_path / "nope.duckdb", "--out", tmp_path / "out.csv"), "does not exist")
    assert "Exported" not in done
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_store_open_creates_a_missing_file_only_when_asked(tmp_path):
    with pytest.raises(StoreMissing):
        Store.open(tmp_path / "no" / "such.duckdb", create=False)
    assert not (tmp_path / "no").exists()


def test_init_with_a_missing_hierarchy_writes_nothing_and_the_retry_works(tmp_path, qi):
    db = tmp_path / "new.duckdb"
    missing = tmp_path / "hierarchy.csv"
    refused(qi_dash("init", "--db", db, "--hierarchy", missing), f"{missing}: No such file or directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    missing.write_text("code,name,level,parent\nNEW,New Trust,organisation,\nD1,Wards,directorate,NEW\n")
    assert "with 11 measures and 2 units" in qi("init", "--db", db, "--hierarchy", missing).out


def test_init_with_a_bad_hierarchy_names_the_row_and_writes_nothing(tmp_path):
    db = tmp_path / "new.duckdb"
    bad = tmp_path / "hierarchy.csv"
    bad.write_text("code,name,level,parent\nNEW,New Trust,organisation,\nD1,Wards,directorate,NOWHERE\n")
    refused(qi_dash("init", "--db", db, "--hierarchy", bad), "hierarchy.csv", "nothing was saved")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hierarchy.csv"]


def test_a_failure_while_building_leaves_nothing_behind(tmp_path):
    db = tmp_path / "new.duckdb"

    def fails(store: Store) -> None:
        bootstrap.init_store(store)
        raise RuntimeError("the power went")

    with pytest.raises(RuntimeError, match="the power went"):
        bootstrap.create_store(db, fails, "init")
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_database_that_holds_data_and_leaves_it_as_it_was(demo_db):
    before = sha256(demo_db)
    refused(qi_dash("init", "--db", demo_db), "already holds data; init needs a new database file")
    assert sha256(demo_db) == before


# -- the app on a bad QI_DASH_DB --------------------------------------------------------------


def _app_error(db: Path, monkeypatch) -> str:
    import streamlit as st

    st.cache_resource.clear()
    at = page_opener(db, monkeypatch)()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    assert not at.get("plotly_chart") and not at.dataframe
    return re.sub(r"\\(.)", r"\1", at.error[0].value)  # as the reader sees it: markdown escapes removed


def test_the_app_on_a_missing_named_database_says_so_and_creates_nothing(tmp_path, monkeypatch):
    db = tmp_path / "mistyped.duckdb"
    shown = _app_error(db, monkeypatch)
    assert f"The database {db} does not exist. Check the name given (--db or QI_DASH_DB)" in shown
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", DAMAGED)
def test_the_app_on_a_damaged_database_says_so_and_writes_nothing(damage, demo_db_file, tmp_path, monkeypatch):
    make, words = DAMAGED[damage]
    db = make(demo_db_file, tmp_path / "qi.duckdb")
    before = sha256(db)
    assert words in _app_error(db, monkeypatch)
    assert sha256(db) == before


def test_the_app_on_a_database_in_use_says_so(demo_db, monkeypatch):
    with held_by_another_process(demo_db):
        assert "is in use by another program" in _app_error(demo_db, monkeypatch)


def test_the_app_on_a_read_only_file_system_says_so(read_only_file_system, monkeypatch):
    assert "cannot be written" in _app_error(read_only_file_system, monkeypatch)


def test_the_app_opens_once_the_file_is_put_right(demo_db_file, tmp_path, monkeypatch):
    """A refusal is not cached: once the operator fixes the path, the next visit works."""
    db = tmp_path / "qi.duckdb"
    _app_error(db, monkeypatch)
    shutil.copy(demo_db_file, db)
    at = page_opener(db, monkeypatch)()
    assert not at.exception and not at.error
    assert at.get("plotly_chart") or at.dataframe or at.markdown
