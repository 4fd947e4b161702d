"""The issue's ward tracker: a workbook with a sheet per ward, kept by hand through the year."""

from __future__ import annotations

import random
from datetime import date

from corpus.case import CorpusCase, Obs, expected_frame, month, xlsx_bytes
from fixtures_hostile import Formula

# Sheet name (as the ward manager typed it) → team code.
_SHEETS = {"Ash Ward": "W-ASH", "birch ward": "W-BIR", "W-CED": "W-CED"}
# Each month as it is written in column A: Apr-23 text, April 2023 text or a date cell.
# August is missing: the ward manager was on leave.
_MONTHS: list[tuple[date, object]] = [
    (month(2023, 4), "Apr-23"),
    (month(2023, 5), "May 2023"),
    (month(2023, 6), month(2023, 6)),
    (month(2023, 7), "Jul-23"),
    (month(2023, 9), "September 2023"),
    (month(2023, 10), month(2023, 10)),
]
_HEADINGS = ["Month", "Restrictive practice incidents", "Occupied bed days", "Rate per 1,000 OBD", "PRN doses",
             "Patients audited", "Safety plans in place", "% with safety plan"]
_FIRST_DATA_ROW = 5


def _tracker_data() -> list[Obs]:
    rng = random.Random(21)
    out = []
    for unit in _SHEETS.values():
        for period, _ in _MONTHS:
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(3, 30), denominator=rng.randint(560, 620)))
            out.append(Obs(unit, "PRN", period, value=rng.randint(0, 35)))
            audited = rng.randint(16, 20)
            out.append(Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(9, audited), denominator=audited))
    return out


_TRACKER = _tracker_data()


def _ward_sheet(sheet: str, unit: str) -> list[list[object]]:
    by_key = {(o.period, o.measure): o for o in _TRACKER if o.unit == unit}
    rows: list[list[object]] = [
        [f"{sheet} — restrictive practice tracker 2023/24"],
        ["Incidents from Datix, bed days from the bed management system. Rate and % are worked out."],
        [],
        list(_HEADINGS),
    ]
    for period, written in _MONTHS:
        r = len(rows) + 1
        rp, prn, sp = by_key[(period, "RP_RATE")], by_key[(period, "PRN")], by_key[(period, "SAFETY_PLAN")]
        rows.append([written, rp.numerator, rp.denominator,
                     Formula(f"B{r}/C{r}*1000", round(rp.numerator / rp.denominator * 1000, 6)),
                     prn.value, sp.denominator, sp.numerator,
                     Formula(f"G{r}/F{r}", round(sp.numerator / sp.denominator, 6))])
    last = len(rows)
    rows.append([])
    r = len(rows) + 1
    ours = [o for o in _TRACKER if o.unit == unit]

    def total(measure: str, part: str) -> float:
        return sum(getattr(o, part) for o in ours if o.measure == measure)

    incidents, beds = total("RP_RATE", "numerator"), total("RP_RATE", "denominator")
    audited, plans = total("SAFETY_PLAN", "denominator"), total("SAFETY_PLAN", "numerator")
    span = f"{_FIRST_DATA_ROW}:{{0}}{last}"
    rows.append([
        "Total",
        Formula(f"SUM(B{span.format('B')})", incidents),
        Formula(f"SUM(C{span.format('C')})", beds),
        Formula(f"B{r}/C{r}*1000", round(incidents / beds * 1000, 6)),
        Formula(f"SUM(E{span.format('E')})", total("PRN", "value")),
        Formula(f"SUM(F{span.format('F')})", audited),
        Formula(f"SUM(G{span.format('G')})", plans),
        Formula(f"G{r}/F{r}", round(plans / audited, 6)),
    ])
    return rows


def _build_tracker() -> bytes:
    sheets = {sheet: _ward_sheet(sheet, unit) for sheet, unit in _SHEETS.items()}
    sheets["Lookup"] = [["Ward", "Directorate"], *([sheet, "Adult Acute Inpatients"] for sheet in _SHEETS)]
    merged = {sheet: ["A1:H1"] for sheet in _SHEETS}
    return xlsx_bytes(sheets, hidden=("Lookup",), merged=merged)


WARD_TRACKER = CorpusCase(
    name="ward_tracker",
    file_name="ward_tracker.xlsx",
    build=_build_tracker,
    expected=expected_frame(_TRACKER),
    layout="sheet_per_team",
    max_choices=2,
    why="The issue's tracker: a sheet per ward (named 'Ash Ward', 'birch ward', 'W-CED'), a merged "
    "title row, a note row and a blank row above the headings in row 4; months as Apr-23, May 2023, "
    "September 2023 and date cells; August missing; rate and % formula columns with cached values (not "
    "read); the safety-plan denominator before its numerator; a blank row and a Total row of formulas "
    "(not data); and a hidden 'Lookup' sheet mapping wards to directorates (not data).",
)
