"""The stored series summary: each unit × measure's latest point, limits and icons, equal to
analysing the series alone, and kept in step by every write that changes a series."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qi_dash import periods, summary, targets
from qi_dash.analysis import measure_view
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import read_definitions
from qi_dash.phases import active_changes
from qi_dash.store import Store, UploadMeta

STANDARD = read_definitions(STANDARD_MEASURES)

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def _follows(store: Store):
    defaults = {d.code: d.target for d in store.definitions()}
    return targets.targets_by_unit(store.target_steps(), store.hierarchy().path_to, defaults)


def _fresh(store: Store) -> pd.DataFrame:
    return summary.summarise(store.observations(), store.definitions(), store.hierarchy(),
                             targets=_follows(store), phase_changes=store.phase_changes())


def _as_charted(store: Store) -> None:
    """Every stored series equals its chart: ``measure_view`` of the unit's teams with the
    unit's phase changes in force and the targets over time it follows, as the pages call it."""
    stored = store.summary()
    tree, observations = store.hierarchy(), store.observations()
    by_code = {d.code: d for d in store.definitions()}
    follows, changes = _follows(store), store.phase_changes()
    assert set(stored["unit"].map(tree.level)) == {"team", "directorate", "organisation"}
    for row in stored.itertuples(index=False):
        view = measure_view(observations, by_code[row.measure], tree.teams_under(row.unit),
                            trajectory=follows(row.unit, row.measure),
                            phase_changes=active_changes(changes, row.unit, row.measure))
        latest = view.latest
        assert (row.variation_icon, row.assurance_icon) == (view.result.variation_icon, view.result.assurance_icon), row
        assert row.target == pytest.approx(view.result.target, nan_ok=True), row
        assert row.points == view.result.points["value"].notna().sum()
        assert row.latest_period == latest["period"]
        assert row.latest_value == pytest.approx(latest["value"])
        assert row.centre == pytest.approx(latest["centre"], nan_ok=True)
        assert row.lower == pytest.approx(latest["lower"], nan_ok=True)
        assert row.upper == pytest.approx(latest["upper"], nan_ok=True)


def _same(stored: pd.DataFrame, fresh: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        stored.reset_index(drop=True), fresh.reset_index(drop=True), check_dtype=False, check_exact=False)


def _correction(store: Store, team: str, measure: str, **numbers: float) -> pd.DataFrame:
    """The latest stored row of a team's measure with new numbers, as an upload would give it."""
    rows = store.observations([team], [measure])
    row = rows.iloc[[-1]][["unit", "measure", "period", "numerator", "denominator", "value", "comment"]].copy()
    for name, number in numbers.items():
        row[name] = number
    return row.reset_index(drop=True)


def test_every_stored_series_equals_its_chart_with_phases_and_targets_over_time(demo_store):
    _as_charted(demo_store)
    stored = demo_store.summary().set_index(["unit", "measure"])
    # The demo's stories reach the summary: Hazel's new phase, Hazel's own trajectory.
    assert stored.loc[("W-HAZ", "SAFETY_PLAN"), "variation_icon"] == "common_cause"
    assert stored.loc[("W-HAZ", "RP_RATE"), "target"] != stored.loc[("W-ASH", "RP_RATE"), "target"]


def test_adding_and_undoing_a_phase_change_refreshes_its_series(demo_store):
    before = demo_store.summary()
    ash = demo_store.observations(["W-ASH"], ["RP_RATE"])
    change = demo_store.add_phase_change("W-ASH", "RP_RATE", ash["period"].iloc[-12], "new_phase", "Safewards in place")
    after = demo_store.summary().set_index(["unit", "measure"])
    # A new phase of the last twelve points: new limits for Ash's series, none for Cedar's.
    assert after.loc[("W-ASH", "RP_RATE"), "centre"] != before.set_index(["unit", "measure"]).loc[
        ("W-ASH", "RP_RATE"), "centre"]
    _as_charted(demo_store)
    _same(demo_store.summary(), _fresh(demo_store))
    demo_store.undo_phase_change(change)
    _same(demo_store.summary(), before)


def test_a_directorates_phase_change_refreshes_its_pooled_series(demo_store):
    pooled = demo_store.summary(["DIR-ACU"]).set_index("measure")
    periods = demo_store.observations(["W-ASH"], ["RP_RATE"])["period"]
    demo_store.add_phase_change("DIR-ACU", "RP_RATE", periods.iloc[-12], "new_phase", "Safewards across the directorate")
    moved = demo_store.summary(["DIR-ACU"]).set_index("measure")
    assert moved.loc["RP_RATE", "centre"] != pooled.loc["RP_RATE", "centre"]
    _as_charted(demo_store)


def test_saving_a_target_trajectory_refreshes_the_assurance_of_its_series(demo_store):
    before = demo_store.summary().set_index(["unit", "measure"])
    # Cedar Ward's own trajectory: a target far below its limits from long ago (lower is better).
    steps = pd.DataFrame({"unit": ["W-CED"], "measure": ["RP_RATE"], "from_period": [pd.Timestamp("2020-01-01")],
                          "value": [0.5]})
    assert demo_store.save_targets(steps) == 1
    after = demo_store.summary().set_index(["unit", "measure"])
    assert after.loc[("W-CED", "RP_RATE"), "target"] == 0.5
    assert after.loc[("W-CED", "RP_RATE"), "assurance_icon"] == "fail"
    assert before.loc[("W-CED", "RP_RATE"), "target"] != 0.5
    _as_charted(demo_store)
    _same(demo_store.summary(), _fresh(demo_store))


def test_a_measure_not_combined_across_teams_has_no_pooled_series(demo_store):
    definitions = [replace(d, aggregation="none") if d.code == "PRN" else d for d in demo_store.definitions()]
    fresh = summary.summarise(demo_store.observations(), definitions, demo_store.hierarchy())
    prn = fresh[fresh["measure"] == "PRN"]
    assert not prn.empty and set(prn["unit"].map(demo_store.hierarchy().level)) == {"team"}


def test_rows_of_measures_without_a_definition_are_left_out(demo_store):
    """Rows of a measure with no definition (here PRN, its definition withheld) change nothing
    about the other series, wherever they sit among them."""
    observations, tree = demo_store.observations(), demo_store.hierarchy()
    others = [d for d in demo_store.definitions() if d.code != "PRN"]
    assert (observations["measure"] == "PRN").any()
    without = summary.summarise(observations[observations["measure"] != "PRN"], others, tree)
    shuffled = observations.sample(frac=1, random_state=3)
    with_them = summary.summarise(shuffled, others, tree)
    assert "PRN" not in set(with_them["measure"])
    _same(with_them, without)


def test_an_upload_refreshes_the_team_and_every_unit_above_it(demo_store):
    before = demo_store.summary().set_index(["unit", "measure"])
    row = _correction(demo_store, "W-ASH", "RP_RATE", numerator=400.0)
    demo_store.commit_upload(row, UploadMeta("fix.csv", "a" * 64))
    after = demo_store.summary()
    _same(after, _fresh(demo_store))
    changed = after.set_index(["unit", "measure"])
    for unit in ("W-ASH", "DIR-ACU", "ORG"):
        assert changed.loc[(unit, "RP_RATE"), "latest_value"] != before.loc[(unit, "RP_RATE"), "latest_value"]
    # A series the upload did not touch keeps its row.
    assert changed.loc[("W-CED", "RP_RATE"), "latest_value"] == before.loc[("W-CED", "RP_RATE"), "latest_value"]


def test_undo_puts_the_summary_back_as_it_was(demo_store):
    before = demo_store.summary()
    row = _correction(demo_store, "W-ASH", "SAFETY_PLAN", numerator=0.0)
    saved = demo_store.commit_upload(row, UploadMeta("fix.csv", "b" * 64))
    assert not demo_store.summary().equals(before)
    demo_store.undo_upload(saved.upload_id)
    _same(demo_store.summary(), before)


def test_a_new_period_for_a_team_new_to_a_measure_adds_its_series(demo_store):
    row = pd.DataFrame({"unit": ["W-ASH"], "measure": ["ADMISSIONS"], "period": [pd.Timestamp("2030-01-01")],
                        "numerator": [np.nan], "denominator": [np.nan], "value": [7.0], "comment": [pd.NA]})
    had = ("W-ASH", "ADMISSIONS") in set(zip(demo_store.summary()["unit"], demo_store.summary()["measure"]))
    demo_store.commit_upload(row, UploadMeta("new.csv", "c" * 64))
    after = demo_store.summary().set_index(["unit", "measure"])
    assert after.loc[("W-ASH", "ADMISSIONS"), "latest_period"] == pd.Timestamp("2030-01-01")
    assert had or after.loc[("W-ASH", "ADMISSIONS"), "points"] == 1
    _same(demo_store.summary(), _fresh(demo_store))


def test_a_changed_target_refreshes_the_assurance_of_that_measure(demo_store):
    sickness = next(d for d in demo_store.definitions() if d.code == "SICKNESS")
    demo_store.save_definitions([replace(sickness, target=50.0)])
    stored = demo_store.summary()
    _same(stored, _fresh(demo_store))
    # Lower is better: a target far above the upper limit is consistently passed.
    assert set(stored.loc[stored["measure"] == "SICKNESS", "assurance_icon"]) == {"pass"}


def test_moving_a_team_to_another_directorate_moves_it_between_pooled_series(demo_store):
    units = demo_store.units()
    moved = units[units["code"] == "W-ASH"].assign(parent="DIR-FOR")
    demo_store.save_units(moved)
    _same(demo_store.summary(), _fresh(demo_store))


def test_a_database_made_before_the_summary_gets_it_when_opened(demo_db):
    store = Store.open(demo_db)
    expected = store.summary()
    store._write(lambda cur: cur.execute("DELETE FROM series_summary"), bump=False)
    assert store.summary().empty
    store.close()
    reopened = Store.open(demo_db)
    _same(reopened.summary(), expected)
    reopened.close()


def test_an_empty_store_has_an_empty_summary(empty_store):
    assert empty_store.summary().empty
    assert list(empty_store.summary().columns) == summary.SUMMARY_COLUMNS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)), min_size=1),
       st.sampled_from(["week", "month"]))
def test_period_numbers_are_those_of_the_periods_module(stamps, frequency):
    dates = pd.DatetimeIndex(stamps).as_unit("ns").to_numpy()
    measure = [replace(STANDARD[0], frequency=frequency)]
    numbers = summary._ordinals(dates, np.zeros(len(dates), np.int64), measure)
    assert numbers.tolist() == periods.ordinals(pd.Series(dates), frequency).tolist()
    starts = summary._from_ordinals(numbers, np.full(len(dates), frequency == "month"))
    assert (starts == periods.from_ordinals(numbers, frequency).to_numpy()).all()


def test_a_period_given_twice_for_one_series_is_refused(demo_store):
    observations = demo_store.observations(["W-ASH"], ["RP_RATE"])
    twice = pd.concat([observations, observations.iloc[[-1]]], ignore_index=True)
    with pytest.raises(ValueError, match="only once"):
        summary.summarise(twice, demo_store.definitions(), demo_store.hierarchy())



def test_a_missing_period_is_refused(demo_store):
    observations = demo_store.observations(["W-ASH"], ["RP_RATE"])
    observations.loc[observations.index[-1], "period"] = pd.NaT
    with pytest.raises(ValueError, match="missing period"):
        summary.summarise(observations, demo_store.definitions(), demo_store.hierarchy())
