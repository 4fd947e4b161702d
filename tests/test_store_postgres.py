"""A PostgreSQL database as the store, where only PostgreSQL has something to show: its
connection refusals in words, several processes and servers writing to one database, the
app's pages on it, and copying a whole store between DuckDB and PostgreSQL (round trip
exported byte for byte). The store's own behaviour runs on both engines in the store tests
(``BOTH_ENGINES``)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pandas as pd
import pytest

from qi_dash import bootstrap
from qi_dash.store import Store, StoreError, StoreMissing, StoreUnavailable, shown_name
from tests.apptest import no_errors, page_opener
from tests.builders import canonical_csv, demo_rows
from tests.conftest import REPO, Contents
from tests.test_store_history import meta, rows

pytestmark = pytest.mark.postgres


def _cli(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qi_dash", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=180, check=False)


@pytest.fixture
def database(pg_cluster, pg_templates):
    """A fresh copy of the demo organisation on the throwaway server; its address."""
    address = pg_cluster.database(pg_templates["empty"])
    yield address
    pg_cluster.drop(address)


# -- refusals in words ------------------------------------------------------------------


def test_a_server_that_cannot_be_reached_is_named_in_words(tmp_path):
    with pytest.raises(StoreUnavailable, match=r"The PostgreSQL server for .* cannot be reached .* Check that it "
                                               r"is running"):
        Store.open(f"postgresql://postgres@/qi?host={tmp_path}")


def test_a_missing_database_says_how_to_make_it(pg_cluster):
    with pytest.raises(StoreMissing, match=r"The PostgreSQL database .*/nowhere.* does not exist .*createdb"):
        Store.open(pg_cluster.address("nowhere"))


def test_a_refused_sign_in_is_told_without_the_password(pg_cluster):
    address = f"postgresql://nosuchuser:hunter2@/postgres?host={pg_cluster.folder}"
    with pytest.raises(StoreUnavailable, match="refused to let qi-dash sign in") as refused:
        Store.open(address)
    assert "hunter2" not in str(refused.value)
    assert shown_name(address) == f"postgresql://nosuchuser:***@/postgres?host={pg_cluster.folder}"


def test_a_database_holding_other_tables_is_not_taken_over(pg_cluster):
    import psycopg

    address = pg_cluster.database()
    with psycopg.connect(address, autocommit=True) as con:
        con.execute("CREATE TABLE payroll (id int)")
    with pytest.raises(StoreUnavailable, match="is not a qi-dash database"):
        Store.open(address)


def test_the_command_line_prints_a_refusal_not_a_traceback(pg_cluster):
    done = _cli("export", "--db", pg_cluster.address("nowhere"), "--out", "/tmp/never.csv")
    assert done.returncode == 1
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


# -- several processes and servers on one database ----------------------------------------


def test_an_upload_by_another_process_is_seen_on_the_next_read(database, tmp_path):
    app = Store.open(database)
    try:
        before = app.data_version()
        assert app.observations().empty
        upload = _cli("upload", canonical_csv(tmp_path / "monthly.csv", demo_rows(40)), "--db", database)
        assert upload.returncode == 0, upload.stderr
        assert app.data_version() > before
        assert len(app.observations()) == 40
        assert app.uploads()["file_name"].tolist() == ["monthly.csv"]
    finally:
        app.close()


def test_two_servers_saving_at_once_both_save_and_every_save_moves_the_version_on(database):
    servers = [Store.open(database), Store.open(database)]
    before = servers[0].data_version()
    failed = []

    def upload(store, unit):
        try:
            store.commit_upload(rows(*range(30), unit=unit), meta(unit))
        except Exception as err:  # noqa: BLE001 - the test reports any failure
            failed.append(err)

    threads = [threading.Thread(target=upload, args=(servers[i % 2], unit))
               for i, unit in enumerate(["W-ASH", "W-BIR", "W-CED", "W-OAK", "W-ELM", "W-HAZ"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failed == []
        assert servers[1].data_version() == before + 6
        assert len(servers[0].observations()) == 180
        assert sorted(servers[1].uploads()["upload_id"]) == [1, 2, 3, 4, 5, 6]
    finally:
        for store in servers:
            store.close()


def test_a_preview_made_on_one_server_is_refused_after_a_save_on_another(database):
    from qi_dash.store import StalePreview

    one, other = Store.open(database), Store.open(database)
    try:
        changes, version = one.diff(rows(1, 2, 3))
        other.commit_upload(rows(5, 6, 7), meta("other"))
        with pytest.raises(StalePreview, match="The data changed since this preview"):
            one.commit_upload(changes, meta(), diffed_at=version, seen_upload=0)
        assert one.observations()["value"].tolist() == [5, 6, 7]
    finally:
        one.close()
        other.close()


def test_the_app_pages_read_a_postgresql_store(pg_cluster, pg_templates, monkeypatch):
    address = pg_cluster.database(pg_templates["demo"])
    try:
        open_page = page_opener(address, monkeypatch)
        team = no_errors(open_page("pages/1_Team.py", team="W-ASH"))
        assert team.get("plotly_chart")
        no_errors(open_page())
    finally:
        import streamlit as st

        st.cache_resource.clear()  # the store, and its connections, go before the database
        st.cache_data.clear()
        pg_cluster.drop(address)


# -- a new store, and copying a whole store -------------------------------------------


def test_init_and_demo_fill_an_empty_database_once(pg_cluster):
    address = pg_cluster.database()
    try:
        done = _cli("init", "--db", address, "--hierarchy", bootstrap.DEMO_HIERARCHY)
        assert done.returncode == 0, done.stderr
        again = _cli("demo", "--db", address)
        assert again.returncode == 1
        assert "already holds data; the demo needs a new, empty database" in again.stderr
        store = Store.open(address)
        assert len(store.definitions()) > 0 and len(store.units()) > 0
        store.close()
    finally:
        pg_cluster.drop(address)


def _everything(store: Store) -> dict[str, str]:
    """What a store holds, table by table, as text (sorted rows: the order rows were stored in
    is not kept)."""
    with store._cursor() as cur:
        from qi_dash.store import copying

        tables = copying.read_tables(cur)
    return {name: table.to_pandas().astype(str).sort_values(list(table.column_names)).to_csv(index=False)
            for name, table in tables.items()}


def test_copy_duckdb_to_postgresql_and_back_exports_byte_for_byte(demo_db, pg_cluster, tmp_path):
    address = pg_cluster.database()
    try:
        assert _cli("copy", "--from", demo_db, "--to", address).returncode == 0
        back = tmp_path / "back.duckdb"
        copied = _cli("copy", "--from", address, "--to", back)
        assert copied.returncode == 0, copied.stderr
        assert "Copied" in copied.stdout
        for suffix in ("csv", "xlsx"):
            exported = []
            for db in (demo_db, address, back):
                out = tmp_path / f"export-{len(exported)}.{suffix}"
                done = _cli("export", "--db", db, "--out", out)
                assert done.returncode == 0, done.stderr
                exported.append(out.read_bytes())
            assert exported[0] == exported[1] == exported[2]
        stores = [Store.open(db) for db in (demo_db, address, back)]
        try:
            assert Contents(stores[0]) == Contents(stores[1]) == Contents(stores[2])
            held = [_everything(store) for store in stores]
            assert held[0].keys() == held[1].keys() == held[2].keys()
            for table in held[0]:
                assert held[0][table] == held[2][table], table
            # The next ids follow the copied ones: a new upload on the copy is numbered on.
            upload = stores[1].commit_upload(rows(1, 2), meta("after the copy"))
            assert upload.upload_id == stores[0].uploads()["upload_id"].max() + 1
        finally:
            for store in stores:
                store.close()
    finally:
        pg_cluster.drop(address)


def test_a_copy_into_a_database_holding_data_is_refused_and_changes_nothing(demo_db, database):
    before = Contents.of_file(database)
    done = _cli("copy", "--from", demo_db, "--to", database)
    assert done.returncode == 1
    assert "already holds data; copy needs a new, empty database" in done.stderr
    assert Contents.of_file(database) == before


def test_copying_into_a_store_with_data_is_refused_inside_the_transaction(demo_db, database):
    source, target = Store.open(demo_db), Store.open(database)
    try:
        target.commit_upload(rows(1), meta())
        with pytest.raises(StoreError, match="already holds data"):
            source.copy_to(target)
        assert len(target.observations()) == 1
    finally:
        source.close()
        target.close()


def test_summary_reads_match_between_engines(demo_store, pg_cluster, pg_templates):
    address = pg_cluster.database(pg_templates["demo"])
    store = Store.open(address)
    try:
        for read in (lambda s: s.summary(), lambda s: s.observations(), lambda s: s.phase_changes(),
                     lambda s: s.pdsa_cycles(), lambda s: s.target_steps(), lambda s: s.people()):
            mine, theirs = read(store), read(demo_store)
            drop = [c for c in mine.columns if c.endswith(("_at", "upload_id", "cycle_id", "change_id"))]
            pd.testing.assert_frame_equal(mine.drop(columns=drop), theirs.drop(columns=drop), check_dtype=False)
    finally:
        store.close()
        pg_cluster.drop(address)


def test_a_server_restart_between_reads_is_not_noticed_and_a_write_cut_off_is_told(database, pg_cluster, monkeypatch):
    import psycopg

    from qi_dash.store import StoreWriteFailed, postgres

    store = Store.open(database)
    try:
        store.units()
        pg_cluster.end_connections(database)
        monkeypatch.setattr(postgres, "_TRUSTED_IDLE", 0.0)
        assert len(store.units()) > 0  # the dropped connection was found out and replaced
        monkeypatch.setattr(postgres, "_TRUSTED_IDLE", 3600.0)

        def cut_off(cur):
            with psycopg.connect(pg_cluster.address("postgres"), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [cur.connection.info.backend_pid])
            cur.execute("SELECT 1")

        version = store.data_version()
        with pytest.raises(StoreWriteFailed, match="the connection to the server was lost .* Nothing was saved"):
            store._write(cut_off)
        assert store.data_version() == version
    finally:
        store.close()


def test_a_read_cut_off_mid_page_is_told_in_words_and_the_next_read_connects_afresh(database, pg_cluster, monkeypatch):
    from qi_dash.store import postgres

    store = Store.open(database)
    try:
        store.units()
        monkeypatch.setattr(postgres, "_TRUSTED_IDLE", 3600.0)  # the idle connection is used unasked
        pg_cluster.end_connections(database)
        with pytest.raises(StoreUnavailable, match=r"connection to the PostgreSQL server for .* was lost .*nothing "
                                                   r"was changed.*try again"):
            store.units()
        assert len(store.units()) > 0
    finally:
        store.close()
