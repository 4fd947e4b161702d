"""Shared fixtures: the demo database and an empty one, each built once per run and copied
fresh for each test, and the command line run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from qi_dash import bootstrap, cli
from qi_dash.exports import template_frame, to_csv_bytes
from qi_dash.store import Store

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

# A database another process holds is waited for this long (the store's default is 30 s): the
# tests that hold one see the refusal in seconds, and the processes they start inherit it.
os.environ.setdefault("QI_DASH_WAIT", "2")


def _built_once(factory: pytest.TempPathFactory, name: str, fill: Callable[[Store], object]) -> Path:
    path = factory.mktemp(name) / f"{name}.duckdb"
    store = Store.open(path)
    fill(store)
    store.close()
    return path


def _copy(source: Path, path: Path) -> Path:
    shutil.copy(source, path)
    return path


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    return _built_once(tmp_path_factory, "demo", bootstrap.load_demo)


@pytest.fixture(scope="session")
def empty_db_file(tmp_path_factory) -> Path:
    """The standard measures and the demo hierarchy, no observations."""
    return _built_once(tmp_path_factory, "empty", lambda store: bootstrap.init_store(
        store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY))


@pytest.fixture
def demo_db(demo_db_file, tmp_path) -> Path:
    """A private copy of the demo database file."""
    return _copy(demo_db_file, tmp_path / "qi_dash.duckdb")


# -- both engines -------------------------------------------------------------------------
# A module that sets BOTH_ENGINES = True runs each test using ``engine`` (through
# ``empty_store``, ``demo_store``, ``store_at``…) on DuckDB and on PostgreSQL; the PostgreSQL
# runs are marked ``postgres`` (``python -m pytest -m postgres``).


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_ENGINES", False):
        metafunc.parametrize("engine", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture
def engine(request) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for this test process. Without PostgreSQL's binaries the
    tests are skipped on a developer's machine, and fail in CI (``CI`` set), which must run them."""
    from tests.pg_cluster import Cluster, server_binaries

    binaries = server_binaries()
    if binaries is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = Cluster(binaries)
    yield cluster
    cluster.stop()


def _pg_template(cluster, name: str, fill: Callable[[Store], object]) -> str:
    store = Store.open(cluster.create(name))
    try:
        fill(store)
    finally:
        store.close()
    return name


@pytest.fixture(scope="session")
def pg_templates(pg_cluster) -> dict[str, str]:
    """Template databases, built once per test process: ``demo`` and ``empty`` (as the
    DuckDB files of the same names), and ``new`` (nothing in it)."""
    return {
        "demo": _pg_template(pg_cluster, "tpl_demo", bootstrap.load_demo),
        "empty": _pg_template(pg_cluster, "tpl_empty", lambda store: bootstrap.init_store(
            store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)),
    }


@pytest.fixture
def store_at(engine, request, tmp_path):
    """``store_at(kind)``: where a fresh store of ``kind`` (``demo``, ``empty`` or ``new``) is,
    on this test's engine: a DuckDB file path or a PostgreSQL address, dropped after the test."""
    made = []

    def at(kind: str) -> str | Path:
        if engine == "duckdb":
            if kind == "new":
                return tmp_path / "new.duckdb"
            source = request.getfixturevalue(f"{kind}_db_file")
            return _copy(source, tmp_path / f"{kind}-{len(made)}.duckdb")
        cluster = request.getfixturevalue("pg_cluster")
        template = None if kind == "new" else request.getfixturevalue("pg_templates")[kind]
        made.append(cluster.database(template))
        return made[-1]

    yield at
    for address in made:
        request.getfixturevalue("pg_cluster").drop(address)


@pytest.fixture
def demo_store(store_at):
    store = Store.open(store_at("demo"))
    yield store
    store.close()


@pytest.fixture
def empty_store(store_at):
    """A store with the standard measures and the demo hierarchy but no observations."""
    store = Store.open(store_at("empty"))
    yield store
    store.close()


@contextmanager
def held_by_another_process(path: Path, seconds: float = 30) -> Iterator[None]:
    """The database file held open by another process for ``seconds``, as a long save holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep({seconds})"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()


class Printed(NamedTuple):
    out: str
    err: str


@pytest.fixture
def qi(capsys) -> Callable[..., Printed]:
    """``qi("export", "--db", db, ..., status=0)`` runs ``python -m qi_dash export --db db ...``
    in this process, checks its exit status and returns what it printed."""

    def run(*args: object, status: int = 0) -> Printed:
        capsys.readouterr()  # only this command's output is returned
        code = cli.main([str(arg) for arg in args])
        printed = Printed(*capsys.readouterr())
        assert code == status, printed.err
        return printed

    return run


def export_csv(store: Store) -> bytes:
    return to_csv_bytes(template_frame(store.observations()))


class Contents:
    """What a database holds, as the app reads it: its data version, its uploads (all but the
    moment each was made, which differs from run to run) and its observations. Two are equal
    when nothing was written between them; cheaper to take than an export, and as exact."""

    def __init__(self, store: Store):
        self.version, self.observations = store.data_version(), store.observations()
        self.uploads = store.uploads().drop(columns="uploaded_at").to_csv(index=False)

    @classmethod
    def of_file(cls, path: Path) -> Contents:
        """For a database the test does not hold open (the CLI or another process opens it)."""
        store = Store.open(path)  # replays a complete WAL, discards an incomplete one
        try:
            return cls(store)
        finally:
            store.close()

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Contents) and (self.version, self.uploads) == (other.version, other.uploads)
                and self.observations.equals(other.observations))

    def __repr__(self) -> str:
        return f"<data version {self.version}, {len(self.observations)} observations>"


@pytest.fixture
def app(demo_db, monkeypatch):
    """Pages (Streamlit's AppTest) of this test's own copy of the demo database, for a test
    that saves; Streamlit's caches go with the test."""
    import streamlit as st

    from tests.apptest import page_opener

    yield page_opener(demo_db, monkeypatch)
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module", autouse=True)
def fresh_streamlit_caches():
    """Streamlit's caches are keyed by database path and data version, so they carry over
    from one test to the next only where tests share a database; they go with the module."""
    yield
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def read_only_db(demo_db_file, tmp_path_factory) -> Path:
    """One copy of the demo database for a module's tests that only look at pages."""
    return _copy(demo_db_file, tmp_path_factory.mktemp("pages") / "demo.duckdb")


@pytest.fixture
def viewer(read_only_db, monkeypatch):
    """Pages (Streamlit's AppTest) of the module's read-only copy of the demo database."""
    from tests.apptest import page_opener

    return page_opener(read_only_db, monkeypatch)
