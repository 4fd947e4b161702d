"""The engine's result: data that charts, tables, exports and tests all read.

``PackResult`` holds the computed arrays of many series; ``SPCResult`` is one series' view
of it, with its points and phases as DataFrames and every flagged point's reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qi_dash.vocabulary import MEDIAN_CHARTS, POINT_TYPES

from . import rules
from .inputs import MESSAGES, NOTES, SpcSettings
from .kernel import Computed
from .limits import TRIAL_LIMIT_POINTS

POINT_COLUMNS = (
    "period",
    "value",
    "centre",
    "lower",
    "upper",
    "lower_2s",
    "upper_2s",
    "moving_range",
    "phase",
    "signal",
    "rule",
    "reason",
    "point_type",
)
COUNT_COLUMNS = ("numerator", "denominator")  # after POINT_COLUMNS when the series was given them
PHASE_COLUMNS = (
    "phase",
    "start",
    "n",
    "n_useful",
    "centre",
    "longest_run",
    "longest_run_max",
    "crossings",
    "crossings_min",
    "runs_signal",
    "runs_reason",
    "trial_limits",
    "baseline_end",
)


@dataclass(eq=False)
class SPCResult:
    """One series analysed. ``points`` and ``phases`` have exactly the columns above;
    ``points`` also has COUNT_COLUMNS when the series was given numerators and denominators.

    ``run_rules`` is the rule set applied: "mdc" on charts with limits, "ihi" or "anhoej"
    on run charts. ``target`` is the latest target (NaN if none), used for assurance.
    ``messages`` say which values were treated as missing and why."""

    points: pd.DataFrame
    phases: pd.DataFrame
    variation_icon: str
    assurance_icon: str
    chart: str
    run_rules: str
    direction: str
    summary: str
    target: float = float("nan")
    messages: tuple[str, ...] = field(default_factory=tuple)

    def equals(self, other: SPCResult) -> bool:
        """Same points, phases, icons and words (NaN equal to NaN)."""
        same_target = self.target == other.target or (np.isnan(self.target) and np.isnan(other.target))
        return (
            self.points.equals(other.points)
            and self.phases.equals(other.phases)
            and same_target
            and (self.variation_icon, self.assurance_icon, self.chart, self.run_rules, self.direction)
            == (other.variation_icon, other.assurance_icon, other.chart, other.run_rules, other.direction)
            and (self.summary, self.messages) == (other.summary, other.messages)
        )


def _ordinal_side(side: int, word: str) -> str:
    return f"{'above' if side > 0 else 'below'} the {word}"


def point_reason(code: int, side: int, span: int, place: int, centre_word: str, runs_text: str) -> str:
    """Plain-English reason of one flagged point."""
    if code == rules.BEYOND:
        return "Above the upper process limit" if side > 0 else "Below the lower process limit"
    if code == rules.TREND:
        article = "an" if str(span).startswith("8") or span in (11, 18) else "a"
        return f"Point {place} of {article} {span}-point {'rising' if side > 0 else 'falling'} trend"
    if code == rules.TWO_OF_THREE:
        return f"2 of 3 points beyond 2σ {_ordinal_side(side, centre_word)}"
    return f"Point {place} of {span} in a row {_ordinal_side(side, centre_word)}" + runs_text


def runs_text(kind: int, observed: int, limit: int, n_useful: int) -> str:
    """Why a whole phase signals on the runs test ("" when it does not)."""
    if kind == rules.NO_RUNS_SIGNAL:
        return ""
    if kind == rules.TOO_FEW_RUNS:
        return f"Too few runs: {observed} runs where at least {limit} are expected for {n_useful} points"
    if kind == rules.TOO_MANY_RUNS:
        return f"Too many runs: {observed} runs where at most {limit} are expected for {n_useful} points"
    return (
        f"Too few crossings: {observed} crossings of the median where at least {limit} are expected "
        f"for {n_useful} points"
    )


@dataclass
class PackResult:
    """Computed arrays of the series of one pack, with what is needed to present them.

    Series i owns points ``starts[i]:starts[i+1]`` and phase rows
    ``row_starts[i]:row_starts[i+1]``."""

    computed: Computed
    settings: list[SpcSettings]
    periods: np.ndarray  # datetime64[ns], per point
    counts: tuple[np.ndarray, np.ndarray] | None  # numerators and denominators as given
    notes: np.ndarray
    phase: np.ndarray  # 1-based phase of every point
    starts: np.ndarray
    row_starts: np.ndarray
    target: np.ndarray  # latest target per series
    variation_icon: np.ndarray
    assurance_icon: np.ndarray
    reference: np.ndarray  # index of each series' latest non-missing point (−1 if none)
    charted: np.ndarray  # per series: how many of its points have a charted value
    baseline: np.ndarray  # per phase row: points its limits come from (a huge number: all)

    def _reasons(self, lo: int, hi: int, row_lo: int, centre_word: str, rule_set: str) -> np.ndarray:
        c = self.computed
        reason = np.full(hi - lo, "", dtype=object)
        note = self.notes[lo:hi]
        for i in np.flatnonzero(note):
            reason[i] = NOTES[note[i]]
        sig = c.signals
        for i in np.flatnonzero(c.rule[lo:hi]):
            p, row = lo + i, row_lo + self.phase[lo + i] - 1
            code = int(c.rule[p])
            extra = ""
            if code == rules.SHIFT and rule_set == "anhoej":
                extra = f": longer than the {int(sig.run_max[row])} expected for {int(sig.runs_useful[row])} points"
            reason[i] = point_reason(code, int(c.side[p]), int(c.span[p]), int(c.place[p]), centre_word, extra)
        return reason

    def points(self, i: int) -> pd.DataFrame:
        lo, hi = int(self.starts[i]), int(self.starts[i + 1])
        s, c = self.settings[i], self.computed
        word = "median" if s.chart in MEDIAN_CHARTS else "mean"
        columns = {
            "period": self.periods[lo:hi],
            "value": c.value[lo:hi],
            "centre": c.centre[lo:hi],
            "lower": c.lower[lo:hi],
            "upper": c.upper[lo:hi],
            "lower_2s": c.lower_2s[lo:hi],
            "upper_2s": c.upper_2s[lo:hi],
            "moving_range": c.moving_range[lo:hi],
            "phase": self.phase[lo:hi].astype(np.int64),
            "signal": c.rule[lo:hi] != 0,
            "rule": np.array(rules.RULES, dtype=object)[c.rule[lo:hi]],
            "reason": self._reasons(lo, hi, int(self.row_starts[i]), word, s.rule_set),
            "point_type": np.array(POINT_TYPES, dtype=object)[c.point_type[lo:hi]],
        }
        if self.counts is None:
            return pd.DataFrame(columns, columns=list(POINT_COLUMNS))
        for name, given in zip(COUNT_COLUMNS, self.counts):
            columns[name] = given[lo:hi]
        return pd.DataFrame(columns, columns=[*POINT_COLUMNS, *COUNT_COLUMNS])

    def phases(self, i: int) -> pd.DataFrame:
        lo, hi = int(self.row_starts[i]), int(self.row_starts[i + 1])
        y, centre = self.computed.raw_value[lo:hi], self.computed.raw_centre[lo:hi]
        an = rules.anhoej(y, ~np.isnan(y), centre)
        first = self.starts[i] + np.flatnonzero(np.diff(self.phase[self.starts[i] : self.starts[i + 1]], prepend=0))
        n = np.diff(np.append(first, self.starts[i + 1]))
        has = an.n_useful > 0

        def counted(values: np.ndarray) -> pd.array:
            return pd.arrays.IntegerArray(values.astype(np.int64), mask=~has)

        sig = self.computed.signals
        runs_reasons = [
            runs_text(int(sig.runs_kind[r]), int(sig.runs_observed[r]), int(sig.runs_limit[r]), int(sig.runs_useful[r]))
            for r in range(lo, hi)
        ]
        baseline = self.baseline[lo:hi]
        frozen = baseline < n
        last_base = first + np.clip(np.minimum(baseline, n) - 1, 0, None)
        baseline_end = np.where(frozen, self.periods[last_base], np.datetime64("NaT"))

        return pd.DataFrame(
            {
                "phase": np.arange(1, hi - lo + 1, dtype=np.int64),
                "start": self.periods[first],
                "n": n.astype(np.int64),
                "n_useful": an.n_useful.astype(np.int64),
                "centre": self.computed.row_centre[lo:hi],
                "longest_run": counted(an.longest_run),
                "longest_run_max": counted(an.longest_run_max),
                "crossings": counted(an.crossings),
                "crossings_min": counted(an.crossings_min),
                "runs_signal": an.runs_signal.astype(bool),
                "runs_reason": np.array(runs_reasons, dtype=object),
                "trial_limits": n < TRIAL_LIMIT_POINTS,
                "baseline_end": baseline_end.astype("datetime64[ns]"),
            },
            columns=list(PHASE_COLUMNS),
        )

    def messages(self, i: int) -> tuple[str, ...]:
        counts = np.bincount(self.notes[self.starts[i] : self.starts[i + 1]], minlength=len(NOTES))
        return tuple(MESSAGES[k].format(n=counts[k]) for k in range(1, len(NOTES)) if counts[k])

    def summary(self, i: int, points: pd.DataFrame, phases: pd.DataFrame) -> str:
        s = self.settings[i]
        variation, assurance = self.variation_icon[i], self.assurance_icon[i]
        if points.empty:
            return "No data."
        if variation == "none":
            return "Too few usable points for " + ("a median." if s.chart == "run" else "a centre line and limits.")
        last = points.iloc[int(self.reference[i] - self.starts[i])]
        if last.point_type == "improvement":
            text = f"Special cause improvement at the latest point: {last.reason}."
        elif last.point_type == "concern":
            text = f"Special cause concern at the latest point: {last.reason}."
        elif last.signal:
            text = f"Special cause variation, neither improvement nor concern, at the latest point: {last.reason}."
        else:
            flagged = int(points.signal[points.phase == last.phase].sum())
            text = (
                "Common cause variation: no signals in the last phase."
                if flagged == 0
                else f"Common cause variation at the latest point; {flagged} earlier point(s) in the last phase signal."
            )
        runs = phases.runs_reason.iloc[-1]
        if runs:
            text += f" {runs} in the last phase: the variation is not random, though no single point is flagged."
        if s.chart != "run" and bool(phases.trial_limits.iloc[-1]):
            text += f" Trial limits: fewer than {TRIAL_LIMIT_POINTS} points in the last phase."
        return (
            text
            + {
                "pass": " The process will consistently meet the target.",
                "fail": " The process will consistently miss the target.",
                "hit_and_miss": " The process will meet and miss the target at random.",
                "none": "",
            }[assurance]
        )

    def result(self, i: int) -> SPCResult:
        """Series i as an SPCResult (the same object ``analyse`` returns)."""
        points, phases = self.points(i), self.phases(i)
        s = self.settings[i]
        return SPCResult(
            points=points,
            phases=phases,
            variation_icon=str(self.variation_icon[i]),
            assurance_icon=str(self.assurance_icon[i]),
            chart=s.chart,
            run_rules=s.rule_set,
            direction=s.direction,
            summary=self.summary(i, points, phases),
            target=float(self.target[i]),
            messages=self.messages(i),
        )
