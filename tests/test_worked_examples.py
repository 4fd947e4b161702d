"""The README's worked examples, run as a new user would: real public NHS files, mapped."""

from __future__ import annotations

import pytest

from qi_dash import overview
from qi_dash.analysis import measure_view
from qi_dash.store import Store
from tests.conftest import REPO, SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data beside the repository")


@pytest.fixture(autouse=True)
def in_the_repository(monkeypatch):
    """The README's commands name the examples from the repository's folder."""
    monkeypatch.chdir(REPO)


def test_ae_attendances_load_with_a_mapping_and_chart(qi, tmp_path):
    db = tmp_path / "ae.duckdb"
    qi("init", "--db", db, "--measures", "examples/ae_measures.csv", "--hierarchy", "examples/ae_hierarchy.csv")
    assert "38295 added, 0 updated, 0 unchanged" in qi(
        "upload", SHARED_DATA / "ae_attendances.xlsx", "--db", db, "--mapping", "examples/ae_mapping.json"
    ).out
    assert "0 added, 0 updated, 38295 unchanged" in qi(
        "upload", SHARED_DATA / "ae_attendances.xlsx", "--db", db, "--mapping", "examples/ae_mapping.json", "--dry-run"
    ).out
    store = Store.open(db)
    try:
        units = store.units()
        assert (units["level"] == "team").sum() == 428
        assert (units["level"] == "directorate").sum() == 274
        # New teams get codes made from their names (RF4 type 1 → RF4-TYPE-1).
        code = dict(zip(units["name"], units["code"]))
        assert code["RF4 type 1"] == "RF4-TYPE-1" and code["RF4"] == "DIR-RF4"
        departments = [code[f"RF4 type {t}"] for t in ("1", "2", "other")]
        definitions = {d.code: d for d in store.definitions()}
        observations = store.observations(units=departments[:1])
        view = measure_view(observations, definitions["AE_BREACH"], departments[:1])
        assert view.has_data and len(view.result.points) == 36
        # March 2017, trust RF4, type 1: 2,879 breaches of 21,289 attendances (the source row).
        march = view.result.points.set_index("period").loc["2017-03-01", "value"]
        assert march == pytest.approx(100 * 2879 / 21289)
        trust = measure_view(store.observations(units=departments), definitions["AE_BREACH"], departments)
        pooled = trust.series.set_index("period").loc["2017-03-01"]
        assert pooled["numerator"] == 2879 + 22 + 6 and pooled["denominator"] == 21289 + 813 + 2850
        assert len(overview.icon_matrix(store.observations(), list(definitions.values()))) == 428 * 3
    finally:
        store.close()


def test_ons_weekly_deaths_load_with_a_mapping(qi, tmp_path):
    db = tmp_path / "ons.duckdb"
    qi("init", "--db", db, "--measures", "examples/ons_measures.csv", "--hierarchy", "examples/ons_hierarchy.csv")
    out = qi("upload", SHARED_DATA / "ons_mortality.csv", "--db", db, "--mapping", "examples/ons_mapping.json").out
    assert "18751 added" in out
    assert "Skipped 52 rows" in out
    store = Store.open(db)
    try:
        (deaths,) = store.definitions()
        units = store.units()
        [code] = units.loc[units["name"] == "Total deaths: all ages", "code"]
        series = store.observations(units=[code])
        # The week ending Friday 8 January 2010 is the week commencing Monday 4 January 2010.
        assert series["period"].min().strftime("%Y-%m-%d") == "2010-01-04"
        assert (series["period"].dt.day_of_week == 0).all()
        view = measure_view(series, deaths, [code])
        assert len(view.result.points) == 535
    finally:
        store.close()
