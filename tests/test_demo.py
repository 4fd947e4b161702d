"""The demo organisation: valid canonical-template rows that tell the intended story."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from qi_dash.bootstrap import DEMO_HIERARCHY, STANDARD_MEASURES
from qi_dash.definitions import FAMILIES, FREQUENCIES, KINDS, read_definitions
from qi_dash.demo import DEMO_STORY, DEMO_TEAM_MEASURES, demo_observations
from qi_dash.hierarchy import read_hierarchy
from qi_dash.store import OBSERVATION_COLUMNS


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return demo_observations()


@pytest.fixture(scope="module")
def definitions() -> dict:
    return {d.code: d for d in read_definitions(STANDARD_MEASURES)}


def series(demo: pd.DataFrame, team: str, measure: str) -> pd.DataFrame:
    return demo[(demo["unit"] == team) & (demo["measure"] == measure)]


def series_of(demo: pd.DataFrame, measure: str) -> pd.DataFrame:
    return demo[demo["measure"] == measure]


def level(rows: pd.DataFrame) -> float:
    """Pooled rate for numerator/denominator rows, mean value otherwise."""
    if rows["denominator"].notna().all():
        return rows["numerator"].sum() / rows["denominator"].sum()
    return rows["value"].mean()


def before_after(demo: pd.DataFrame, team: str, measure: str, change: date) -> tuple[float, float]:
    rows = series(demo, team, measure)
    return level(rows[rows["period"] < change]), level(rows[rows["period"] >= change])


def test_the_same_seed_gives_byte_identical_data(demo):
    again = demo_observations()
    pd.testing.assert_frame_equal(demo, again)
    assert demo.to_csv(index=False) == again.to_csv(index=False)


def test_another_seed_gives_other_numbers(demo):
    assert not demo["numerator"].equals(demo_observations(seed=7)["numerator"])


def test_columns_are_the_stored_observation_columns(demo):
    assert list(demo.columns) == OBSERVATION_COLUMNS
    assert all(type(p) is date for p in demo["period"])


def test_organisation_has_enough_teams_and_measures(demo, definitions):
    units = read_hierarchy(DEMO_HIERARCHY)
    assert (units["level"] == "organisation").sum() == 1
    assert 3 <= (units["level"] == "directorate").sum() <= 4
    teams = set(units.loc[units["level"] == "team", "code"])
    assert len(teams) >= 12
    assert set(demo["unit"]) == teams == set(DEMO_TEAM_MEASURES)
    assert len(definitions) >= 9
    assert set(demo["measure"]) == set(definitions)
    assert {d.family for d in definitions.values()} == set(FAMILIES)
    assert {d.kind for d in definitions.values()} == set(KINDS)
    assert {d.frequency for d in definitions.values()} == set(FREQUENCIES)


def test_each_team_reports_exactly_its_measures(demo):
    reported = demo.groupby("unit")["measure"].agg(set).to_dict()
    assert reported == {team: set(measures) for team, measures in DEMO_TEAM_MEASURES.items()}


def test_two_to_three_years_of_data(demo, definitions):
    weekly = demo[demo["measure"].map(lambda m: definitions[m].frequency == "week")]
    assert 130 <= weekly["period"].nunique() <= 156
    assert date(2023, 1, 1) <= demo["period"].min() and demo["period"].max() <= date(2025, 12, 31)


def test_periods_align_with_each_measures_frequency(demo, definitions):
    for measure, rows in demo.groupby("measure"):
        if definitions[measure].frequency == "month":
            assert all(p.day == 1 for p in rows["period"]), measure
        else:
            assert all(p.weekday() == 0 for p in rows["period"]), measure


def test_no_duplicate_team_measure_period(demo):
    assert not demo.duplicated(["unit", "measure", "period"]).any()


def test_numbers_fill_the_columns_their_kind_needs(demo, definitions):
    ratio = demo["measure"].map(lambda m: definitions[m].has_denominator)
    assert demo.loc[ratio, ["numerator", "denominator"]].notna().all().all()
    assert demo.loc[ratio, "value"].isna().all()
    assert demo.loc[~ratio, "value"].notna().all()
    assert demo.loc[~ratio, ["numerator", "denominator"]].isna().all().all()


def test_numbers_are_valid(demo, definitions):
    numbers = demo[["numerator", "denominator", "value"]]
    assert (numbers.fillna(0) >= 0).all().all()
    assert (demo["denominator"].dropna() > 0).all()
    proportion = demo["measure"].map(lambda m: definitions[m].kind == "proportion")
    assert (demo.loc[proportion, "numerator"] <= demo.loc[proportion, "denominator"]).all()
    scores = series_of(demo, "SAFE_SCORE")["value"]
    assert scores.between(0, 10).all()


def test_ward_bed_days_are_realistic(demo):
    # Ash and Cedar have 22 beds: at most 22 x 31 bed days, and over 80% full even in February.
    bed_days = series_of(demo, "RP_RATE")
    bed_days = bed_days.loc[bed_days["unit"].isin(["W-ASH", "W-CED"]), "denominator"]
    assert bed_days.between(0.8 * 22 * 28, 22 * 31).all()


def test_comments_exercise_escaping_and_formula_neutralising(demo):
    comments = demo.loc[demo["comment"] != "", "comment"]
    assert 0 < len(comments) < 20
    assert comments.str.match(r"[+=\-]").any()
    assert comments.str.contains("<b>").any()


def test_the_story_names_real_teams_and_dates(demo):
    teams = set(demo["unit"])
    assert len(DEMO_STORY) >= 5
    for event in DEMO_STORY:
        assert set(event) == {"unit", "date", "title", "detail"}
        assert event["unit"] in teams
        assert type(event["date"]) is date
        assert event["title"] and event["detail"]


def test_ash_ward_restrictive_practice_falls_after_safewards(demo):
    before, after = before_after(demo, "W-ASH", "RP_RATE", date(2024, 1, 1))
    assert after <= 0.75 * before


def test_hazel_ward_safety_plans_reach_the_target(demo):
    before, after = before_after(demo, "W-HAZ", "SAFETY_PLAN", date(2024, 6, 1))
    assert before < 0.6 and after >= 0.85


def test_cedar_ward_deteriorates_after_its_staffing_crisis(demo):
    for measure in ("RP_RATE", "ASSAULT", "SICKNESS"):
        before, after = before_after(demo, "W-CED", measure, date(2024, 7, 1))
        assert after >= 1.25 * before, measure


def test_a_stable_ward_stays_stable(demo):
    before, after = before_after(demo, "W-OAK", "RP_RATE", date(2024, 7, 1))
    assert 0.7 <= after / before <= 1.4


def test_birch_ward_reports_nothing_while_closed(demo):
    birch = demo[demo["unit"] == "W-BIR"]
    closed = birch[(birch["period"] >= date(2024, 8, 1)) & (birch["period"] < date(2024, 9, 30))]
    assert closed.empty
    assert (birch["period"] >= date(2024, 10, 1)).any()


def test_some_periods_are_missing(demo, definitions):
    months = demo.loc[demo["measure"].map(lambda m: definitions[m].frequency == "month"), "period"].nunique()
    returned = series(demo, "CMHT-S", "SAFETY_PLAN")
    assert len(returned) == months - 1
