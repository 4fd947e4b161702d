"""PDSA cycles on a chart (qi_dash/chart_cycles.py): on the linked charts, numbered, the decision
as a symbol, the story in the hover, and labels that never overlap each other or the data."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import NamedTuple

import pandas as pd

from qi_dash.chart_cycles import CYCLES_TRACE, MIN_PLOT_PX
from qi_dash.charts import spc_figure
from qi_dash.pdsa import PdsaCycle
from tests.test_charts import definition, phases_frame, points_frame

HUDDLES = PdsaCycle(title="Twice-daily huddles", unit="W-ASH", plan_date=date(2023, 4, 24), do_date=date(2023, 5, 1),
                    measures=("HUDDLES",), prediction="12 of 14 huddles held", learned="Timing was everything",
                    decision="adopt")


def cycles(*items: PdsaCycle) -> pd.DataFrame:
    frame = pd.DataFrame([dict(c.as_dict(), cycle_id=i) for i, c in enumerate(items, start=1)])
    for column in ("plan_date", "do_date", "study_date", "act_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


class Label(NamedTuple):
    name: str
    text: str
    x: object
    y: float
    fill: str
    size: float
    hover: str


def markers(fig) -> list[Label]:
    """The chart's cycle labels, one per cycle, from its one trace of them."""
    found = [t for t in fig.data if t.meta == CYCLES_TRACE]
    if not found:
        return []
    (trace,) = found
    return [Label(*parts, trace.marker.size, hover) for *parts, hover in zip(
        trace.customdata, trace.text, trace.x, trace.y, trace.marker.color, trace.hovertext)]


def figure(values, cycle_frame, **kwargs):
    return spc_figure(points_frame(values), phases_frame({1: True}), kwargs.pop("measure", definition()),
                      changes=cycle_frame, **kwargs)


def test_a_cycle_is_marked_only_on_the_charts_of_the_measures_it_is_linked_to():
    frame = cycles(replace(HUDDLES, measures=("RP_RATE",)), replace(HUDDLES, title="Elsewhere", measures=("HUDDLES",)),
                   replace(HUDDLES, title="Everything", measures=()))
    fig = figure([20.0] * 12, frame)
    assert [t.name for t in markers(fig)] == [
        "1. Twice-daily huddles (✓ adopt)", "2. Everything (✓ adopt)"]
    assert len(fig.layout.shapes) == 2  # one dotted line per marker


def test_each_decision_has_its_own_symbol_and_a_running_cycle_is_open():
    frame = cycles(HUDDLES, replace(HUDDLES, decision="adapt", do_date=date(2023, 7, 1)),
                   replace(HUDDLES, decision="abandon", do_date=date(2023, 9, 1)),
                   replace(HUDDLES, decision=None, do_date=date(2023, 11, 1)))
    fig = figure([20.0] * 12, frame, measure=definition(code="HUDDLES"))
    assert [t.text for t in markers(fig)] == ["1✓", "2↻", "3✗", "4…"]
    fills = [t.fill for t in markers(fig)]
    assert len(set(fills)) == 4 and fills[3] == "#FFFFFF"


def test_the_hover_tells_dates_prediction_decision_and_learning_as_text():
    frame = cycles(replace(HUDDLES, title="<b>Huddles</b> & more", study_date=date(2023, 5, 29)))
    (marker,) = markers(figure([20.0] * 12, frame, measure=definition(code="HUDDLES")))
    hover = marker.hover
    assert hover.startswith("<b>1. &lt;b&gt;Huddles&lt;/b&gt; &amp; more (✓ adopt)</b>")
    for part in ("Plan 24 Apr 2023 · Do 01 May 2023 · Study 29 May 2023", "Prediction: 12 of 14 huddles held",
                 "Learned: Timing was everything"):
        assert part in hover


def test_a_cycle_of_another_unit_says_whose_it_is():
    frame = cycles(HUDDLES).assign(whose="Adult Acute Inpatients", number=7)
    (marker,) = markers(figure([20.0] * 12, frame, measure=definition(code="HUDDLES")))
    assert marker.name == "7. Adult Acute Inpatients: Twice-daily huddles (✓ adopt)"
    assert marker.text == "7✓"


def test_twelve_cycles_in_four_months_have_labels_that_never_overlap_each_other_or_the_data():
    days = [0, 3, 6, 10, 14, 20, 27, 35, 50, 70, 95, 118]  # twelve cycles from 1 Mar 2024 over four months
    decisions = ["adopt", "adapt", "abandon", None] * 3
    frame = cycles(*[replace(HUDDLES, title=f"Cycle {i}", measures=(), decision=decision, plan_date=None,
                             do_date=(pd.Timestamp("2024-03-01") + pd.Timedelta(days=day)).date())
                     for i, (day, decision) in enumerate(zip(days, decisions), start=1)])
    frame["plan_date"] = frame["do_date"]
    values = [20.0, 29.0] * 17  # 34 months, with points up to the top of the data
    fig = figure(values, frame, height=380)
    labels = markers(fig)
    assert len(labels) == 12 and [t.text[:-1] for t in labels] == [str(n) for n in range(1, 13)]
    x0, x1 = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    y0, y1 = fig.layout.yaxis.range
    margin = fig.layout.margin
    plot_px = fig.layout.height - margin.t - margin.b
    size = labels[0].size

    def px(trace) -> tuple[float, float]:
        x = (pd.Timestamp(trace.x) - x0) / (x1 - x0) * MIN_PLOT_PX
        return x, (y1 - trace.y) / (y1 - y0) * plot_px  # from the top of the plot

    for a, b in itertools.combinations(labels, 2):
        (ax, ay), (bx, by) = px(a), px(b)
        assert abs(ax - bx) >= size or abs(ay - by) >= size, (a.name, b.name)
    lowest_label = max(px(t)[1] for t in labels) + size / 2
    highest_point = (y1 - max(values)) / (y1 - y0) * plot_px
    assert lowest_label <= highest_point
    # The chart grows to hold its rows of labels, so the data keeps its height.
    assert fig.layout.height > 380


def test_a_small_multiple_keeps_its_height_with_cycles():
    fig = figure([20.0] * 12, cycles(HUDDLES), measure=definition(code="HUDDLES"), compact=True, height=200)
    assert fig.layout.height == 200 and len(markers(fig)) == 1
