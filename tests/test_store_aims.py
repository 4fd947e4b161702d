"""Aims, target trajectories and a unit's people in the store: every edit kept as a version,
and the migration that adds them run on a database made before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from qi_dash.aims import Aim
from qi_dash.store import Store
from qi_dash.store.schema import MIGRATIONS
from qi_dash.targets import ALL_UNITS

AIM = Aim(unit="W-ASH", measure="RP_RATE", statement="Reduce restrictive practice by 30% by April 2027",
          change="reduce_by_percent", amount=30, by_date=date(2027, 4, 1), baseline_to=date(2023, 12, 1),
          baseline_from=date(2023, 1, 1))

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def test_an_edited_aim_keeps_its_earlier_version(empty_store):
    (aim_id,) = empty_store.save_aims([AIM], by="Sam")
    edited = replace(AIM, aim_id=aim_id, amount=40, statement="Reduce restrictive practice by 40% by April 2027")
    empty_store.save_aims([edited], by="Kit")
    assert empty_store.aims() == [edited]
    versions = empty_store.aim_versions(aim_id)
    assert versions["version"].tolist() == [2, 1]
    assert versions["amount"].tolist() == [40, 30]
    assert versions["recorded_by"].tolist() == ["Kit", "Sam"]


def test_saving_an_unchanged_aim_writes_no_version(empty_store):
    (aim_id,) = empty_store.save_aims([AIM])
    empty_store.save_aims([replace(AIM, aim_id=aim_id)])
    assert len(empty_store.aim_versions(aim_id)) == 1


def test_a_deleted_aim_is_gone_but_its_history_stays(empty_store):
    first, second = empty_store.save_aims([AIM, replace(AIM, unit="ORG", baseline_value=7.4, baseline_from=None)])
    empty_store.save_aims([replace(AIM, aim_id=first)], by="Sam", delete=True)
    assert [a.aim_id for a in empty_store.aims()] == [second]
    assert empty_store.aim_versions(first)["deleted"].tolist() == [True, False]
    assert empty_store.aims()[0].baseline_value == 7.4 and empty_store.aims()[0].baseline_from is None


def _steps(rows):
    return pd.DataFrame(rows, columns=["unit", "measure", "from_period", "value"])


def test_a_trajectory_is_saved_changed_and_cleared_with_history(empty_store):
    first = _steps([(ALL_UNITS, "RP_RATE", date(2025, 4, 1), 14.0), (ALL_UNITS, "RP_RATE", date(2026, 4, 1), 12.0),
                    ("W-ASH", "RP_RATE", date(2025, 10, 1), 10.0)])
    assert empty_store.save_targets(first, by="Sam") == 2
    assert empty_store.save_targets(first, by="Sam") == 0  # unchanged: nothing written
    steps = empty_store.target_steps()
    assert steps[steps["unit"] == ALL_UNITS]["value"].tolist() == [14.0, 12.0]
    empty_store.save_targets(_steps([("W-ASH", "RP_RATE", date(2025, 10, 1), 9.0)]), by="Kit")
    empty_store.save_targets(_steps([(ALL_UNITS, "RP_RATE", None, None)]), by="Kit")  # cleared
    steps = empty_store.target_steps()
    assert steps[["unit", "value"]].values.tolist() == [["W-ASH", 9.0]]
    history = empty_store.target_versions("W-ASH", "RP_RATE")
    assert history["version"].tolist() == [2, 1]
    assert history["steps"].tolist() == ["01/10/2025: 9.0", "01/10/2025: 10.0"]
    cleared = empty_store.target_versions(ALL_UNITS, "RP_RATE")
    assert cleared["steps"].tolist() == ["", "01/04/2025: 14.0; 01/04/2026: 12.0"]


def test_a_units_coach_and_sponsor_keep_their_history(empty_store):
    people = pd.DataFrame([{"unit": "W-ASH", "coach": "Priya Nair", "coach_role": "QI coach",
                            "sponsor": "Tom Okafor", "sponsor_role": " "}])
    assert empty_store.save_people(people, by="Sam") == 1
    assert empty_store.save_people(people, by="Sam") == 0
    empty_store.save_people(people.assign(coach="Jo Haddad"), by="Kit")
    current = empty_store.people()
    assert current[["unit", "coach", "sponsor"]].values.tolist() == [["W-ASH", "Jo Haddad", "Tom Okafor"]]
    assert pd.isna(current["sponsor_role"].iloc[0])  # blank text is no one, not a space
    history = empty_store.people_versions("W-ASH")
    assert history["coach"].tolist() == ["Jo Haddad", "Priya Nair"]
    assert history["recorded_by"].tolist() == ["Kit", "Sam"]


def test_the_migration_adds_the_tables_to_an_older_database(tmp_path):
    path = tmp_path / "older.duckdb"
    con = duckdb.connect(str(path))
    for script in MIGRATIONS[:-1]:
        con.execute(script)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [len(MIGRATIONS) - 1])
    con.execute("INSERT INTO units VALUES ('W-ASH', 'Ash Ward', 'team', NULL, now(), NULL)")
    con.close()
    store = Store.open(path)
    try:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.aims() == [] and store.target_steps().empty and store.people().empty
        assert store.units()["code"].tolist() == ["W-ASH"]  # data made before is kept
        store.save_aims([AIM])
        assert store.aims()[0].statement == AIM.statement
    finally:
        store.close()


def test_aims_and_trajectories_as_they_stood_at_a_moment(empty_store):
    before = datetime.now(UTC)
    (aim_id,) = empty_store.save_aims([AIM], by="Sam")
    empty_store.save_targets(_steps([("W-ASH", "RP_RATE", date(2025, 10, 1), 10.0)]), by="Sam")
    first = datetime.now(UTC)
    edited = replace(AIM, aim_id=aim_id, amount=40, statement="Reduce restrictive practice by 40% by April 2027")
    empty_store.save_aims([edited], by="Kit")
    empty_store.save_targets(_steps([("W-ASH", "RP_RATE", date(2025, 10, 1), 9.0)]), by="Kit")
    second = datetime.now(UTC)
    empty_store.save_aims([edited], by="Kit", delete=True)
    empty_store.save_targets(_steps([("W-ASH", "RP_RATE", None, None)]), by="Kit")
    assert empty_store.aims(before) == [] and empty_store.target_steps(before).empty
    assert empty_store.aims(first) == [replace(AIM, aim_id=aim_id)]
    assert empty_store.target_steps(first)["value"].tolist() == [10.0]
    assert empty_store.aims(second) == [edited] and empty_store.target_steps(second)["value"].tolist() == [9.0]
    assert empty_store.aims() == [] and empty_store.target_steps().empty


def test_people_as_they_were_recorded_by_a_moment(empty_store):
    people = pd.DataFrame([{"unit": "W-ASH", "coach": "Priya Nair", "coach_role": None,
                            "sponsor": "Tom Okafor", "sponsor_role": None}])
    before = datetime.now(UTC)
    empty_store.save_people(people, by="Sam")
    first = datetime.now(UTC)
    empty_store.save_people(people.assign(coach="Jo Haddad"), by="Kit")
    assert empty_store.people(before).empty
    assert empty_store.people(first)[["coach", "recorded_by"]].values.tolist() == [["Priya Nair", "Sam"]]
    assert empty_store.people()["coach"].tolist() == ["Jo Haddad"]
