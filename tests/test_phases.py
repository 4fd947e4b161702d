"""Phase changes: the domain (qi_dash/phases.py), the store (store/phases.py) with undo and
the migration, the analysis and icon matrix using them, and the demo's (issue 10 item 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from qi_dash import overview, pack
from qi_dash.analysis import measure_view
from qi_dash.demo_phases import DEMO_PHASE_CHANGES
from qi_dash.phases import (
    MIN_BASELINE_POINTS,
    MIN_PHASE_POINTS,
    PhaseChange,
    active_changes,
    as_it_was,
    engine_phases,
    phase_label,
    problems,
    suggestion,
)
from qi_dash.spc import SpcSettings, analyse
from qi_dash.store import Store, StoreError
from qi_dash.store.schema import MIGRATIONS

MONTHS = pd.date_range("2023-01-01", periods=24, freq="MS")
LEVEL = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13, 20, 22, 21, 23, 20, 22, 21, 23, 20, 22, 21, 23]

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def points(values=LEVEL, dates=MONTHS) -> pd.DataFrame:
    return analyse(dates, values).points


def change(period, kind="new_phase", reason="Safety plans at admission", **kw) -> PhaseChange:
    return PhaseChange("W-HAZ", "SAFETY_PLAN", pd.Timestamp(period), kind, reason, **kw)


# -- the domain ---------------------------------------------------------------------------

def test_a_valid_new_phase_has_no_problems():
    assert problems(change("2024-01-01"), points(), "month", []) == []


@pytest.mark.parametrize(("proposed", "expected"), [
    (change("2024-01-01", reason="  "), "Give a reason"),
    (change("2024-01-15"), "15/01/2024 is not a period of this measure: choose the 1st of a month."),
    (change("2023-01-01"), "Jan 23 is not inside the series: choose a period after Jan 23 and no later than Dec 24."),
    (change("2025-03-01"), "Mar 25 is not inside the series"),
    (change("2023-04-01"), f"The phase from Jan 23 would have 3 point(s) with data; a phase needs at least {MIN_PHASE_POINTS}"),
    (change("2024-10-01"), "The phase from Oct 24 would have 3 point(s)"),
    (change("2023-10-01", kind="freeze_baseline"),
     f"A baseline frozen at Oct 23 would have 9 point(s) with data before it; a baseline needs at least {MIN_BASELINE_POINTS}."),
    (change("2024-01-01", kind="rebase"), "Choose what to do: start a new phase or freeze the baseline."),
])
def test_a_change_that_cannot_be_recorded_says_why(proposed, expected):
    found = problems(proposed, points(), "month", [])
    assert any(expected in text for text in found), found


def test_a_weekly_measure_needs_a_monday():
    weeks = pd.date_range("2024-01-01", periods=24, freq="7D")
    found = problems(change("2024-03-06"), points(dates=weeks), "week", [])
    assert found == ["06/03/2024 is not a period of this measure: choose a Monday (the week it commences)."]


def test_two_changes_at_one_period_are_refused_and_a_phase_has_one_baseline():
    existing = [change("2024-01-01", change_id=1)]
    assert problems(change("2024-01-01", kind="freeze_baseline"), points(), "month", existing) == [
        "There is already a phase change at Jan 24: undo it first to record another."]
    freezes = [change("2024-01-01", kind="freeze_baseline")]
    found = problems(change("2024-06-01", kind="freeze_baseline"), points(), "month", freezes)
    assert "The phase from Jan 23 would have two frozen baselines; a phase has one." in found


def test_missing_values_do_not_count_as_points():
    values = [np.nan] * 5 + LEVEL[5:]
    found = problems(change("2023-10-01"), points(values), "month", [])
    assert found == ["The phase from Jan 23 would have 4 point(s) with data; a phase needs at least 7 "
                     "(fewer can show neither a shift nor a trend)."]


def test_engine_phases_split_new_phases_and_freezes():
    phased = engine_phases([change("2023-06-01", kind="freeze_baseline"), change("2024-01-01")])
    assert phased.phase_starts == (pd.Timestamp("2024-01-01"),)
    assert phased.frozen_from == (pd.Timestamp("2023-06-01"),)


def test_active_changes_leave_out_undone_ones_and_other_series():
    frame = pd.DataFrame({
        "change_id": [1, 2, 3], "unit": ["W-HAZ", "W-HAZ", "W-ASH"], "measure": ["SAFETY_PLAN"] * 3,
        "period": pd.to_datetime(["2024-01-01", "2023-09-01", "2024-01-01"]), "kind": ["new_phase"] * 3,
        "reason": ["a", "b", "c"], "cycle_id": pd.array([4, None, None], dtype="Int64"),
        "recorded_by": ["x"] * 3, "recorded_at": [None] * 3, "undone_by": [None, "y", None],
        "undone_at": [None] * 3, "active": [True, False, True],
    })
    (only,) = active_changes(frame, "W-HAZ", "SAFETY_PLAN")
    assert (only.change_id, only.reason, only.cycle_id) == (1, "a", 4)
    assert active_changes(None, "W-HAZ", "SAFETY_PLAN") == ()


def test_a_sustained_shift_in_the_current_phase_is_suggested_from_its_first_point():
    found = suggestion(points(), "xmr", "month", [])
    assert found.period == pd.Timestamp("2024-01-01")
    assert found.text == "A shift started in Jan 24: recalculate the limits from there?"


def test_no_suggestion_once_the_phase_is_started_or_when_the_shift_has_ended():
    phased = analyse(MONTHS, LEVEL, phase_starts=[MONTHS[12]]).points
    assert suggestion(phased, "xmr", "month", [change("2024-01-01")]) is None
    back = LEVEL[:20] + [10, 12, 11, 10]
    assert suggestion(points(back), "xmr", "month", []) is None


def test_a_run_chart_shift_is_suggested_too():
    run = analyse(MONTHS, LEVEL, settings=SpcSettings(chart="run")).points
    assert suggestion(run, "run", "month", []).period == pd.Timestamp("2024-01-01")


def test_phase_labels_say_the_reason():
    assert phase_label(2, change("2024-01-01")) == "Phase 2: Safety plans at admission"
    assert phase_label(2, change("2024-01-01", kind="freeze_baseline")) == "Baseline frozen: Safety plans at admission"
    assert phase_label(3, None) == "Phase 3"


# -- the store ------------------------------------------------------------------------------

def add(store: Store, period="2024-04-01", **kw) -> int:
    given = {"unit": "W-HAZ", "measure": "SAFETY_PLAN", "period": period, "kind": "new_phase",
             "reason": "Safety plans at admission", "recorded_by": "Sam"} | kw
    return store.add_phase_change(**given)


def test_a_change_is_kept_with_who_when_why_and_moves_the_data_version_on(empty_store):
    before = empty_store.data_version()
    change_id = add(empty_store, cycle_id=3)
    assert empty_store.data_version() == before + 1
    row = empty_store.phase_changes().iloc[0]
    assert (row.change_id, row.unit, row.measure, row.period, row.kind, row.reason, row.cycle_id, row.recorded_by) == (
        change_id, "W-HAZ", "SAFETY_PLAN", pd.Timestamp("2024-04-01"), "new_phase", "Safety plans at admission", 3, "Sam")
    assert row.active and pd.notna(row.recorded_at)


def test_undo_is_a_recorded_reversal_not_a_delete(empty_store):
    change_id = add(empty_store)
    version = empty_store.data_version()
    empty_store.undo_phase_change(change_id, by="Alex")
    assert empty_store.data_version() == version + 1
    row = empty_store.phase_changes().iloc[0]
    assert not row.active and row.undone_by == "Alex" and pd.notna(row.undone_at)
    assert active_changes(empty_store.phase_changes(), "W-HAZ", "SAFETY_PLAN") == ()
    with pytest.raises(StoreError, match="already been undone"):
        empty_store.undo_phase_change(change_id, by="Alex")
    with pytest.raises(StoreError, match="There is no phase change 99"):
        empty_store.undo_phase_change(99)
    add(empty_store)  # the period is free again once undone
    assert empty_store.phase_changes()["active"].tolist() == [False, True]


def test_the_store_refuses_what_no_chart_could_read_and_writes_nothing(empty_store):
    add(empty_store)
    version = empty_store.data_version()
    with pytest.raises(StoreError, match="already has a phase change in force"):
        add(empty_store)
    with pytest.raises(StoreError, match="needs a reason"):
        add(empty_store, period="2024-06-01", reason=" ")
    with pytest.raises(StoreError, match="new_phase, freeze_baseline"):
        add(empty_store, period="2024-06-01", kind="rebase")
    assert empty_store.data_version() == version and len(empty_store.phase_changes()) == 1


def test_phase_changes_are_read_by_unit_and_measure(empty_store):
    add(empty_store)
    add(empty_store, unit="W-ASH", measure="HUDDLES", period="2023-07-03")
    assert empty_store.phase_changes(units=["W-ASH"])["measure"].tolist() == ["HUDDLES"]
    assert empty_store.phase_changes(measures=["SAFETY_PLAN"])["unit"].tolist() == ["W-HAZ"]
    assert empty_store.phase_changes(units=["W-OAK"]).empty


def test_an_older_database_gains_phase_changes_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for script in MIGRATIONS[:-1]:
        con.execute(script)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [len(MIGRATIONS) - 1])
    con.execute("INSERT INTO units VALUES ('W-HAZ', 'Hazel Ward', 'team', NULL, now(), NULL)")
    con.close()
    store = Store.open(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.units()["code"].tolist() == ["W-HAZ"]
    assert store.phase_changes().empty
    add(store)
    assert len(store.phase_changes()) == 1
    store.close()


# -- analysis, the icon matrix and the demo ----------------------------------------------------

def test_the_demo_records_its_phase_changes(demo_store):
    frame = demo_store.phase_changes()
    assert len(frame) == len(DEMO_PHASE_CHANGES) and frame["active"].all()
    assert set(frame["recorded_by"]) == {"demo"}


def test_hazels_safety_plans_read_the_current_phase(demo_store):
    definition = next(d for d in demo_store.definitions() if d.code == "SAFETY_PLAN")
    observations = demo_store.observations(units=["W-HAZ"])
    before = measure_view(observations, definition, ["W-HAZ"]).result
    assert before.points["signal"].sum() == len(before.points) == 34  # one mean across both periods
    changes = active_changes(demo_store.phase_changes(), "W-HAZ", "SAFETY_PLAN")
    view = measure_view(observations, definition, ["W-HAZ"], phase_changes=changes)
    assert view.phase_changes == changes
    result = view.result
    assert result.points["signal"].sum() < 34 and result.phases["phase"].tolist() == [1, 2]
    latest = result.points[result.points["phase"] == 2]
    assert result.target < latest["upper"].iloc[-1] and result.target > latest["lower"].iloc[-1]
    assert result.assurance_icon == "hit_and_miss"  # against the new phase's limits, around 92%
    assert latest["centre"].iloc[-1] > 85


def test_every_demo_change_passes_the_checks(demo_store):
    by_code = {d.code: d for d in demo_store.definitions()}
    frame = demo_store.phase_changes()
    for row in DEMO_PHASE_CHANGES:
        definition = by_code[row["measure"]]
        view = measure_view(demo_store.observations(units=[row["unit"]]), definition, [row["unit"]])
        others = [c for c in active_changes(frame, row["unit"], row["measure"]) if c.period != pd.Timestamp(row["period"])]
        proposed = PhaseChange(row["unit"], row["measure"], pd.Timestamp(row["period"]), row["kind"], row["reason"])
        assert problems(proposed, view.result.points, definition.frequency, others) == []


def test_the_icon_matrix_agrees_with_the_charts_phases(demo_store):
    frame = demo_store.phase_changes()
    matrix = overview.icon_matrix(demo_store.observations(), demo_store.definitions(), phase_changes=frame)
    icons = matrix.set_index(["unit", "measure"])
    by_code = {d.code: d for d in demo_store.definitions()}
    for unit, measure in (("W-HAZ", "SAFETY_PLAN"), ("W-ASH", "HUDDLES")):
        view = measure_view(demo_store.observations(units=[unit]), by_code[measure], [unit],
                            phase_changes=active_changes(frame, unit, measure))
        assert icons.loc[(unit, measure), "variation_icon"] == view.result.variation_icon
        assert icons.loc[(unit, measure), "assurance_icon"] == view.result.assurance_icon
    plain = overview.icon_matrix(demo_store.observations(), demo_store.definitions()).set_index(["unit", "measure"])
    assert plain.loc[("W-HAZ", "SAFETY_PLAN"), "variation_icon"] == "improvement_high"
    assert icons.loc[("W-HAZ", "SAFETY_PLAN"), "variation_icon"] == "common_cause"


def test_a_pooled_series_uses_only_its_own_units_changes(demo_store):
    definition = next(d for d in demo_store.definitions() if d.code == "SAFETY_PLAN")
    hierarchy = demo_store.hierarchy()
    directorate = hierarchy.parent("W-HAZ")
    teams = hierarchy.teams_under(directorate)
    frame = demo_store.phase_changes()
    own = active_changes(frame, directorate, "SAFETY_PLAN")
    assert own == ()  # Hazel's change is Hazel's, not the directorate's
    pooled = measure_view(demo_store.observations(units=teams), definition, teams, phase_changes=own)
    assert pooled.result.phases["phase"].tolist() == [1]


def test_hazels_seclusion_run_chart_reads_right(demo_store):
    """Issue 10: too few runs coloured every point purple and gave the latest high value a
    purple icon on a lower-is-better measure."""
    definition = next(d for d in demo_store.definitions() if d.code == "SECL_HRS")
    result = measure_view(demo_store.observations(units=["W-HAZ"]), definition, ["W-HAZ"]).result
    assert definition.direction == "decrease" and definition.chart == "run"
    assert result.phases["runs_reason"].iloc[-1].startswith("Too few runs")
    assert "Too few runs" in result.summary
    assert not result.points["point_type"].str.startswith("neutral").any()
    assert result.points["signal"].sum() < len(result.points)
    assert not result.variation_icon.startswith("neutral")


def test_as_it_was_keeps_the_changes_recorded_and_in_force_at_that_moment(empty_store):
    before = datetime.now(UTC)
    change_id = add(empty_store)
    between = datetime.now(UTC)
    empty_store.undo_phase_change(change_id, by="Alex")
    frame = empty_store.phase_changes()
    assert as_it_was(frame, None) is frame
    assert as_it_was(frame, before).empty  # not yet recorded
    assert as_it_was(frame, between)["active"].tolist() == [True]  # recorded, not yet undone
    assert empty_store.phase_changes(as_of=between)["active"].tolist() == [True]
    assert as_it_was(frame, datetime.now(UTC))["active"].tolist() == [False]
    assert frame["active"].tolist() == [False]  # the store's frame is left as it was read


def test_a_pack_as_of_a_day_draws_the_limits_of_that_day(demo_store, monkeypatch):
    # Hazel's phase change as if recorded in 2099: a pack as of 2030 predates it.
    recorded_later = demo_store.phase_changes().assign(recorded_at=pd.Timestamp("2099-01-01", tz="UTC"))
    monkeypatch.setattr(demo_store, "phase_changes",
                        lambda units=None, measures=None, as_of=None: as_it_was(recorded_later, as_of))

    def safety_plans(as_of):
        return pack.read_pack(demo_store, "W-HAZ", measures=["SAFETY_PLAN"], as_of=as_of).charts[0].line

    # With the new phase in force its limits describe it; before, one mean across both periods.
    assert safety_plans(None).variation_icon == "common_cause"
    assert safety_plans(date(2030, 1, 1)).variation_icon == "improvement_high"
