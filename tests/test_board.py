"""The board's words and the huddle's order, read from real engine results."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from qi_dash import board
from qi_dash.analysis import MeasureView
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import analyse

BASE = MeasureDefinition(
    code="RESTRAINT", name="Physical restraints", family="outcome", kind="count", definition="…",
    numerator="Restraints", denominator="", unit="restraints per month", multiplier=1, frequency="month",
    direction="decrease", chart="xmr", aggregation="sum",
)
ALTERNATING = [19.0, 21.0] * 10  # no signal of any kind: no runs, no trend, nothing beyond the limits
LOW_RUN = [21.0, 19.5, 22.0, 20.5] * 5 + [10.0, 9.0, 11.0, 10.0, 9.5, 10.5, 10.0, 9.0]  # the last 8 below the mean


def view(values, *, start="2023-01-01", **changes) -> MeasureView:
    definition = replace(BASE, **changes)
    periods = pd.date_range(start, periods=len(values), freq="MS")
    result = analyse(periods, values=np.asarray(values, dtype=float), settings=definition.spc_settings())
    series = pd.DataFrame({"period": periods, "value": values, "comment": None})
    return MeasureView(definition, series, result)


def test_a_sustained_improvement_reads_since_the_first_point_of_its_run():
    shifted = view(LOW_RUN)
    assert board.latest_signal(shifted) == "improvement"
    assert board.summary_line(shifted) == "Special cause improvement since Sep 24"  # the 21st month from Jan 23


def test_the_same_shift_on_a_measure_where_higher_is_better_is_a_concern():
    assert board.summary_line(view(LOW_RUN, direction="increase")) == "Special cause concern since Sep 24"


def test_a_signal_at_the_latest_point_alone_reads_in_that_period():
    spike = view([*ALTERNATING, 60.0])
    assert board.summary_line(spike) == "Special cause concern in Sep 24"


def test_common_cause_says_since_when_and_which_signal_came_before():
    quiet = view(ALTERNATING)
    assert board.latest_signal(quiet) is None
    assert board.summary_line(quiet) == "Common cause variation since Jan 23: no signals"
    # A high then a low point beyond the limits (Nov and Dec 23) that leave the mean where it was.
    around_40 = [39.0, 41.0] * 5
    after_spikes = view([*around_40, 70.0, 10.0, *around_40])
    assert board.summary_line(after_spikes) == "Common cause variation since Jan 24, after special cause improvement"


def test_too_few_points_says_so_in_the_engines_words():
    few = view([3.0])
    assert few.result.variation_icon == "none"
    assert board.summary_line(few) == few.result.summary
    assert board.summary_line(MeasureView(BASE, pd.DataFrame(), None, "No data yet.")) == "No data yet."


def test_latest_text_gives_value_unit_and_period():
    assert board.latest_text(view([*ALTERNATING, 17.0])) == "17 restraints per month (Sep 24)"
    assert board.latest_text(MeasureView(BASE, pd.DataFrame(), None)) == "–"


def test_the_board_lists_measures_with_data_outcome_then_process_then_balancing():
    views = [
        view(ALTERNATING, code="BAL", family="balancing"),
        MeasureView(replace(BASE, code="NONE"), pd.DataFrame(), None, "No data yet."),
        view(LOW_RUN, code="PROC", family="process"),
        view(ALTERNATING, code="OUT", family="outcome"),
    ]
    lines = board.board_lines(views)
    assert [line.code for line in lines] == ["OUT", "PROC", "BAL"]
    proc = lines[1]
    assert (proc.variation_icon, proc.signal_now, proc.summary) == (
        "improvement_low", True, "Special cause improvement since Sep 24")
    assert not lines[0].signal_now


def test_a_huddle_reads_this_periods_signals_first_concerns_before_improvements():
    views = [
        view(ALTERNATING, code="QUIET_OUT", family="outcome"),
        view(LOW_RUN, code="BETTER_PROC", family="process"),
        view([*ALTERNATING, 60.0], code="WORSE_BAL", family="balancing"),
        view(ALTERNATING, code="QUIET_PROC", family="process"),
        view(LOW_RUN, code="WORSE_OUT", family="outcome", direction="increase"),
        view(LOW_RUN, code="MOVED_BAL", family="balancing", direction="neutral"),
    ]
    order = [v.definition.code for v in board.huddle_order(views)]
    assert order == ["WORSE_OUT", "WORSE_BAL", "BETTER_PROC", "MOVED_BAL", "QUIET_OUT", "QUIET_PROC"]


def test_screens_show_four_at_a_time_and_wrap_round():
    items = list(range(10))
    assert board.screen(items, 0) == ([0, 1, 2, 3], 0, 3)
    assert board.screen(items, 2) == ([8, 9], 2, 3)
    assert board.screen(items, 3) == ([0, 1, 2, 3], 0, 3)
    assert board.screen([], 5) == ([], 0, 1)
    with pytest.raises(ValueError):
        board.screen(items, 0, per_screen=0)


@pytest.mark.parametrize("text, seconds", [(None, 30), ("45", 45), ("0", 0), ("2", 30), ("soon", 30), ("-5", 30)])
def test_rotation_seconds_come_from_the_url_or_default_to_thirty(text, seconds):
    assert board.rotate_seconds(text) == seconds
