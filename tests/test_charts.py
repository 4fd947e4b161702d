"""Charts read the engine's result: checked here on hand-built ``points``/``phases`` frames, through the figure's JSON."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from qi_dash.charts import TRIAL_LIMITS, format_value, hover_period, spc_figure
from qi_dash.definitions import MeasureDefinition
from qi_dash.icons import POINT_STYLE

COLUMNS = ["period", "value", "centre", "lower", "upper", "lower_2s", "upper_2s", "moving_range", "phase",
           "signal", "rule", "reason", "point_type"]


def definition(**changes) -> MeasureDefinition:
    base = MeasureDefinition(
        code="RP_RATE", name="Restrictive practice incidents per 1,000 occupied bed days", family="outcome",
        kind="rate", definition="…", numerator="Incidents", denominator="Occupied bed days",
        unit="per 1,000 occupied bed days", multiplier=1000, frequency="month", direction="decrease", chart="xmr",
        aggregation="pooled",
    )
    return replace(base, **changes)


def points_frame(values, *, start="2023-01-01", freq="MS", phases=None, centre=None, half_width=None,
                 point_types=None, reasons=None, run_chart=False) -> pd.DataFrame:
    """A ``result.points`` frame with constant centre and limits per phase (as an XmR chart has)."""
    n = len(values)
    phase = np.asarray(phases if phases is not None else [1] * n)
    centres = {p: (centre or {}).get(p, 20.0) for p in set(phase)}
    widths = {p: (half_width or {}).get(p, 9.0) for p in set(phase)}
    c = np.array([centres[p] for p in phase])
    w = np.array([widths[p] for p in phase])
    types = point_types or ["common_cause"] * n
    why = reasons or [""] * n
    limits = np.full(n, np.nan) if run_chart else None
    return pd.DataFrame({
        "period": pd.date_range(start, periods=n, freq=freq),
        "value": np.asarray(values, dtype=float),
        "centre": c,
        "lower": limits if run_chart else c - w,
        "upper": limits if run_chart else c + w,
        "lower_2s": limits if run_chart else c - w * 2 / 3,
        "upper_2s": limits if run_chart else c + w * 2 / 3,
        "moving_range": np.nan,
        "phase": phase,
        "signal": [t != "common_cause" for t in types],
        "rule": ["shift" if t != "common_cause" else "" for t in types],
        "reason": why,
        "point_type": types,
    })[COLUMNS]


def phases_frame(trial: dict[int, bool]) -> pd.DataFrame:
    return pd.DataFrame({"phase": list(trial), "trial_limits": list(trial.values())})


def traces(fig) -> dict[str, dict]:
    """The figure's traces as the browser receives them (JSON; its arrays are plain lists), by name."""
    return {t["name"]: t for t in json.loads(fig.to_json())["data"]}


def is_gap(y) -> bool:
    return y is None or (isinstance(y, float) and math.isnan(y))


def as_dates(xs) -> list[pd.Timestamp | None]:
    return [None if x is None else pd.Timestamp(x) for x in xs]


# -- the data line and points ------------------------------------------------------------------


def test_a_missing_period_is_a_gap_in_the_data_line():
    values = [20, 21, 19, np.nan, 22, 20]
    fig = spc_figure(points_frame(values), phases_frame({1: True}), definition())
    data = traces(fig)["Data"]
    assert data["connectgaps"] is False
    assert is_gap(data["y"][3])
    assert pd.Timestamp(data["x"][3]) == pd.Timestamp("2023-04-01")  # the period stays on the time axis
    assert [y for i, y in enumerate(data["y"]) if i != 3] == [20, 21, 19, 22, 20]


def test_each_point_type_has_its_colour_and_shape_and_exactly_its_points():
    types = ["common_cause", "improvement", "concern", "neutral_high", "neutral_low", "improvement", "common_cause"]
    values = [20, 5, 35, 30, 10, 6, np.nan]  # the last point is missing: no marker at all
    fig = spc_figure(points_frame(values, point_types=types), phases_frame({1: True}), definition())
    by_name = traces(fig)
    periods = pd.date_range("2023-01-01", periods=len(values), freq="MS")
    for point_type, (colour, symbol, label) in POINT_STYLE.items():
        trace = by_name[label]
        assert trace["mode"] == "markers"
        assert trace["marker"]["color"] == colour
        assert trace["marker"]["symbol"] == symbol
        expected = [i for i, t in enumerate(types) if t == point_type and not np.isnan(values[i])]
        assert as_dates(trace["x"]) == [periods[i] for i in expected]
        assert trace["y"] == [values[i] for i in expected]


def test_marker_shapes_tell_point_types_apart_without_colour():
    symbols = [symbol for _, symbol, _ in POINT_STYLE.values()]
    assert len(set(symbols)) == len(symbols)


def test_a_point_type_with_no_points_has_no_trace():
    fig = spc_figure(points_frame([20, 21, 22]), phases_frame({1: True}), definition())
    names = set(traces(fig))
    assert POINT_STYLE["common_cause"][2] in names
    assert POINT_STYLE["concern"][2] not in names


def test_no_trace_uses_webgl():
    fig = spc_figure(points_frame([20, 21, 22]), phases_frame({1: True}), definition(), compact=True)
    assert {t["type"] for t in json.loads(fig.to_json())["data"]} == {"scatter"}


def _typed_arrays(value) -> list:
    """Every Plotly typed array ({"dtype", "bdata"}) anywhere in the JSON value."""
    if isinstance(value, dict):
        found = [value] if {"dtype", "bdata"} <= set(value) else []
        return found + [t for v in value.values() for t in _typed_arrays(v)]
    if isinstance(value, list):
        return [t for v in value for t in _typed_arrays(v)]
    return []


def test_an_equal_copy_of_a_chart_is_not_drawn_again():
    # Streamlit hands Plotly.react each chart a second time, as an equal copy: Plotly redraws the
    # whole chart unless the layout has no template, the data arrays are plain and a data revision
    # says the data are the same.
    changes = pd.DataFrame({"date": ["2023-02-01"], "title": ["Huddles"]})
    values = [20, 5, 35, 30, np.nan, 22]
    types = ["common_cause", "improvement", "concern", "common_cause", "common_cause", "common_cause"]
    fig = spc_figure(points_frame(values, point_types=types), phases_frame({1: False}), definition(target=15.0),
                     changes=changes)
    spec = json.loads(fig.to_json())
    assert "template" not in spec["layout"]
    assert not _typed_arrays(spec["data"])
    again = spc_figure(points_frame(values, point_types=types), phases_frame({1: False}), definition(target=15.0),
                       changes=changes)
    assert spec["layout"]["datarevision"] == again.layout.datarevision


def test_the_data_revision_changes_with_any_point_line_or_label():
    def revision(values, **changes):
        return spc_figure(points_frame(values), phases_frame({1: False}), definition(**changes)).layout.datarevision

    base = revision([20, 21, 19, 22])
    assert len({base, revision([20, 21, 19, 23]), revision([20, 21, 19, 22, 20]),
                revision([20, 21, 19, 22], target=15.0), revision([20, 21, 19, 22], unit="%")}) == 5


# -- centre line and limits --------------------------------------------------------------------


def test_centre_line_and_limits_break_between_phases():
    values = [20.0] * 14 + [12.0] * 14
    points = points_frame(values, phases=[1] * 14 + [2] * 14, centre={1: 20, 2: 12}, half_width={1: 9, 2: 5})
    fig = spc_figure(points, phases_frame({1: False, 2: False}), definition())
    by_name = traces(fig)
    for name, first, second in (("Mean", 20, 12), ("Upper process limit", 29, 17), ("Lower process limit", 11, 7)):
        ys = by_name[name]["y"]
        gaps = [i for i, y in enumerate(ys) if is_gap(y)]
        assert len(gaps) == 1, name  # one break, between the two phases
        assert set(ys[: gaps[0]]) == {first} and set(ys[gaps[0] + 1:]) == {second}
        xs = as_dates(by_name[name]["x"])
        assert xs[gaps[0] + 1] == pd.Timestamp("2024-03-01")  # phase 2 starts on its own first period


def test_labels_name_the_mean_and_process_limits_with_their_values():
    fig = spc_figure(points_frame([18, 21, 20, 22] * 4), phases_frame({1: False}), definition())
    texts = [a.text for a in fig.layout.annotations]
    assert "Mean 20" in texts
    assert "Upper process limit 29" in texts
    assert "Lower process limit 11" in texts
    assert fig.data[0].line.dash == "dash"  # process limits are dashed


def test_trial_limits_are_drawn_apart_and_named():
    values = [20.0] * 14 + [12.0] * 6
    points = points_frame(values, phases=[1] * 14 + [2] * 6, centre={1: 20, 2: 12}, half_width={1: 9, 2: 5})
    fig = spc_figure(points, phases_frame({1: False, 2: True}), definition())
    by_name = traces(fig)
    trial = by_name[TRIAL_LIMITS]
    assert trial["showlegend"] is True
    assert {y for y in trial["y"] if not is_gap(y)} == {17, 7}  # only phase 2's limits
    assert {y for y in by_name["Upper process limit"]["y"] if not is_gap(y)} == {29}
    assert trial["line"]["color"] != by_name["Upper process limit"]["line"]["color"]  # lighter
    assert "Upper process limit 17 (trial)" in [a.text for a in fig.layout.annotations]


def test_p_chart_limits_change_with_each_point_as_steps():
    n = np.array([40, 80, 20, 60, 100, 30])
    p = 0.85
    sigma = np.sqrt(p * (1 - p) / n)
    points = points_frame([86, 84, 90, 83, 87, 80], centre={1: 85.0})
    points["upper"] = np.minimum(100 * (p + 3 * sigma), 100)
    points["lower"] = 100 * (p - 3 * sigma)
    fig = spc_figure(points, phases_frame({1: True}), definition(chart="p", unit="%", multiplier=100, kind="proportion"))
    upper = traces(fig)[TRIAL_LIMITS]
    assert upper["line"]["shape"] == "hvh"
    assert upper["y"][:6] == pytest.approx(list(points["upper"]))


def test_xmr_limits_are_straight_lines():
    fig = spc_figure(points_frame([20, 21, 22]), phases_frame({1: False}), definition())
    assert traces(fig)["Upper process limit"]["line"]["shape"] == "linear"


def test_run_chart_has_a_median_and_no_limits():
    points = points_frame([5, 7, 6, np.nan, 8, 4, 6], run_chart=True, centre={1: 6.0})
    fig = spc_figure(points, phases_frame({1: True}), definition(chart="run", unit="hours per month"))
    names = set(traces(fig))
    assert "Median" in names and "Mean" not in names
    assert not names & {"Upper process limit", "Lower process limit", TRIAL_LIMITS}
    assert [a.text for a in fig.layout.annotations] == ["Median 6"]
    assert "Run chart (median) · IHI rules" in fig.layout.title.subtitle.text



def test_a_g_charts_centre_line_is_named_the_median_it_is():
    fig = spc_figure(points_frame([20, 21, 22]), phases_frame({1: False}), definition(chart="g", kind="count"))
    assert "Median" in traces(fig) and "Mean" not in traces(fig)
    assert "G chart (opportunities between events) · Making Data Count rules" in fig.layout.title.subtitle.text

def test_two_sigma_lines_only_when_asked():
    points = points_frame([20, 21, 22])
    assert "2σ lines" not in traces(spc_figure(points, phases_frame({1: False}), definition()))
    lines = traces(spc_figure(points, phases_frame({1: False}), definition(), show_2s=True))["2σ lines"]
    assert lines["line"]["dash"] == "dot"
    assert {y for y in lines["y"] if not is_gap(y)} == {26, 14}


# -- target, changes, hover, axes --------------------------------------------------------------


def test_target_line_only_with_a_target():
    points = points_frame([20, 21, 22])
    assert "Target" not in traces(spc_figure(points, phases_frame({1: True}), definition()))
    fig = spc_figure(points, phases_frame({1: True}), definition(target=15.0))
    target = traces(fig)["Target"]
    assert target["y"] == [15, 15] and target["line"]["color"] == "#DE1B1B"
    assert as_dates(target["x"]) == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-03-01")]
    assert "Target 15" in [a.text for a in fig.layout.annotations]


def test_hover_gives_period_value_with_unit_counts_and_the_reason():
    points = points_frame([23.4, 20.0], point_types=["concern", "common_cause"],
                          reasons=["Above the upper process limit", ""])
    points["numerator"] = [12, 10]
    points["denominator"] = [513, 500]
    by_name = traces(spc_figure(points, phases_frame({1: True}), definition()))
    concern = by_name[POINT_STYLE["concern"][2]]["hovertext"][0]
    assert "April" not in concern and "January 2023" in concern
    assert "23.4 per 1,000 occupied bed days" in concern
    assert "Numerator 12, denominator 513" in concern
    assert "Above the upper process limit" in concern
    assert "Common cause variation" in by_name[POINT_STYLE["common_cause"][2]]["hovertext"][0]


def test_hover_for_weekly_data_says_week_commencing():
    points = points_frame([10, 12, 11], start="2024-04-01", freq="7D")
    fig = spc_figure(points, phases_frame({1: True}), definition(frequency="week", unit="restraints per week"))
    assert traces(fig)[POINT_STYLE["common_cause"][2]]["hovertext"][0].startswith("<b>w/c 01 Apr 2024</b>")
    assert fig.layout.xaxis.tickformat == "%d %b %y"


def test_monthly_axis_uses_uk_month_labels_on_a_continuous_time_axis():
    fig = spc_figure(points_frame([20.0] * 30), phases_frame({1: False}), definition())
    axis = fig.layout.xaxis
    assert axis.type == "date"
    assert axis.tickformat == "%b %y"
    assert axis.dtick == "M3"  # 30 months: a label every quarter, each on a month start
    assert pd.Timestamp(axis.tick0) == pd.Timestamp("2023-01-01")


def test_chart_type_rule_set_and_unit_are_named():
    fig = spc_figure(points_frame([20, 21]), phases_frame({1: True}), definition())
    assert fig.layout.title.text == "Restrictive practice incidents per 1,000 occupied bed days"
    assert fig.layout.title.subtitle.text == "XmR chart (individuals) · Making Data Count rules · Lower is better"
    assert fig.layout.yaxis.title.text == "per 1,000 occupied bed days"


def test_tests_of_change_are_numbered_in_date_order_with_titles_in_the_hover():
    changes = pd.DataFrame({
        "date": ["2023-06-01", "2023-03-01", "2023-03-10", "2030-01-01"],  # the last is off the chart
        "title": ["Safewards", "Twice-daily huddles", "Sensory room", "Future"],
        "detail": ["All staff trained", None, None, None],
    })
    fig = spc_figure(points_frame([20.0] * 12), phases_frame({1: True}), definition(), changes=changes)
    labels = traces(fig)["pdsa_cycles"]
    assert labels["customdata"] == ["1. Twice-daily huddles", "2. Sensory room", "3. Safewards"]
    assert labels["text"] == ["1", "2", "3"]
    assert "All staff trained" in labels["hovertext"][2]
    assert "Tests of change (numbered in date order)" in traces(fig)  # one legend entry for them all
    # Nine days apart on a year-long axis: the numbers would overlap, so the second goes a row down.
    first, second, third = labels["y"]
    assert second < first and third == first


def test_line_labels_never_overlap():
    # Target, upper limit and mean nearly equal: the labels must be pushed apart.
    points = points_frame([20, 21, 19, 20], half_width={1: 0.2})
    fig = spc_figure(points, phases_frame({1: True}), definition(target=20.1), height=420)
    ys = sorted(a.y for a in fig.layout.annotations)
    span = fig.layout.yaxis.range[1] - fig.layout.yaxis.range[0]
    assert min(b - a for a, b in itertools.pairwise(ys)) > span * 0.05


def test_compact_is_a_bare_small_multiple():
    changes = pd.DataFrame({"date": ["2023-02-01"], "title": ["Huddles"]})
    fig = spc_figure(points_frame([20, 21, 22]), phases_frame({1: True}), definition(target=15.0), compact=True,
                     height=200, changes=changes)
    assert fig.layout.showlegend is False
    assert not fig.layout.annotations
    assert fig.layout.title.subtitle.text is None
    assert fig.layout.height == 200


def test_all_missing_and_empty_series_still_draw():
    spc_figure(points_frame([np.nan, np.nan], run_chart=True), phases_frame({1: True}), definition(chart="run"))
    spc_figure(points_frame([]), phases_frame({}), definition(), changes=pd.DataFrame({"date": [], "title": []}))


def test_format_value_and_hover_period():
    assert format_value(87.5, definition(unit="%")) == "87.5%"
    assert format_value(23.44, definition()) == "23.4 per 1,000 occupied bed days"
    assert format_value(1234.0, definition(unit="doses per month")) == "1,234 doses per month"
    assert format_value(0.424, definition(unit="days between events")) == "0.42 days between events"
    assert format_value(np.nan, definition()) == "–"
    assert hover_period("2024-04-01", "month") == "April 2024"
    assert hover_period(pd.Timestamp("2024-04-01"), "week") == "w/c 01 Apr 2024"


def test_words_from_people_are_escaped_not_read_as_markup():
    changes = pd.DataFrame({"date": ["2023-02-01"], "title": ["<b>Huddles</b> & <a href='x'>boards</a>"],
                            "detail": ["<script>alert(1)</script>"]})
    points = points_frame([20, 21, 22], point_types=["concern"] * 3, reasons=["Above <b>limit</b>"] * 3)
    fig = spc_figure(points, phases_frame({1: True}), definition(name="A & B <i>"), changes=changes)
    by_name = traces(fig)
    change = by_name["pdsa_cycles"]
    assert change["hovertext"][0].startswith("<b>1. &lt;b&gt;Huddles&lt;/b&gt; &amp; &lt;a href='x'&gt;boards&lt;/a&gt;</b>")
    assert "<script>" not in change["hovertext"][0] and "&lt;script&gt;" in change["hovertext"][0]
    assert "Above &lt;b&gt;limit&lt;/b&gt;" in by_name[POINT_STYLE["concern"][2]]["hovertext"][0]
    assert fig.layout.title.text == "A &amp; B &lt;i&gt;"


def test_large_numerators_are_written_in_full():
    points = points_frame([4.5])
    points["numerator"] = [1_234_567]
    points["denominator"] = [27_434_822]
    hover = traces(spc_figure(points, phases_frame({1: True}), definition()))[POINT_STYLE["common_cause"][2]]
    assert "Numerator 1,234,567, denominator 27,434,822" in hover["hovertext"][0]
