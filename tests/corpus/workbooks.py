"""Corpus cases kept as Excel workbooks, each messy in its own way: heading rows, merged
headings, months across, footnotes, hidden columns, a second table, a pivot-table export."""

from __future__ import annotations

import random

from corpus.case import CorpusCase, Obs, expected_frame, month, months, serial, xlsx_bytes
from fixtures_hostile import Formula

# --- wide_two_headers.xlsx: a group heading row above the real headings ---------------------

_TWO_HEADER_TEAMS = {"W-ASH": "Ash Ward", "W-BIR": "Birch Ward", "W-CED": "cedar ward"}


def _two_headers_data() -> list[Obs]:
    rng = random.Random(11)
    out = []
    for unit in _TWO_HEADER_TEAMS:
        for period in months(month(2023, 4), 3):
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(2, 20), denominator=rng.randint(560, 620)))
            audited = rng.randint(15, 20)
            out.append(Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(10, audited), denominator=audited))
            out.append(Obs(unit, "PRN", period, value=rng.randint(0, 30)))
    return out


_TWO_HEADERS = _two_headers_data()


def _build_two_headers() -> bytes:
    rows: list[list[object]] = [
        [None, None, "Restrictive practice", None, "Safety plans", None, "Medication"],
        ["Ward", "Month", "Incidents", "Bed days", "With a plan", "Audited", "PRN doses"],
    ]
    by_key = {(o.unit, o.period, o.measure): o for o in _TWO_HEADERS}
    for unit, name in _TWO_HEADER_TEAMS.items():
        for period in months(month(2023, 4), 3):
            rp, sp, prn = (by_key[(unit, period, m)] for m in ("RP_RATE", "SAFETY_PLAN", "PRN"))
            rows.append([name, period, rp.numerator, rp.denominator, sp.numerator, sp.denominator, prn.value])
    return xlsx_bytes({"Acute wards": rows}, merged={"Acute wards": ["C1:D1", "E1:F1"]})


WIDE_TWO_HEADERS = CorpusCase(
    name="wide_two_headers",
    file_name="wide_two_headers.xlsx",
    build=_build_two_headers,
    expected=expected_frame(_TWO_HEADERS),
    layout="wide",
    max_choices=2,
    why="Two heading rows: merged group headings ('Restrictive practice' over C1:D1, 'Safety plans' "
    "over E1:F1) above the real headings in row 2; numerator/denominator pairs named 'Incidents'/'Bed "
    "days' and 'With a plan'/'Audited'; periods as date cells; a team name in lower case.",
)


# --- periods_across.xlsx: months across the top, measures down the side ---------------------

_ACROSS_MONTHS = months(month(2023, 4), 6)
_ACROSS_HEADINGS = ["Apr-23", "May-23", "Jun-23", "Jul-23", "Aug-23", "Sep-23"]


def _across_data() -> list[Obs]:
    rng = random.Random(12)
    out = []
    for period in _ACROSS_MONTHS:
        out.append(Obs("W-HAZ", "RP_RATE", period, numerator=rng.randint(10, 40), denominator=rng.randint(300, 310)))
        out.append(Obs("W-HAZ", "PRN", period, value=rng.randint(10, 60)))
        out.append(Obs("W-HAZ", "SECL_HRS", period, value=rng.randint(0, 900) / 10))
    return out


_ACROSS = _across_data()


def _build_across() -> bytes:
    by_key = {(o.measure, o.period): o for o in _ACROSS}
    labels = [("Restrictive practice incidents", "RP_RATE", "numerator"), ("Occupied bed days", "RP_RATE", "denominator"),
              ("PRN doses for agitation", "PRN", "value"), ("Seclusion (hours)", "SECL_HRS", "value")]
    rows: list[list[object]] = [["Measure", *_ACROSS_HEADINGS]]
    for label, code, part in labels:
        rows.append([label, *(getattr(by_key[(code, p)], part) for p in _ACROSS_MONTHS)])
    return xlsx_bytes({"Hazel Ward (PICU)": rows})


PERIODS_ACROSS = CorpusCase(
    name="periods_across",
    file_name="periods_across.xlsx",
    build=_build_across,
    expected=expected_frame(_ACROSS),
    layout="periods_across",
    max_choices=2,
    why="Months as column headings (text Apr-23 … Sep-23) with the measures down the side, a rate's "
    "numerator and denominator on two rows, and the team only in the sheet's name.",
)


# --- sheet_per_measure.xlsx ------------------------------------------------------------------

_PER_MEASURE_TEAMS = {"W-OAK": "OAK WARD (OLDER ADULT)", "W-WIL": "Willow Ward (learning disability)", "W-ELM": "w-elm"}
# (sheet name, measure code, periods)
_PER_MEASURE_SHEETS = [
    ("PRN", "PRN", months(month(2023, 4), 3)),
    ("Hours in seclusion", "SECL_HRS", months(month(2023, 4), 3)),
    ("Physical restraints", "RESTRAINT", [month(2023, 4).replace(day=d) for d in (3, 10, 17)]),
]


def _per_measure_data() -> list[Obs]:
    rng = random.Random(13)
    out = []
    for _, code, periods in _PER_MEASURE_SHEETS:
        for unit in _PER_MEASURE_TEAMS:
            for period in periods:
                value = rng.randint(0, 200) / 2 if code == "SECL_HRS" else rng.randint(0, 15)
                out.append(Obs(unit, code, period, value=value))
    return out


_PER_MEASURE = _per_measure_data()


def _build_per_measure() -> bytes:
    sheets = {}
    for sheet, code, _ in _PER_MEASURE_SHEETS:
        rows: list[list[object]] = [["Team", "Period", "Figure"]]
        # The weekly sheet's dates were formatted General: Excel shows (and stores) serial numbers.
        rows += [[_PER_MEASURE_TEAMS[o.unit], serial(o.period) if code == "RESTRAINT" else o.period, o.value]
                 for o in _PER_MEASURE if o.measure == code]
        sheets[sheet] = rows
    return xlsx_bytes(sheets)


SHEET_PER_MEASURE = CorpusCase(
    name="sheet_per_measure",
    file_name="sheet_per_measure.xlsx",
    build=_build_per_measure,
    expected=expected_frame(_PER_MEASURE),
    layout="sheet_per_measure",
    max_choices=2,
    why="A sheet per measure named by code ('PRN') or by name ('Hours in seclusion', 'Physical "
    "restraints'), each with the same Team/Period/Figure headings; the weekly sheet's Mondays are plain "
    "Excel serial numbers (date cells formatted General), the others' month starts are date cells; teams "
    "in capitals, full names and lower-case codes.",
)


# --- footnotes.xlsx: footnote rows under the table ------------------------------------------

def _footnotes_data() -> list[tuple[str, str, Obs]]:
    rng = random.Random(14)
    out = []
    for team_text, unit in [("North Community Mental Health Team", "CMHT-N"), ("CRHT", "CRHT")]:
        for period in months(month(2023, 1), 3):
            audited = 20
            comment = "Audit done by a new auditor" if (unit, period) == ("CRHT", month(2023, 2)) else None
            out.append((team_text, "Patients with a co-produced safety plan",
                        Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(12, 20), denominator=audited, comment=comment)))
            out.append((team_text, "Staff sickness absence",
                        Obs(unit, "SICKNESS", period, numerator=rng.randint(10, 60), denominator=rng.randint(600, 700))))
    return out


_FOOTNOTES = _footnotes_data()


def _build_footnotes() -> bytes:
    rows: list[list[object]] = [["Team", "Indicator", "Month", "Met", "Total", "Notes"]]
    for team_text, indicator, o in _FOOTNOTES:
        rows.append([team_text, indicator, o.period.strftime("%b %Y"), o.numerator, o.denominator, o.comment])
    rows += [[], ["* February figures are provisional until the March audit."],
             ["Source: RiO audit tool and e-rostering, extracted 4 April 2023."], ["Prepared by: J. Smith, team manager"]]
    return xlsx_bytes({"Community": rows})


FOOTNOTES = CorpusCase(
    name="footnotes",
    file_name="footnotes.xlsx",
    build=_build_footnotes,
    expected=expected_frame([o for *_, o in _FOOTNOTES]),
    layout="long",
    max_choices=2,
    why="Three footnote rows of text under the table after a blank row (a footnote is never data); "
    "months as text 'Jan 2023'; Met/Total as the numerator and denominator; a Notes column of comments "
    "that is mostly empty.",
)


# --- hidden_columns.xlsx ---------------------------------------------------------------------

def _hidden_columns_data() -> list[Obs]:
    rng = random.Random(15)
    out = []
    for unit in ("W-ROW", "W-YEW"):
        for period in months(month(2023, 4), 4):
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(4, 30), denominator=rng.randint(420, 460)))
            out.append(Obs(unit, "SECL_HRS", period, value=rng.randint(0, 1500) / 10))
    return out


_HIDDEN_COLUMNS = _hidden_columns_data()


def _build_hidden_columns() -> bytes:
    rows: list[list[object]] = [["Ward", "Key", "Month", "Incidents", "OBD", "Rate per 1000 OBD", "Seclusion hrs"]]
    by_key = {(o.unit, o.period, o.measure): o for o in _HIDDEN_COLUMNS}
    for unit in ("W-ROW", "W-YEW"):
        for period in months(month(2023, 4), 4):
            r = len(rows) + 1
            rp, secl = by_key[(unit, period, "RP_RATE")], by_key[(unit, period, "SECL_HRS")]
            rows.append([unit, Formula(f'A{r}&"|"&TEXT(C{r},"yyyy-mm")', f"{unit}|{period:%Y-%m}"), period,
                         rp.numerator, rp.denominator,
                         Formula(f"D{r}/E{r}*1000", round(rp.numerator / rp.denominator * 1000, 6)), secl.value])
    # B (a lookup key) and E (the bed days) are hidden; E is still the rate's denominator.
    return xlsx_bytes({"Secure": rows}, hidden_columns={"Secure": (1, 4)})


HIDDEN_COLUMNS = CorpusCase(
    name="hidden_columns",
    file_name="hidden_columns.xlsx",
    build=_build_hidden_columns,
    expected=expected_frame(_HIDDEN_COLUMNS),
    layout="wide",
    max_choices=2,
    why="Two hidden columns: B, a formula lookup key (not data), and E, the occupied bed days — hidden "
    "in Excel but still RP_RATE's denominator, so it is read; the visible rate is a formula with a "
    "cached value and is not read.",
)


# --- second_table.xlsx: a summary table below the data --------------------------------------

_SECOND_TEAMS = {"W-ASH": "Ash Ward", "W-HAZ": "Hazel Ward (PICU)", "W-OAK": "Oak Ward (older adult)"}
_SECOND_MONTHS = months(month(2023, 4), 3)


def _second_table_data() -> list[Obs]:
    rng = random.Random(16)
    out = []
    for unit in _SECOND_TEAMS:
        for period in _SECOND_MONTHS:
            out.append(Obs(unit, "PRN", period, value=rng.randint(0, 40)))
            out.append(Obs(unit, "ADMISSIONS", period, value=rng.randint(1, 12)))
    return out


_SECOND = _second_table_data()


def _build_second_table() -> bytes:
    by_key = {(o.unit, o.period, o.measure): o.value for o in _SECOND}
    rows: list[list[object]] = [["Ward", "Month", "PRN doses", "Admissions"]]
    for unit, name in _SECOND_TEAMS.items():
        rows += [[name, p, by_key[(unit, p, "PRN")], by_key[(unit, p, "ADMISSIONS")]] for p in _SECOND_MONTHS]
    rows += [[], [], ["Summary by directorate"], ["Directorate", "Month", "PRN doses", "Admissions"]]
    directorates = {"Adult Acute Inpatients": ("W-ASH", "W-HAZ"), "Older Adult & Learning Disability": ("W-OAK",)}
    for directorate, units in directorates.items():
        for p in _SECOND_MONTHS:
            rows.append([directorate, p, sum(by_key[(u, p, "PRN")] for u in units),
                         sum(by_key[(u, p, "ADMISSIONS")] for u in units)])
    return xlsx_bytes({"Return": rows})


SECOND_TABLE = CorpusCase(
    name="second_table",
    file_name="second_table.xlsx",
    build=_build_second_table,
    expected=expected_frame(_SECOND),
    layout="wide",
    max_choices=2,
    why="A second table below the first after two blank rows and a title: a summary by directorate "
    "with the same headings. Only the first table is data — the second repeats it summed over "
    "directorates, which are not teams — so its rows must not be read.",
)


# --- pivot_export.xlsx: a pivot table pasted as values --------------------------------------

_PIVOT_TEAMS = {"W-CED": "Cedar Ward", "W-BIR": "Birch Ward"}
_PIVOT_MEASURES = {"ADMISSIONS": "Admissions", "PRN": "PRN doses"}
_PIVOT_MONTHS = months(month(2023, 7), 3)


def _pivot_data() -> list[Obs]:
    rng = random.Random(17)
    return [Obs(unit, code, period, value=rng.randint(0, 25))
            for unit in _PIVOT_TEAMS for code in _PIVOT_MEASURES for period in _PIVOT_MONTHS]


_PIVOT = _pivot_data()


def _build_pivot() -> bytes:
    by_key = {(o.unit, o.measure, o.period): o.value for o in _PIVOT}
    rows: list[list[object]] = [["Sum of Value", None, "Month"], ["Ward", "Measure", *_PIVOT_MONTHS, "Grand Total"]]
    for unit, name in _PIVOT_TEAMS.items():
        for i, (code, label) in enumerate(_PIVOT_MEASURES.items()):
            values = [by_key[(unit, code, p)] for p in _PIVOT_MONTHS]
            rows.append([name if i == 0 else None, label, *values, sum(values)])
        totals = [sum(by_key[(unit, c, p)] for c in _PIVOT_MEASURES) for p in _PIVOT_MONTHS]
        rows.append([f"{name} Total", None, *totals, sum(totals)])
    grand = [sum(v for (_, _, q), v in by_key.items() if q == p) for p in _PIVOT_MONTHS]
    rows.append(["Grand Total", None, *grand, sum(grand)])
    return xlsx_bytes({"Pivot": rows})


PIVOT_EXPORT = CorpusCase(
    name="pivot_export",
    file_name="pivot_export.xlsx",
    build=_build_pivot,
    expected=expected_frame(_PIVOT),
    layout="periods_across",
    max_choices=2,
    why="A pivot table pasted as values: a 'Sum of Value'/'Month' row above the headings, the ward "
    "written only on the first row of its group (blank below, meaning the same ward), month date cells "
    "across, a 'Cedar Ward Total' subtotal row per ward, a 'Grand Total' row and a 'Grand Total' column "
    "(totals are never data).",
)


CASES = [WIDE_TWO_HEADERS, PERIODS_ACROSS, SHEET_PER_MEASURE, FOOTNOTES, HIDDEN_COLUMNS, SECOND_TABLE, PIVOT_EXPORT]
