"""A chart's data as a table people take away: every period the chart draws, with what it drew.

``chart_data_table(view)`` is one row per period of a ``MeasureView`` (gaps included, empty):
the period (UK dates; a weekly measure's period is its week-commencing Monday, as the column
heading says) and its financial year, the charted value, numerator and denominator, the centre
line and process limits (and the 2σ lines when shown), the phase and why it started, the target
in force, the point's variation and the signal's reason in words, and the comment. The numbers
are the very arrays the chart draws (``MeasureView.points``), unrounded.

``fy_table(view)`` is the measure per NHS financial year (``financial_years.fy_summary``) in
words; ``chart_data_csv`` and ``chart_data_xlsx`` write both through ``exports``, which
neutralises text a spreadsheet would run as a formula. The board pack reads the same tables.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qi_dash import financial_years
from qi_dash.analysis import MeasureView
from qi_dash.exports import table_csv, tables_xlsx
from qi_dash.icons import POINT_STYLE
from qi_dash.phases import PhaseChange, phase_label
from qi_dash.vocabulary import MEDIAN_CHARTS

UK_DATE = "%d/%m/%Y"
SHEET = "chart data"
FY_SHEET = "financial years"


def period_heading(frequency: str) -> str:
    """The period column's heading, saying how a period is dated."""
    return "Period (week commencing)" if frequency == "week" else "Period (month)"


def value_heading(view: MeasureView) -> str:
    unit = view.definition.unit.strip()
    return f"Value ({unit})" if unit else "Value"


def chart_data_table(view: MeasureView, *, show_2s: bool = False) -> pd.DataFrame:
    """One row per charted period, oldest first, with the columns described above; the
    period and dates are datetime64 (shown dd/mm/yyyy in a workbook). Empty (no rows) when
    the view has no data."""
    d = view.definition
    points = view.points
    if points is None:
        return pd.DataFrame(columns=[period_heading(d.frequency), "Financial year", value_heading(view)])
    period = pd.to_datetime(points["period"]).reset_index(drop=True)
    table = pd.DataFrame({
        period_heading(d.frequency): period,
        "Financial year": financial_years.fy_labels(period),
        value_heading(view): points["value"].to_numpy(dtype=float),
    })
    if d.has_denominator:
        table["Numerator"] = points["numerator"].to_numpy(dtype=float)
        table["Denominator"] = points["denominator"].to_numpy(dtype=float)
    reporting = view.series.set_index("period")["teams_reporting"]
    if reporting.max() > 1:  # a pooled series: how many teams each period combines
        table["Teams reporting"] = period.map(reporting).fillna(0).astype(int).to_numpy()
    table["Centre (median)" if d.chart in MEDIAN_CHARTS else "Centre (mean)"] = points["centre"].to_numpy(dtype=float)
    table["Lower process limit"] = points["lower"].to_numpy(dtype=float)
    table["Upper process limit"] = points["upper"].to_numpy(dtype=float)
    if show_2s:
        table["Lower 2σ line"] = points["lower_2s"].to_numpy(dtype=float)
        table["Upper 2σ line"] = points["upper_2s"].to_numpy(dtype=float)
    table["Phase"] = points["phase"].to_numpy(dtype=int)
    table["Phase reason"] = phase_reasons(view)
    table["Target"] = targets_in_force(view)
    has_value = points["value"].notna().to_numpy()
    words = points["point_type"].map({kind: style[2] for kind, style in POINT_STYLE.items()}).fillna("")
    table["Variation"] = np.where(has_value, words.to_numpy(dtype=object), "")
    table["Signal"] = points["reason"].where(points["signal"], "").fillna("").to_numpy(dtype=object)
    table["Comment"] = points["comment"].fillna("").astype(str).to_numpy(dtype=object)
    return table


def targets_in_force(view: MeasureView) -> np.ndarray:
    """The target in force at each charted period (NaN where there is none): the unit's
    trajectory when it has steps, else the definition's one target."""
    stamps = view.points["period"]
    if view.trajectory is not None and view.trajectory.changes:
        return view.trajectory.at(stamps)
    target = view.definition.target
    return np.full(len(stamps), np.nan if target is None else float(target))


def phase_reasons(view: MeasureView) -> list[str]:
    """Each point's phase in words, as the chart labels its boundary: "Phase 2: <reason>", and
    after a frozen baseline "Baseline frozen: <reason>"; "Phase 1" where nothing was recorded."""
    points, phases = view.points, view.result.phases
    words: dict[int, str] = {}
    frozen: dict[int, tuple[pd.Timestamp, str]] = {}
    previous = pd.Timestamp.min
    for phase in phases.itertuples(index=False):
        number, start = int(phase.phase), pd.Timestamp(phase.start)
        words[number] = phase_label(number, _found(view.phase_changes, "new_phase", previous, start) if number > 1 else None)
        if pd.notna(getattr(phase, "baseline_end", None)):
            freeze = _found(view.phase_changes, "freeze_baseline", pd.Timestamp(phase.baseline_end), pd.Timestamp.max)
            frozen[number] = (pd.Timestamp(phase.baseline_end), phase_label(number, freeze) if freeze else words[number])
        previous = start
    out = []
    for period, number in zip(points["period"], points["phase"].astype(int)):
        after = frozen.get(number)
        out.append(after[1] if after is not None and pd.Timestamp(period) > after[0] else words.get(number, f"Phase {number}"))
    return out


def _found(changes: tuple[PhaseChange, ...], kind: str, after: pd.Timestamp, until: pd.Timestamp) -> PhaseChange | None:
    """The last change of ``kind`` dated in (after, until]: the one that made a phase."""
    found = [c for c in changes if c.kind == kind and after < pd.Timestamp(c.period) <= until]
    return found[-1] if found else None


def fy_table(view: MeasureView) -> pd.DataFrame:
    """The measure per NHS financial year in words: the year, its first and last days, the
    periods with data of those in the year, the summed numerator and denominator (a proportion
    or rate), the year's value and how it is worked out."""
    d = view.definition
    summary = financial_years.fy_summary(view.series, d)
    table = pd.DataFrame({
        "Financial year": summary["financial_year"].astype(object),
        "From": pd.to_datetime(summary["start"]),
        "To": pd.to_datetime(summary["end"]),
        "Periods with data": summary["periods_with_data"].astype(int),
        "Periods in year": summary["periods_in_year"].astype(int),
    })
    if d.has_denominator:
        table["Numerator"] = summary["numerator"].astype(float)
        table["Denominator"] = summary["denominator"].astype(float)
    table[value_heading(view)] = summary["value"].astype(float)
    table["How"] = [financial_years.METHOD_WORDS[m] for m in summary["method"]]
    return table.reset_index(drop=True)


def _uk_dates(table: pd.DataFrame) -> pd.DataFrame:
    """Date columns as dd/mm/yyyy text, for CSV (a workbook keeps real dates)."""
    dates = [c for c in table.columns if pd.api.types.is_datetime64_any_dtype(table[c])]
    return table.assign(**{c: table[c].dt.strftime(UK_DATE).fillna("") for c in dates})


def chart_data_csv(view: MeasureView, *, show_2s: bool = False) -> bytes:
    """The chart's data as CSV, dates dd/mm/yyyy."""
    return table_csv(_uk_dates(chart_data_table(view, show_2s=show_2s)))


def chart_data_xlsx(view: MeasureView, *, show_2s: bool = False) -> bytes:
    """The chart's data and the measure per financial year as the two sheets of one xlsx."""
    return tables_xlsx({SHEET: chart_data_table(view, show_2s=show_2s), FY_SHEET: fy_table(view)})


def file_stem(*parts: str) -> str:
    """A download's file name from codes and words: letters, digits, '-' and '_' only."""
    return "-".join(p for p in (re.sub(r"[^A-Za-z0-9_]+", "-", part).strip("-") for part in parts) if p) or "data"


def board_data_xlsx(views: list[MeasureView], *, show_2s: bool = False) -> bytes:
    """Every charted measure of a board in one xlsx: a first sheet listing the measures, then
    one sheet of chart data per measure (named by its code; Excel allows 31 characters)."""
    shown = [v for v in views if v.has_data]
    names = _sheet_names([v.definition.code for v in shown])
    index = pd.DataFrame({
        "Sheet": names,
        "Measure": [v.definition.name for v in shown],
        "Unit": [v.definition.unit for v in shown],
        "Chart": [v.result.chart for v in shown],
        "Frequency": [v.definition.frequency for v in shown],
    })
    return tables_xlsx({"measures": index,
                        **{name: chart_data_table(v, show_2s=show_2s) for name, v in zip(names, shown)}})


def _sheet_names(codes: list[str]) -> list[str]:
    """A distinct, valid sheet name per code: no []:*?/\\ characters, at most 31 long, never "measures"."""
    names: list[str] = []
    for code in codes:
        base = re.sub(r"[\[\]:*?/\\']+", "-", code).strip()[:28] or "measure"
        name, n = base, 2
        while name.lower() in {"measures", *(x.lower() for x in names)}:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names
