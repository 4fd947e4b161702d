"""Comparing teams on one measure: totals over months, the funnel frame and its figure, every
team's own results, small-multiple order and scale, and the teams to learn from."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from qi_dash import bootstrap, comparison
from qi_dash.chart_funnel import funnel_figure, point_type
from qi_dash.definitions import read_definitions
from qi_dash.spc import funnel
from qi_dash.spc.funnel import funnel_limits
from qi_dash.teams_to_learn_from import teams_to_learn_from

DEFS = {d.code: d for d in read_definitions(bootstrap.STANDARD_MEASURES)}
RATE, PROPORTION = DEFS["RP_RATE"], DEFS["SAFETY_PLAN"]  # lower is better; higher is better
MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")


def observations(measure: str, teams: dict[str, tuple[list[float], list[float]]]) -> pd.DataFrame:
    """Rows for each team: its numerators and denominators, one a month from January 2024."""
    parts = [
        pd.DataFrame({"unit": unit, "measure": measure, "period": MONTHS[:len(num)], "numerator": num,
                      "denominator": den, "value": np.nan, "comment": None})
        for unit, (num, den) in teams.items()
    ]
    return pd.concat(parts, ignore_index=True)


def test_team_totals_add_up_the_chosen_months_and_keep_teams_without_data():
    frame = observations("RP_RATE", {"A": ([1, 2, 3, 4], [100, 100, 100, 100]), "B": ([5, 5], [50, 60])})
    totals = comparison.team_totals(frame, RATE, ["B", "C", "A"], MONTHS[1], MONTHS[3])
    assert totals["unit"].tolist() == ["B", "C", "A"]
    assert totals["numerator"].tolist() == [5, 0, 9] and totals["denominator"].tolist() == [60, 0, 300]
    assert totals["periods"].tolist() == [1, 0, 3]


def test_the_funnel_frame_is_the_funnel_of_the_teams_totals_with_names():
    frame = observations("SAFETY_PLAN", {"A": ([30, 20], [40, 30]), "B": ([10, 12], [20, 25]), "C": ([1], [2])})
    names = {"A": "Ash <Ward>", "B": "Birch", "C": "Cedar"}
    data = comparison.funnel_frame(frame, PROPORTION, ["A", "B", "C"], names, MONTHS[0], MONTHS[1])
    expected = funnel([50, 22, 1], [70, 45, 2], "p", multiplier=100)
    assert data["name"].tolist() == ["Ash <Ward>", "Birch", "Cedar"]
    assert np.allclose(data[["value", "centre", "lower_998", "upper_95"]], expected[["value", "centre", "lower_998", "upper_95"]])
    assert data.attrs["method"] == "exact"


def test_the_default_months_are_the_last_twelve():
    frame = observations("RP_RATE", {"A": ([1] * 24, [100] * 24)})
    choices = comparison.measure_periods(frame, RATE)
    assert len(choices) == 24
    assert comparison.default_range(choices, "month") == (MONTHS[12], MONTHS[23])
    assert comparison.default_range(choices[:5], "month") == (MONTHS[0], MONTHS[4])


def test_funnel_lines_over_any_sizes_match_each_teams_own_limits():
    data = funnel([30, 90, 5], [300, 1000, 40], "u", multiplier=1000)
    theta = 125 / 1340
    lines = funnel_limits([300, 1000, 40], theta, "u", 1000)
    assert np.allclose(lines[["lower_95", "upper_998"]], data[["lower_95", "upper_998"]])
    od = funnel([30, 90, 5, 60, 2, 200], [300, 1000, 40, 200, 100, 900], "u", overdispersion=True)
    assert od.attrs["tau2"] > 0
    od_lines = funnel_limits([300], 387 / 2540, "u", 1, od.attrs["tau2"])
    assert od_lines["upper_998"].iloc[0] == pytest.approx(od["upper_998"].iloc[0])


def test_funnel_points_take_the_mdc_style_of_their_side():
    assert point_type("", "increase") == "common_cause"
    assert point_type("high", "increase") == "improvement" and point_type("low", "increase") == "concern"
    assert point_type("low", "decrease") == "improvement"
    assert point_type("high", "neutral") == "neutral_high"


def test_the_funnel_figure_names_teams_outside_escaped_and_carries_their_codes():
    teams = {f"T{i}": ([10] * 12, [100] * 12) for i in range(8)}
    teams["HIGH"] = ([40] * 12, [100] * 12)
    teams["LOW"] = ([1] * 12, [100] * 12)
    teams["SMALL"] = ([1], [20])
    frame = observations("SAFETY_PLAN", teams)
    names = {u: u.title() for u in teams} | {"HIGH": "<b>Hazel</b> & co"}
    data = comparison.funnel_frame(frame, PROPORTION, list(teams) + ["NONE"], names | {"NONE": "Nobody"},
                                   MONTHS[0], MONTHS[11])
    fig = funnel_figure(data, PROPORTION, subtitle="<Trust>: its 11 teams")
    points = [t for t in fig.data if t.customdata is not None]
    codes = [c for t in points for c in t.customdata]
    assert sorted(codes) == sorted(teams)  # every team with data, and only those
    improvement = next(t for t in points if t.name == "Special cause improvement")
    assert list(improvement.customdata) == ["HIGH"] and list(improvement.text) == ["&lt;b&gt;Hazel&lt;/b&gt; &amp; co"]
    concern = next(t for t in points if t.name == "Special cause concern")
    assert list(concern.customdata) == ["LOW"]
    assert "Above the 99.8% limits" in improvement.hovertext[0] and "40% (480 of 1,200)" in improvement.hovertext[0]
    assert {"99.8% limits", "95% limits"} <= {t.name for t in fig.data}
    assert fig.layout.title.text == "Patients with a co-produced safety plan"
    assert fig.layout.title.subtitle.text == "&lt;Trust&gt;: its 11 teams"
    assert fig.layout.xaxis.type == "linear"
    wide = funnel_figure(comparison.funnel_frame(
        observations("SAFETY_PLAN", {"A": ([5], [10]), "B": ([5000], [20000])}), PROPORTION, ["A", "B"], {},
        MONTHS[0], MONTHS[0]), PROPORTION, subtitle="t")
    assert wide.layout.xaxis.type == "log"


def shift_down(level: float, n: int = 24) -> list[float]:
    """Numerators of a rate that falls to a quarter for the last nine months: a sustained shift."""
    return [level] * (n - 9) + [level / 4] * 9


def test_every_teams_own_series_is_analysed_and_ordered_by_signal_or_name():
    frame = observations("RP_RATE", {
        "A": ([20, 22, 19, 21, 20, 23, 18, 20, 21, 22, 19, 20], [1000] * 12),
        "B": (shift_down(20), [1000] * 24),  # lower is better: improvement
        "C": (list(reversed(shift_down(20))), [1000] * 24),  # concern
    })
    results = comparison.team_results(frame, RATE, ["A", "B", "C", "D"])
    assert list(results) == ["A", "B", "C"]
    names = {"A": "Zed", "B": "Yak", "C": "Xen"}
    assert comparison.ordered_teams(results, names, by_signal=True) == ["C", "B", "A"]
    assert comparison.ordered_teams(results, {"A": "a", "B": "b", "C": "c"}, by_signal=False) == ["A", "B", "C"]
    low, high = comparison.shared_range(results, RATE)
    values = pd.concat([results[k].points for k in results])[["value", "upper"]].max().max()
    assert low <= 5 and high >= values


def test_teams_to_learn_from_have_improvement_or_sit_outside_on_the_better_side():
    frame = observations("RP_RATE", {
        "A": ([20] * 24, [1000] * 24),
        "B": (shift_down(20), [1000] * 24),
        "C": (list(reversed(shift_down(20))), [1000] * 24),
        "D": ([2] * 24, [1000] * 24),  # far below everyone: outside on the better side
        "E": ([60] * 24, [1000] * 24),  # far above: outside on the worse side
    })
    names = {u: f"Team {u}" for u in "ABCDE"}
    results = comparison.team_results(frame, RATE, list(names))
    data = comparison.funnel_frame(frame, RATE, list(names), names, MONTHS[12], MONTHS[23])
    changes = pd.DataFrame({"unit": ["B", "B", "A", "B"],
                            "plan_date": pd.to_datetime(["2025-03-01", "2025-06-01", "2025-01-01", "2025-07-01"]),
                            "title": ["Calm boxes", "Safewards", "Other", "Falls sensors"],
                            "decision": ["adapt", None, "adopt", "adopt"],
                            "measures": [["RP_RATE"], [], [], ["FALLS"]]})
    learn = teams_to_learn_from(RATE, names, results=results, funnel=data, funnel_period="Jan 25 to Dec 25",
                                changes=changes)
    assert learn["unit"].tolist() == ["B", "D"]
    b = learn.iloc[0]
    assert b["reasons"][0].startswith("Special cause improvement at the latest point (Dec 25)")
    # B's cycles on this measure's chart (linked to it, or to no measure), newest first.
    assert b["tests_of_change"] == ["Safewards (… still running; planned 01/06/2025)",
                                    "Calm boxes (↻ adapt; planned 01/03/2025)"]
    d = learn.iloc[1]
    assert d["reasons"] == [
        "Outside the funnel on the good side over Jan 25 to Dec 25: 2 per 1,000 occupied bed days against "
        f"{data['centre'].iloc[0]:.1f} per 1,000 occupied bed days for all the teams, below the lower 99.8% limit "
        f"({data['lower_998'].iloc[3]:.1f} per 1,000 occupied bed days) for its size"
    ]
    assert d["tests_of_change"] == []
    # For a measure where neither direction is better, the funnel names no team to learn from.
    neutral = teams_to_learn_from(replace(RATE, direction="neutral"), names, funnel=data)
    assert neutral.empty


def test_improvement_earlier_in_the_current_phase_is_told_as_a_count():
    back_up = [20] * 10 + [5] * 9 + [20] * 5  # improved, then returned to the old level
    frame = observations("RP_RATE", {"A": (back_up, [1000] * 24)})
    learn = teams_to_learn_from(RATE, {"A": "Ash"}, results=comparison.team_results(frame, RATE, ["A"]))
    (reason,) = learn.iloc[0]["reasons"]
    assert "point(s) of special cause improvement in the current phase, the latest in Jul 25" in reason


def test_all_points_of_a_batch_are_each_series_points_without_the_words():
    frame = observations("RP_RATE", {"A": (shift_down(20), [1000] * 24), "B": ([3, 4, 5], [100, 120, 90])})
    results = comparison.team_results(frame, RATE, ["A", "B"])
    every = results.all_points()
    for unit in ("A", "B"):
        own = results[unit].points
        mine = every[every["series"] == unit].reset_index(drop=True)
        columns = ["period", "value", "centre", "lower", "upper", "phase", "point_type"]
        pd.testing.assert_frame_equal(mine[columns], own[columns], check_dtype=False)


def test_small_multiples_are_one_figure_whose_panel_titles_are_escaped_links():
    from qi_dash.chart_multiples import Panel, multiples_figure

    frame = observations("RP_RATE", {"A": (shift_down(20), [1000] * 24), "B": ([3, 4, 5], [100, 120, 90])})
    results = comparison.team_results(frame, RATE, ["A", "B"])
    panels = [Panel("A", "<b>Ash</b> & co", "./Measure?team=A&measure=RP_RATE", results["A"]),
              Panel("B", "Birch", "./Measure?team=B&measure=RP_RATE", results["B"])]
    figure = multiples_figure(panels, RATE, (0.0, 30.0))
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ['<a href="./Measure?team=A&amp;measure=RP_RATE" target="_self">&lt;b&gt;Ash&lt;/b&gt; &amp; co</a>',
                      '<a href="./Measure?team=B&amp;measure=RP_RATE" target="_self">Birch</a>']
    assert {c for t in figure.data if t.customdata is not None for c in t.customdata} == {"A", "B"}
    assert figure.layout.yaxis.range == (0.0, 30.0) and figure.layout.yaxis2.range == (0.0, 30.0)
    assert figure.layout.xaxis3.visible is False  # an empty cell of the grid
    long = Panel("B", "Crisis Resolution & Home Treatment Team", "./Measure?team=B", results["B"])
    (title,) = multiples_figure([long], RATE).layout.annotations
    assert title.text.endswith(">Crisis Resolution &amp; Home Trea…</a>")
    assert title.hovertext == "Crisis Resolution &amp; Home Treatment Team"
    free = multiples_figure(panels, RATE)
    assert free.layout.yaxis.range != free.layout.yaxis2.range
