"""Aims: the goal from a baseline, the goal line, progress in words, the checks, and which aims
a unit's page shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from qi_dash.aims import Aim, AimError, aims_shown, baseline, check_aim, goal_label, goal_line, goal_value, progress
from tests.test_charts import definition

RATE = definition(name="Restraint per 1,000 bed days")
PLAN = definition(code="SAFETY_PLAN", name="Safety plans", kind="proportion", unit="%", multiplier=100,
                  direction="increase", chart="p")
AIM = Aim(unit="ORG", measure="RP_RATE", statement="Reduce restrictive practice by 30% by April 2027",
          change="reduce_by_percent", amount=30, by_date=date(2027, 4, 1), baseline_to=date(2023, 12, 1),
          baseline_value=7.4)


def points(values: list[float], start: str = "2023-01-01") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="MS"), "value": values})


@pytest.mark.parametrize(("change", "amount", "goal"), [
    ("reduce_by_percent", 30, 7.0), ("increase_by_percent", 10, 11.0), ("reduce_by", 2.5, 7.5),
    ("increase_by", 2.5, 12.5), ("reduce_to", 6, 6.0), ("increase_to", 90, 90.0),
])
def test_the_goal_is_relative_or_absolute(change, amount, goal):
    assert goal_value(replace(AIM, change=change, amount=amount), 10.0) == pytest.approx(goal)


def test_the_goal_line_runs_from_the_baseline_to_the_by_date_and_is_labelled():
    xs, ys = goal_line(AIM, 7.4)
    assert xs == [pd.Timestamp("2023-12-01"), pd.Timestamp("2027-04-01")]
    assert ys == pytest.approx([7.4, 5.18])
    assert goal_label(AIM, 7.4, RATE) == "Aim: 5.2 by Apr 27"


def test_a_computed_baseline_is_the_mean_or_median_of_its_period_and_says_so():
    series = points([8, 9, 7, 30, 6, 5])  # Jan–Jun 23; the baseline is Jan–Apr
    aim = replace(AIM, baseline_value=None, baseline_from=date(2023, 1, 1), baseline_to=date(2023, 4, 1))
    mean = baseline(aim, series, "month")
    assert mean.value == 13.5 and mean.words == "mean of 4 monthly values, Jan 23 to Apr 23"
    median = baseline(replace(aim, baseline_stat="median"), series, "month")
    assert median.value == 8.5 and median.words.startswith("median of 4 monthly values")
    assert baseline(replace(aim, baseline_from=date(2020, 1, 1), baseline_to=date(2020, 6, 1)), series, "month").value is None


def test_progress_in_words():
    # 7.4 → 5.18: at 5.8 the unit has come (7.4 - 5.8) / 2.22 = 72 % of the way.
    found = progress(AIM, RATE, points([7.0, 6.1, 5.8], start="2025-08-01"))
    assert found.share == pytest.approx(0.7207, abs=1e-3)
    assert found.headline == "72 % of the way to the aim of 5.2 per 1,000 occupied bed days by April 2027"
    assert found.words == ("Restraint per 1,000 bed days: 5.8 now (Oct 25) against a baseline of 7.4 (as at Dec 23)"
                           " — 72 % of the way to the aim of 5.2 per 1,000 occupied bed days by April 2027.")


def test_progress_says_when_the_aim_is_reached_or_further_away():
    assert progress(AIM, RATE, points([5.0])).words.endswith("the aim of 5.2 per 1,000 occupied bed days by April 2027 is reached.")
    assert "further from the aim" in progress(AIM, RATE, points([8.0])).words
    assert "no data yet" in progress(AIM, RATE, None).words


def test_progress_without_a_baseline_says_why():
    aim = replace(AIM, baseline_value=None, baseline_from=date(2020, 1, 1), baseline_to=date(2020, 12, 1))
    found = progress(aim, RATE, points([5.0]))
    assert found.share is None and "the baseline cannot be worked out (no data from Jan 20 to Dec 20)" in found.words


def test_a_percentage_aim_reads_in_percent():
    aim = replace(AIM, measure="SAFETY_PLAN", change="increase_to", amount=90, baseline_value=50.0)
    assert progress(aim, PLAN, points([70.0])).words.endswith("50% of the way to the aim of 90% by April 2027.".replace("50%", "50 %"))


def test_an_aim_is_checked_with_every_problem_named():
    bad = replace(AIM, statement=" ", amount=-3, by_date=date(2023, 1, 1), change="increase_by_percent")
    with pytest.raises(AimError) as err:
        check_aim(bad, RATE)
    problems = err.value.problems
    assert "The aim statement is empty: say what, by how much and by when." in problems
    assert "The amount of change is -3; it must be a number above zero." in problems
    assert "The aim's date (01/01/2023) must come after the baseline (01/12/2023)." in problems
    assert any("lower is better, so an aim to increase it would aim at a concern" in p for p in problems)


def test_an_aim_to_reduce_to_more_than_its_baseline_is_refused():
    with pytest.raises(AimError, match="To reduce to 8 from a baseline of 7.4 is no reduction"):
        check_aim(replace(AIM, change="reduce_to", amount=8), RATE)
    with pytest.raises(AimError, match="A reduction of 100 % would take the measure to zero"):
        check_aim(replace(AIM, amount=100), RATE)
    with pytest.raises(AimError, match="Give the first period of the baseline"):
        check_aim(replace(AIM, baseline_value=None), RATE)
    assert check_aim(AIM, RATE) is AIM


def test_a_unit_shows_its_own_aims_and_those_above_it():
    team, directorate, other = replace(AIM, unit="W-ASH"), replace(AIM, unit="DIR-ACU"), replace(AIM, unit="W-OAK")
    assert aims_shown([team, other, AIM, directorate], ["ORG", "DIR-ACU", "W-ASH"]) == [AIM, directorate, team]
    assert aims_shown([team, other, AIM, directorate], ["ORG"]) == [AIM]
