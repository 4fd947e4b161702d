"""Phases on the chart (qi_dash/chart_phases.py): boundaries with their reasons, the frozen
baseline's band, and a runs signal written on the centre line."""

from __future__ import annotations

import pandas as pd

from qi_dash.charts import spc_figure
from qi_dash.phases import PhaseChange
from qi_dash.spc import SpcSettings, analyse
from tests.test_charts import definition

MONTHS = pd.date_range("2023-01-01", periods=24, freq="MS")
LEVEL = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13, 20, 22, 21, 23, 20, 22, 21, 23, 20, 22, 21, 23]


def change(period, kind="new_phase", reason="Safety plans at admission") -> PhaseChange:
    return PhaseChange("W-HAZ", "SAFETY_PLAN", pd.Timestamp(period), kind, reason, recorded_by="Sam")


def figure(result, changes=(), **kw):
    return spc_figure(result.points, result.phases, definition(**kw), phase_changes=changes)


def texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_a_phase_boundary_is_a_line_between_periods_labelled_with_its_reason():
    changes = (change("2024-01-01"),)
    fig = figure(analyse(MONTHS, LEVEL, phase_starts=[c.period for c in changes]), changes)
    (label,) = [a for a in fig.layout.annotations if a.text.startswith("Phase 2")]
    assert label.text == "Phase 2: Safety plans at admission"
    assert "Safety plans at admission" in label.hovertext and "recorded by Sam" in label.hovertext
    (line,) = [s for s in fig.layout.shapes if s.line.dash == "longdash"]
    assert MONTHS[11] < pd.Timestamp(line.x0) < MONTHS[12]  # between the periods, not on a point


def test_a_reason_is_text_never_markup_and_long_ones_are_cut_in_the_label_only():
    reason = "<b>Huddles</b> & safety crosses " + "at every handover " * 4
    changes = (change("2024-01-01", reason=reason),)
    fig = figure(analyse(MONTHS, LEVEL, phase_starts=[changes[0].period]), changes)
    (label,) = [a for a in fig.layout.annotations if a.text.startswith("Phase 2")]
    assert "&lt;b&gt;Huddles&lt;/b&gt; &amp; safety" in label.text and label.text.endswith("…")
    assert "<b>Huddles" not in label.text and "every handover" in label.hovertext


def test_a_frozen_baseline_is_a_labelled_band_and_its_freeze_a_boundary():
    changes = (change("2024-01-01", kind="freeze_baseline", reason="Judge the test against 2023"),)
    fig = figure(analyse(MONTHS, LEVEL, frozen_from=[changes[0].period]), changes)
    (band,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert pd.Timestamp(band.x0) < MONTHS[0] and MONTHS[11] < pd.Timestamp(band.x1) < MONTHS[12]
    assert "<i>Baseline</i>" in texts(fig)
    assert "Baseline frozen: Judge the test against 2023" in texts(fig)
    baseline = next(a for a in fig.layout.annotations if a.text == "<i>Baseline</i>")
    assert "these 12 points, Jan 2023 to Dec 2023" in baseline.hovertext


def test_labels_at_the_foot_of_the_plot_never_share_a_row_where_they_would_overlap():
    changes = (change("2023-08-01", kind="freeze_baseline", reason="A long reason for freezing it here"),
               change("2023-09-01", reason="Another long reason, one period later"))
    result = analyse(MONTHS, LEVEL, phase_starts=[MONTHS[8]], frozen_from=[MONTHS[7]])
    foot = {a.text.split(":")[0]: a.yshift for a in figure(result, changes).layout.annotations
            if a.yref == "paper" and a.y == 0}
    assert foot.keys() == {"<i>Baseline</i>", "Baseline frozen", "Phase 2"}
    assert foot["Baseline frozen"] != foot["Phase 2"]  # a month apart: one above the other


def test_too_few_runs_is_written_on_the_median_with_the_whole_reason_in_the_hover():
    values = [1, 2, 1, 2, 1, 8, 9, 8, 9, 8, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9]
    result = analyse(MONTHS[:20], values, settings=SpcSettings(chart="run"))
    fig = figure(result, chart="run")
    (label,) = [a for a in fig.layout.annotations if a.text.startswith("Not random")]
    assert label.text == "Not random: too few runs" and label.y == result.points.centre.iloc[0]
    assert "4 runs where at least 7 are expected" in label.hovertext
    assert set(result.points.point_type) == {"common_cause"}


def test_a_chart_without_phases_has_no_phase_marks():
    fig = figure(analyse(MONTHS, LEVEL))
    assert not fig.layout.shapes and not [t for t in texts(fig) if "Phase" in t or "Baseline" in t]
