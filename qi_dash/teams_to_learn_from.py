"""Teams to learn from (positive deviance): the teams of a unit whose own chart shows special
cause improvement in its current phase, or that sit outside the funnel on the good side, each
with the reason in words and the tests of change it recorded.

Pure: it reads the teams' SPC results (``comparison.team_results``), a funnel frame
(``comparison.funnel_frame``) and the teams' tests of change, and returns a frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qi_dash import charts, pdsa, periods
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import SPCBatch
from qi_dash.spc.funnel import OUTSIDE_LEVEL
from qi_dash.text import natural_key

COLUMNS = ["unit", "name", "reasons", "tests_of_change"]
# The side of the funnel that is better, by the measure's improvement direction.
GOOD_SIDE = {"increase": "high", "decrease": "low"}


def teams_to_learn_from(
    definition: MeasureDefinition,
    names: Mapping[str, str],
    *,
    results: SPCBatch | None = None,
    funnel: pd.DataFrame | None = None,
    funnel_period: str = "",
    changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per team to learn from, by name: ``COLUMNS``. ``reasons`` and ``tests_of_change``
    are lists of sentences (a team may have both reasons). ``changes`` are the teams' PDSA
    cycles (``Store.pdsa_cycles``): those on this measure's chart are listed with their
    decision, newest first. ``funnel_period`` names the funnel's months, e.g. "Nov 24 to Oct 25"."""
    reasons: dict[str, list[str]] = {}
    if results is not None:
        for unit, reason in _improving(definition, results):
            reasons.setdefault(unit, []).append(reason)
    if funnel is not None:
        for unit, reason in _good_side(definition, funnel, funnel_period):
            reasons.setdefault(unit, []).append(reason)
    rows = [
        (unit, names.get(unit, unit), found, _changes_of(unit, changes, definition.code))
        for unit, found in reasons.items()
    ]
    rows.sort(key=lambda row: natural_key(row[1]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _improving(definition: MeasureDefinition, results: SPCBatch):
    """Teams whose current phase has special cause improvement: at its latest point, or earlier
    in the phase when the latest point is not a concern."""
    points = results.all_points()
    points = points[points["value"].notna()]
    current = points[points["phase"] == points.groupby("series")["phase"].transform("max")]
    latest = current.groupby("series").tail(1).set_index("series")
    improving = current[current["point_type"] == "improvement"].groupby("series")
    for unit, last_improvement in improving["period"].max().items():
        latest_type = latest.at[unit, "point_type"]
        if latest_type == "concern":
            continue  # a team whose latest point is a concern has nothing to teach on this measure now
        if latest_type == "improvement":
            # The words of the signal are rendered for this team only.
            own = results[unit].points
            last = own[own["value"].notna()].iloc[-1]
            when = periods.label(last["period"], definition.frequency)
            yield unit, f"Special cause improvement at the latest point ({when}): {last['reason']}"
        else:
            count = int(improving.size()[unit])
            yield unit, (f"{count} point(s) of special cause improvement in the current phase, "
                         f"the latest in {periods.label(last_improvement, definition.frequency)}")


def _good_side(definition: MeasureDefinition, funnel: pd.DataFrame, funnel_period: str):
    """Teams outside the funnel's 99.8 % limits on the side the measure's direction calls better."""
    side = GOOD_SIDE.get(definition.direction)
    if side is None:
        return
    limit = f"{'upper' if side == 'high' else 'lower'}_{OUTSIDE_LEVEL}"
    words = "above the upper" if side == "high" else "below the lower"
    during = f" over {funnel_period}" if funnel_period else ""
    for row in funnel[funnel["outside"] == side].itertuples(index=False):
        yield row.unit, (
            f"Outside the funnel on the good side{during}: {charts.format_value(row.value, definition)} "
            f"against {charts.format_value(row.centre, definition)} for all the teams, "
            f"{words} 99.8% limit ({charts.format_value(getattr(row, limit), definition)}) for its size"
        )


def _changes_of(unit: str, changes: pd.DataFrame | None, measure: str) -> list[str]:
    if changes is None or changes.empty:
        return []
    mine = pdsa.on_measure(changes[changes["unit"] == unit], measure)
    mine = mine.sort_values("plan_date", ascending=False, kind="stable")
    return [f"{title} ({pdsa.decision_label(decision)}; planned {when:%d/%m/%Y})"
            for title, decision, when in zip(mine["title"], mine["decision"], mine["plan_date"])]
