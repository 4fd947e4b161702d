"""Comments from uploads reach the chart (a ring and the hover) and the Measure page's data table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qi_dash.analysis import data_table, measure_view
from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.charts import COMMENTED, spc_figure
from qi_dash.definitions import read_definitions

MEASURES = {d.code: d for d in read_definitions(STANDARD_MEASURES)}
MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


def observations(measure: str, unit: str = "A", comments=pd.NA, **numbers) -> pd.DataFrame:
    frame = pd.DataFrame({"unit": unit, "measure": measure, "period": MONTHS,
                          "numerator": np.nan, "denominator": np.nan, "value": np.nan, "comment": comments})
    for column, values in numbers.items():
        frame[column] = values
    return frame.drop(index=3)  # April is missing: a gap


COMMENTS = [None, "Agency staff <b>covered</b> & stayed", None, None, "  ", "x " * 400]


def figure_of(view):
    return spc_figure(view.points, view.result.phases, view.definition)


def test_a_commented_point_is_ringed_and_its_comment_escaped_in_its_hover():
    view = measure_view(observations("PRN", comments=COMMENTS, value=[3.0, 4, 2, 5, 6, 3]), MEASURES["PRN"], ["A"])
    fig = figure_of(view)
    (ring,) = [t for t in fig.data if t.name == COMMENTED]
    # February and the last month have comments; May's is only spaces and April is a gap.
    assert [pd.Timestamp(x) for x in ring.x] == [MONTHS[1], MONTHS[5]]
    assert ring.hoverinfo == "skip" and ring.marker.symbol == "circle-open"
    hovers = [h for t in fig.data if t.mode == "markers" and t.name != COMMENTED for h in t.hovertext]
    february = next(h for h in hovers if h.startswith("<b>February 2024</b>"))
    assert "Comment: Agency staff &lt;b&gt;covered&lt;/b&gt; &amp; stayed" in february
    assert "<b>covered" not in february
    last = next(h for h in hovers if h.startswith("<b>June 2024</b>"))
    assert last.count("<br>") <= 12 and last.endswith(" …")  # long comments are wrapped and shortened
    march = next(h for h in hovers if h.startswith("<b>March 2024</b>"))
    assert "Comment" not in march


def test_a_chart_without_comments_has_no_rings():
    view = measure_view(observations("PRN", value=[3.0, 4, 2, 5, 6, 3]), MEASURES["PRN"], ["A"])
    assert not [t for t in figure_of(view).data if t.name == COMMENTED]
    assert not [t for t in spc_figure(view.result.points, view.result.phases, view.definition).data
                if t.name == COMMENTED]


def test_the_data_table_shows_periods_numbers_comments_and_signals_in_words():
    values = [3.0, 4, 2, 5, 40, 3]
    view = measure_view(observations("PRN", comments=COMMENTS, value=values), MEASURES["PRN"], ["A"])
    table = data_table(view)
    assert table.columns.tolist()[0] == "Period" and table.columns.tolist()[-2:] == ["Comment", "Signal"]
    assert table["Period"].tolist() == ["Jan 24", "Feb 24", "Mar 24", "Apr 24", "May 24", "Jun 24"]
    value = table.columns[1]
    assert value.startswith("Value")
    assert table[value].tolist()[:4] == ["3", "4", "2", "–"]
    assert table["Comment"].tolist()[1] == "Agency staff <b>covered</b> & stayed"
    assert table["Comment"].tolist()[0] == ""
    signals = view.result.points["signal"].to_numpy()
    assert (table["Signal"] != "").tolist() == signals.tolist()


def test_a_ratio_measures_table_has_numerator_and_denominator_and_a_pooled_one_counts_teams():
    definition = MEASURES["SAFETY_PLAN"]
    one = observations("SAFETY_PLAN", "A", numerator=[8.0, 9, 7, 8, 9, 6], denominator=10.0)
    table = data_table(measure_view(one, definition, ["A"]))
    assert table["Numerator"].tolist()[:3] == [8.0, 9.0, 7.0] and np.isnan(table["Numerator"].iloc[3])
    assert table["Denominator"].tolist()[0] == 10.0
    assert "Teams reporting" not in table
    two = pd.concat([one, observations("SAFETY_PLAN", "B", numerator=[1.0, 2, 3, 4, 5, 6], denominator=10.0)])
    pooled = data_table(measure_view(two, definition, ["A", "B"]))
    assert pooled["Teams reporting"].tolist() == [2, 2, 2, 0, 2, 2]
    assert pooled["Numerator"].tolist()[0] == 9.0
    assert (pooled["Comment"] == "").all()
