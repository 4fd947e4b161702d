"""PDSA cycles: a team's tests of change, what it predicted, studied and learned, and its decision.

A cycle belongs to a unit (a team, a directorate or the organisation) and may name the measures
it should move; none named means all the unit's measures. Pure: no Streamlit, no SQL. Frames of
cycles (as ``Store.pdsa_cycles`` returns them) have one row per cycle with the columns in
``CYCLE_COLUMNS``, dates datetime64 (NaT where not given) and ``measures`` a list of codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np
import pandas as pd

from qi_dash.hierarchy import Hierarchy
from qi_dash.vocabulary import (DECISION_SYMBOLS, DECISIONS, PDSA_STEP_WORDS, PDSA_STEPS, RUNNING,
                                RUNNING_SYMBOL)

TITLE_LENGTH = 120
DATE_COLUMNS = [f"{step}_date" for step in PDSA_STEPS]


class PdsaError(ValueError):
    """A cycle that cannot be saved; ``problems`` says why, one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PdsaCycle:
    """One Plan-Do-Study-Act cycle. ``cycle_id`` is None until it is first saved."""

    title: str
    unit: str
    plan_date: date | None
    change_idea: str = ""
    measures: tuple[str, ...] = ()
    prediction: str = ""
    plan_notes: str = ""
    do_date: date | None = None
    do_notes: str = ""
    study_date: date | None = None
    study_notes: str = ""
    act_date: date | None = None
    act_notes: str = ""
    learned: str = ""
    decision: str | None = None
    recorded_by: str | None = field(default=None, compare=False)  # who first recorded it
    cycle_id: int | None = field(default=None, compare=False)

    @property
    def running(self) -> bool:
        return self.decision is None

    def problems(self, known_measures: set[str] | None = None) -> list[str]:
        """What stops the cycle being saved, in words a team member can act on (empty: none)."""
        found = []
        if not self.title.strip():
            found.append("Give the cycle a short title.")
        elif len(self.title.strip()) > TITLE_LENGTH:
            found.append(f"Shorten the title to {TITLE_LENGTH} characters or fewer (it has {len(self.title.strip())}).")
        if not self.unit:
            found.append("Say which team, directorate or organisation the cycle belongs to.")
        if self.plan_date is None:
            found.append("Give the date planning started (the Plan date).")
        found.extend(_dates_out_of_order(self))
        if self.decision is not None and self.decision not in DECISIONS:
            found.append(f"The decision is '{self.decision}'; expected one of {', '.join(DECISIONS)}, "
                         f"or none while the cycle is {RUNNING}.")
        if known_measures is not None:
            unknown = [code for code in self.measures if code not in known_measures]
            if unknown:
                found.append(f"No measure has the code {', '.join(unknown)}.")
        return found

    def checked(self, known_measures: set[str] | None = None) -> PdsaCycle:
        """The cycle with its text trimmed; PdsaError if it cannot be saved."""
        problems = self.problems(known_measures)
        if problems:
            raise PdsaError(problems)
        trimmed = {f.name: getattr(self, f.name).strip() for f in fields(self) if isinstance(getattr(self, f.name), str)}
        return PdsaCycle(**{**self.as_dict(), **trimmed, "recorded_by": (self.recorded_by or "").strip() or None},
                         cycle_id=self.cycle_id)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cycle_id"}

    @classmethod
    def from_row(cls, row: pd.Series | dict) -> PdsaCycle:
        """A cycle from one row of a cycles frame."""
        values = {}
        for f in fields(cls):
            value = row.get(f.name)
            if f.name == "measures":
                values[f.name] = tuple(measure_codes(value))
            elif _missing(value):
                values[f.name] = None if f.name in (*DATE_COLUMNS, "decision", "recorded_by", "cycle_id") else ""
            elif f.name in DATE_COLUMNS:
                values[f.name] = pd.Timestamp(value).date()
            elif f.name == "cycle_id":
                values[f.name] = int(value)
            else:
                values[f.name] = str(value)
        return cls(**values)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def measure_codes(value: object) -> list[str]:
    """The measure codes a cycle is linked to, from a frame's cell (a list, an array, or missing)."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return []  # None, NaN or NA: a row with no list
    return [str(code) for code in value]


def _dates_out_of_order(cycle: PdsaCycle) -> list[str]:
    """A sentence for each step dated before an earlier step (steps not yet dated are skipped)."""
    dated = [(step, getattr(cycle, f"{step}_date")) for step in PDSA_STEPS]
    dated = [(step, when) for step, when in dated if when is not None]
    found = []
    for (before, first), (after, then) in zip(dated, dated[1:]):
        if then < first:
            found.append(f"The {PDSA_STEP_WORDS[after]} date ({then:%d/%m/%Y}) is before the "
                         f"{PDSA_STEP_WORDS[before]} date ({first:%d/%m/%Y}): a cycle's steps come in the order "
                         "plan, do, study, act.")
    return found


def decision_label(decision: object) -> str:
    """The decision with its symbol, so it never rests on colour: "✓ adopt", "… still running"."""
    if decision is None or (isinstance(decision, float) and pd.isna(decision)):
        return f"{RUNNING_SYMBOL} {RUNNING}"
    return f"{DECISION_SYMBOLS[decision]} {decision}"


def decision_symbol(decision: object) -> str:
    return decision_label(decision).split(" ", 1)[0]


def marker_date(cycles: pd.DataFrame) -> pd.Series:
    """Where each cycle is marked on a chart: when the change was tried (Do), else when planning started."""
    return pd.to_datetime(cycles["do_date"]).fillna(pd.to_datetime(cycles["plan_date"]))


def related_units(unit: str, hierarchy: Hierarchy) -> list[str]:
    """The units whose cycles a unit's chart shows: a team's own and those of the directorate and
    organisation above it; a directorate's or organisation's own and those of every unit below it."""
    if unit not in hierarchy:
        return [unit]
    if hierarchy.level(unit) == "team":
        return hierarchy.path_to(unit)
    return [unit, *hierarchy.children(unit, "directorate"), *hierarchy.children(unit, "team")]


def cycles_for_unit(cycles: pd.DataFrame, unit: str, hierarchy: Hierarchy) -> pd.DataFrame:
    """The cycles a unit's charts show, in story order, with ``number`` (the same on every chart
    and in the list) and ``whose``: the name of the unit the cycle belongs to when it is not
    ``unit`` itself ('' for the unit's own), for the chart's labels."""
    mine = in_story_order(cycles[cycles["unit"].isin(related_units(unit, hierarchy))])
    return mine.assign(number=range(1, len(mine) + 1),
                       whose=[("" if code == unit else hierarchy.name(code)) for code in mine["unit"]])


def on_measure(cycles: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The cycles shown on one measure's chart: those linked to it, and those linked to no measure."""
    if "measures" not in cycles:
        return cycles
    # A boolean array, not a list: an empty list would select no columns of an empty frame.
    keep = np.array([not codes or measure in codes for codes in map(measure_codes, cycles["measures"])], dtype=bool)
    return cycles[keep].reset_index(drop=True)


def in_story_order(cycles: pd.DataFrame) -> pd.DataFrame:
    """Cycles in the order they were tried (the order they are numbered on a chart)."""
    return cycles.assign(_when=marker_date(cycles)).sort_values(["_when", "cycle_id"], kind="stable").drop(
        columns="_when").reset_index(drop=True)
