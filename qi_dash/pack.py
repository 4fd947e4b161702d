"""A board pack's content, the same for its PDF (``pack_pdf``) and its PowerPoint (``pack_pptx``):
a cover, then for the unit and each unit one level below it (a directorate's teams, an
organisation's directorates) the summary table and each measure's chart with its words.

Everything shown comes from the app's own code: the views (``analysis.unit_views``), the board's
lines and order (``board``), the charts (``charts.spc_spec``), aims (``aims.progress``) and
PDSA cycles (``pdsa``). ``read_pack`` gathers it from a store; the writers only lay it out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd

from qi_dash import aims as aims_module
from qi_dash import board, charts, pdsa, periods, targets
from qi_dash.analysis import MeasureView, unit_views
from qi_dash.board import BoardLine
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import Store, as_of_end_of

FORMATS = {"pdf": "PDF", "pptx": "PowerPoint"}
MEDIA_TYPES = {"pdf": "application/pdf",
               "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
PACK_CHART_HEIGHT = 500
DEFINITION_WORDS = 220  # characters of the operational definition a chart's page shows
MOST_SIGNALS = 5  # the latest signals listed in words under a chart (the chart shows them all)
MOST_CYCLES = 4
MOST_COMMENTS = 4


class PackError(ValueError):
    """A pack cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class PackChart:
    """One measure's chart page or slide."""

    line: BoardLine  # name, family, icons, latest value and the one-line summary
    definition: str  # the operational definition in brief
    caption: str  # chart type · rules · direction
    target: str  # "Target: 80%" or ""
    aims: tuple[str, ...]  # each aim's statement and progress
    signals: tuple[str, ...]  # the latest signals in words, newest first
    cycles: tuple[str, ...]  # the PDSA cycles on the chart
    comments: tuple[str, ...]  # the comments that explain the signals (else the latest comments)
    # The chart's figure as plain values (``charts.spc_spec``), drawn as they are: the app's
    # figure is Plotly's of the same values (``charts.spc_figure``).
    figure: dict


@dataclass(frozen=True)
class PackSection:
    """A unit's summary table and charts."""

    unit: str
    name: str
    level: str
    lines: tuple[BoardLine, ...]
    charts: tuple[PackChart, ...]
    not_reported: tuple[str, ...]  # measures asked for that the unit has no data for


@dataclass(frozen=True)
class PackContent:
    unit: str
    name: str
    level: str
    period: str  # "Apr 23 to Oct 25"
    produced: datetime
    data_as_of: str  # when the data was last changed (or the as-of day asked for)
    sections: tuple[PackSection, ...]

    @property
    def title(self) -> str:
        return f"{self.name}: quality improvement board pack"

    @property
    def charts(self) -> list[PackChart]:
        return [chart for section in self.sections for chart in section.charts]

    def file_name(self, fmt: str) -> str:
        stem = "".join(c if c.isalnum() else "-" for c in self.unit).strip("-") or "unit"
        return f"board-pack-{stem}-{self.produced:%Y-%m-%d}.{fmt}"


def pack_units(hierarchy: Hierarchy, unit: str) -> list[str]:
    """The units a pack covers: the unit, then each unit one level below it, in the
    hierarchy's order."""
    return [unit, *hierarchy.children(unit)]


def read_pack(
    store: Store,
    unit: str,
    *,
    measures: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    as_of: date | None = None,
    produced: datetime | None = None,
    draw: Callable[[dict], None] | None = None,
) -> PackContent:
    """The pack of ``unit`` (a code, name or alias) from the store: its ``measures`` (codes;
    default all), periods from ``start`` to ``end`` (default all), the data as it stood at the
    end of ``as_of`` (default now). Each chart's figure is given to ``draw`` as it is made, in
    the order of ``PackContent.charts`` (``render.Renderer.draw``: drawn while the rest is read)."""
    hierarchy = store.hierarchy()
    code = unit if unit in hierarchy else hierarchy.resolve(unit, level=None)
    if code is None:
        raise PackError(f"No unit has the code or name '{unit}'. Give a team's, a directorate's "
                        f"({', '.join(hierarchy.directorates)}) or the organisation's "
                        f"({', '.join(hierarchy.organisations)}).")
    definitions = store.definitions()
    known = [d.code for d in definitions]
    codes = list(measures) if measures else known
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise PackError(f"No measure has the code {', '.join(unknown)}. Measures: {', '.join(known)}.")
    if start is not None and end is not None and start > end:
        raise PackError(f"The period starts ({start:%d/%m/%Y}) after it ends ({end:%d/%m/%Y}).")
    moment = None if as_of is None else as_of_end_of(as_of)
    observations = in_period(store.observations(units=hierarchy.teams_under(code), as_of=moment), start, end)
    follows = targets.targets_by_unit(store.target_steps(moment), hierarchy.path_to,
                                      {d.code: d.target for d in definitions})
    units = pack_units(hierarchy, code)
    all_aims = store.aims(moment)
    changes = store.phase_changes(units=units, as_of=moment)
    cycles = store.pdsa_cycles(sorted({u for member in units for u in pdsa.related_units(member, hierarchy)}), moment)
    sections = []
    for member in units:
        views = unit_views(observations, definitions, hierarchy.teams_under(member), member, codes,
                           targets=follows, aims=all_aims, phase_changes=changes)
        sections.append(section(member, hierarchy, views, pdsa.cycles_for_unit(cycles, member, hierarchy), draw))
    produced = produced or datetime.now(timezone.utc)
    return PackContent(code, hierarchy.name(code), hierarchy.level(code), period_words(observations, start, end),
                       produced, data_as_of(store.uploads(), as_of), tuple(sections))


def in_period(observations: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """The observations of the periods from ``start`` to ``end`` (either open)."""
    keep = pd.Series(True, index=observations.index)
    if start is not None:
        keep &= observations["period"] >= pd.Timestamp(start)
    if end is not None:
        keep &= observations["period"] <= pd.Timestamp(end)
    return observations[keep]


def period_words(observations: pd.DataFrame, start: date | None, end: date | None) -> str:
    """The period a pack covers, "Jan 23 to Oct 25": as asked, else the data's first and last."""
    first = pd.Timestamp(start) if start else observations["period"].min()
    last = pd.Timestamp(end) if end else observations["period"].max()
    if pd.isna(first) or pd.isna(last):
        return "No data in the period asked for"
    return f"{first:%b %Y} to {last:%b %Y}"


def data_as_of(uploads: pd.DataFrame, as_of: date | None) -> str:
    """When the data shown was last changed, "02/12/2026 07:46 UTC"; or the day asked for."""
    if as_of is not None:
        return f"as it stood at the end of {as_of:%d/%m/%Y}"
    if uploads.empty:
        return "no data uploaded yet"
    return f"{pd.Timestamp(uploads['uploaded_at'].max()).tz_convert('UTC'):%d/%m/%Y %H:%M} UTC"


def section(unit: str, hierarchy: Hierarchy, views: Sequence[MeasureView], cycles: pd.DataFrame,
            draw: Callable[[dict], None] | None = None) -> PackSection:
    """A unit's part of the pack: the board's lines and a chart per measure with data, in the
    board's order (outcome → process → balancing); each chart's figure given to ``draw``."""
    ordered = board.family_order(views)
    lines = board.board_lines(views)
    return PackSection(unit, hierarchy.name(unit), hierarchy.level(unit), tuple(lines),
                       tuple(pack_chart(view, line, cycles, draw) for view, line in zip(ordered, lines)),
                       tuple(v.definition.name for v in views if not v.has_data))


def pack_chart(view: MeasureView, line: BoardLine, cycles: pd.DataFrame,
               draw: Callable[[dict], None] | None = None) -> PackChart:
    """A measure's chart, as the Measure page draws it, with its words."""
    d = view.definition
    mine = pdsa.on_measure(cycles, d.code)
    figure = charts.spc_spec(view.points, view.result.phases, d, changes=mine, height=PACK_CHART_HEIGHT,
                             trajectory=view.trajectory, aims=view.aims, phase_changes=view.phase_changes)
    if draw is not None:
        draw(figure)
    target = view.result.target  # the target in force at the latest point (NaN: none)
    return PackChart(
        line=line,
        definition=textwrap.shorten(" ".join(d.definition.split()), DEFINITION_WORDS, placeholder=" …"),
        caption=charts.chart_caption(d),
        target="" if pd.isna(target) else f"Target: {charts.format_value(target, d)}",
        aims=tuple(f"Aim: {a.statement} — {aims_module.progress(a, d, view.points).headline}" for a in view.aims),
        signals=signal_lines(view),
        cycles=cycle_lines(mine, view),
        comments=comment_lines(view),
        figure=figure,
    )


def _signals(view: MeasureView) -> pd.DataFrame:
    points = view.points
    return points[points["signal"] & points["value"].notna()]


def signal_lines(view: MeasureView) -> tuple[str, ...]:
    """The latest signals in words, newest first: "Oct 25: 23.4 — above the upper process limit";
    then how many earlier ones the chart shows."""
    d, signals = view.definition, _signals(view)
    newest = signals.iloc[::-1].head(MOST_SIGNALS)
    lines = [f"{periods.label(row.period, d.frequency)}: {charts.format_value(row.value, d)} — {row.reason}"
             for row in newest.itertuples()]
    if len(signals) > MOST_SIGNALS:
        lines.append(f"… and {len(signals) - MOST_SIGNALS} earlier signal(s) shown on the chart.")
    return tuple(lines)


def comment_lines(view: MeasureView) -> tuple[str, ...]:
    """The team's comments on signalled points, newest first; without any, its latest comments."""
    points = view.points
    commented = points[points["comment"].fillna("").astype(str).str.strip() != ""]
    on_signals = commented[commented["signal"]]
    chosen = (on_signals if not on_signals.empty else commented).iloc[::-1].head(MOST_COMMENTS)
    return tuple(f"{periods.label(row.period, view.definition.frequency)}: {str(row.comment).strip()}"
                 for row in chosen.itertuples())


def cycle_lines(cycles: pd.DataFrame, view: MeasureView) -> tuple[str, ...]:
    """The PDSA cycles marked on the chart, numbered as on it, the latest first:
    "3. Safety huddle at shift change (Mar 25) — ✓ adopt: what was learned"."""
    if cycles.empty:
        return ()
    when = pdsa.marker_date(cycles)
    first, last = view.points["period"].min(), view.points["period"].max()
    shown = cycles[(when >= first) & (when <= last + pd.DateOffset(months=1))]
    lines = []
    for row, marked in zip(shown.itertuples(), pdsa.marker_date(shown)):
        words = next((str(text).strip() for text in (row.learned, row.change_idea)
                      if not pd.isna(text) and str(text).strip()), "")
        whose = f", {row.whose}" if row.whose else ""
        lines.append(f"{row.number}. {row.title} ({marked:%b %Y}{whose}) — {pdsa.decision_label(row.decision)}"
                     + (f": {words}" if words else ""))
    return tuple(lines[::-1][:MOST_CYCLES])
