"""PDSA cycles in the store (qi_dash/store/cycles.py): saved, edited as new versions, and the
tests of change of older databases kept as cycles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import duckdb
import pytest

from qi_dash import bootstrap
from qi_dash.demo_pdsa import DEMO_PDSA_CYCLES
from qi_dash.pdsa import PdsaCycle, PdsaError
from qi_dash.store import Store, StoreError
from qi_dash.store.schema import MIGRATIONS

CYCLE = PdsaCycle(title="Sensory room and safety pod", unit="W-HAZ", plan_date=date(2024, 5, 13),
                  change_idea="A sensory room", measures=("RP_RATE", "SECL_HRS"),
                  prediction="Fewer restraints within three months", do_date=date(2024, 7, 1))

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "cycles.duckdb")
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    yield store
    store.close()


def test_a_new_cycle_is_saved_with_every_field_and_read_back_as_it_was(store):
    cycle_id = store.save_pdsa_cycle(CYCLE, by="Sam (charge nurse)")
    (row,) = store.pdsa_cycles(["W-HAZ"]).to_dict("records")
    assert PdsaCycle.from_row(row) == CYCLE
    assert (row["cycle_id"], row["version"], row["recorded_by"]) == (cycle_id, 1, "Sam (charge nurse)")
    assert store.pdsa_cycles(["W-ASH"]).empty


def test_an_edit_is_a_new_version_and_the_history_keeps_what_it_said_before(store):
    cycle_id = store.save_pdsa_cycle(CYCLE, by="Sam")
    studied = replace(CYCLE, cycle_id=cycle_id, study_date=date(2024, 9, 30), study_notes="Restraint down a third",
                      learned="Offer the room early", decision="adopt")
    before = store.data_version()
    assert store.save_pdsa_cycle(studied, by="Alex") == cycle_id
    assert store.data_version() == before + 1
    current = store.pdsa_cycles()
    assert len(current) == 1 and current.loc[0, "version"] == 2 and current.loc[0, "decision"] == "adopt"
    assert current.loc[0, "recorded_by"] == "Sam"  # who first recorded it stays
    versions = store.pdsa_cycle_versions(cycle_id)
    assert versions["version"].tolist() == [2, 1]
    assert versions["saved_by"].tolist() == ["Alex", "Sam"]
    assert versions["decision"].isna().tolist() == [False, True]
    assert PdsaCycle.from_row(versions.iloc[1]) == CYCLE
    assert versions["saved_at"].iloc[0] >= versions["saved_at"].iloc[1]


def test_saving_an_unchanged_cycle_writes_no_version(store):
    cycle_id = store.save_pdsa_cycle(CYCLE)
    store.save_pdsa_cycle(replace(CYCLE, cycle_id=cycle_id), by="someone else")
    assert store.pdsa_cycle_versions(cycle_id)["version"].tolist() == [1]


def test_a_cycle_that_cannot_be_saved_writes_nothing(store):
    before = store.data_version()
    with pytest.raises(PdsaError, match="The Do date .* is before the Plan date"):
        store.save_pdsa_cycle(replace(CYCLE, do_date=date(2024, 1, 1)))
    with pytest.raises(PdsaError, match="No measure has the code MADE_UP"):
        store.add_pdsa_cycles([CYCLE, replace(CYCLE, measures=("MADE_UP",))])
    with pytest.raises(StoreError, match="no PDSA cycle number 99"):
        store.save_pdsa_cycle(replace(CYCLE, cycle_id=99))
    assert store.pdsa_cycles().empty
    assert store.data_version() == before


def test_many_cycles_are_added_in_one_write_each_with_its_first_version(store):
    ids = store.add_pdsa_cycles(DEMO_PDSA_CYCLES, by="demo")
    assert len(ids) == len(set(ids)) == len(DEMO_PDSA_CYCLES)
    stored = store.pdsa_cycles()
    assert sorted(stored["title"]) == sorted(c.title for c in DEMO_PDSA_CYCLES)
    assert all(store.pdsa_cycle_versions(i)["version"].tolist() == [1] for i in ids[:3])
    no_measures = store.save_pdsa_cycle(replace(CYCLE, measures=()))
    assert store.pdsa_cycles().set_index("cycle_id").loc[no_measures, "measures"] == []


def test_the_tests_of_change_of_an_older_database_become_cycles_with_their_first_version(tmp_path):
    """A database one migration before PDSA cycles, holding two tests of change, keeps both:
    the date becomes the Plan date, what was tried the change idea, and each has version 1."""
    before_cycles = next(i for i, script in enumerate(MIGRATIONS) if "pdsa_cycle_versions" in script)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for script in MIGRATIONS[:before_cycles]:
        con.execute(script)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [before_cycles])
    recorded = datetime(2024, 2, 1, 9, tzinfo=UTC)
    con.execute("SELECT nextval('change_ids') FROM range(2)")
    con.executemany(
        "INSERT INTO tests_of_change VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[1, "W-ASH", date(2023, 5, 1), "Twice-daily safety huddles", "Huddles at 09:30 and 21:30", recorded, "Sam"],
         [2, "W-HAZ", date(2024, 4, 1), "Safety plans at admission", None, recorded, None]],
    )
    con.close()

    store = Store.open(path)
    cycles = store.pdsa_cycles()
    assert cycles["cycle_id"].tolist() == [1, 2]
    assert cycles["plan_date"].dt.date.tolist() == [date(2023, 5, 1), date(2024, 4, 1)]
    assert cycles["change_idea"].tolist()[0] == "Huddles at 09:30 and 21:30"
    assert cycles["version"].tolist() == [1, 1] and cycles["decision"].isna().all()
    first = store.pdsa_cycle_versions(1)
    assert first[["version", "title", "saved_by"]].values.tolist() == [[1, "Twice-daily safety huddles", "Sam"]]
    # An old test of change can be edited like any cycle, and the next id follows on.
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES)
    old = replace(PdsaCycle.from_row(cycles.iloc[0]), decision="adopt", measures=("HUDDLES",))
    store.save_pdsa_cycle(old, by="Alex")
    assert store.pdsa_cycle_versions(1)["version"].tolist() == [2, 1]
    assert store.save_pdsa_cycle(CYCLE) == 3
    store.close()


def test_cycles_as_they_stood_at_a_moment(store):
    before = datetime.now(UTC)
    cycle_id = store.save_pdsa_cycle(CYCLE, by="Sam")
    planned = datetime.now(UTC)
    store.save_pdsa_cycle(replace(CYCLE, cycle_id=cycle_id, decision="adopt"), by="Alex")
    assert store.pdsa_cycles(as_of=before).empty  # not yet recorded
    (then,) = store.pdsa_cycles(["W-HAZ"], as_of=planned).to_dict("records")
    assert PdsaCycle.from_row(then) == CYCLE  # no decision yet
    assert (then["cycle_id"], then["version"], then["recorded_by"]) == (cycle_id, 1, "Sam")
    assert store.pdsa_cycles(["W-ASH"], as_of=planned).empty
    now = store.pdsa_cycles(as_of=datetime.now(UTC))
    assert now["decision"].tolist() == ["adopt"] and now["recorded_by"].tolist() == ["Sam"]
    assert now.columns.tolist() == store.pdsa_cycles().columns.tolist()
