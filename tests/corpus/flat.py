"""Corpus cases with one table of a row per team × measure × period (long) or per team × period
(wide): CSVs and single-sheet workbooks."""

from __future__ import annotations

import random

from corpus.case import CorpusCase, Obs, csv_bytes, expected_frame, month, months, serial, thousands, xlsx_bytes

TEMPLATE_HEADINGS = ["team", "measure", "period", "numerator", "denominator", "value", "comment"]


# --- long_template.csv: the template as people fill it in -----------------------------------

# (spelling in the file, team code)
_TEMPLATE_TEAMS = [(" ash ward", "W-ASH"), ("BIRCH WARD", "W-BIR"), ("w-ced", "W-CED"), ("Hazel  Ward (PICU)", "W-HAZ")]
# (spelling in the file, measure code)
_TEMPLATE_MEASURES = [("RP_RATE", "RP_RATE"), ("prn", "PRN"), ("Hours in seclusion", "SECL_HRS")]
_TEMPLATE_MONTHS = [(month(2023, 4), "Apr-23"), (month(2023, 5), "2023-05"), (month(2023, 6), "01/06/2023")]


def _template_data() -> list[tuple[str, str, str, Obs]]:
    rng = random.Random(1)
    rows = []
    for (team_text, unit), (measure_text, code), (period, period_text) in (
        (t, m, p) for t in _TEMPLATE_TEAMS for m in _TEMPLATE_MEASURES for p in _TEMPLATE_MONTHS
    ):
        comment = "New ward manager, started 3 April" if (unit, code, period) == ("W-BIR", "PRN", month(2023, 4)) else None
        if code == "RP_RATE":
            obs = Obs(unit, code, period, numerator=rng.randint(3, 30), denominator=rng.randint(540, 620), comment=comment)
        elif code == "SECL_HRS":
            obs = Obs(unit, code, period, value=rng.randint(0, 400) / 10, comment=comment)
        else:
            obs = Obs(unit, code, period, value=rng.randint(0, 40), comment=comment)
        rows.append((team_text, measure_text, period_text, obs))
    # Hazel's comment has the delimiter and quotes in it.
    team_text, measure_text, period_text, obs = rows[-1]
    rows[-1] = (team_text, measure_text, period_text,
                Obs(obs.unit, obs.measure, obs.period, value=obs.value, comment='Seclusion room shut, "deep clean", 2 weeks'))
    return rows


_TEMPLATE = _template_data()


def _number(value: float | None) -> object:
    return None if value is None else (int(value) if float(value).is_integer() else value)


def _build_long_template() -> bytes:
    rows: list[list[object]] = [TEMPLATE_HEADINGS]
    for team_text, measure_text, period_text, o in _TEMPLATE:
        rows.append([team_text, measure_text, period_text, _number(o.numerator), _number(o.denominator),
                     _number(o.value), o.comment])
    return csv_bytes(rows, newline="\r\n", bom=True)


LONG_TEMPLATE = CorpusCase(
    name="long_template",
    file_name="long_template.csv",
    build=_build_long_template,
    expected=expected_frame([o for *_, o in _TEMPLATE]),
    layout="long",
    max_choices=0,
    why="The template as typed by hand: team names in odd case and spacing and as codes, a measure as "
    "its name and as a lower-case code, months as Apr-23, 2023-05 and 01/06/2023, a quoted comment with "
    "commas, a byte-order mark and Windows line endings.",
)


# --- template_export.xlsx: the template as an Excel sheet -----------------------------------

def _export_data() -> list[tuple[str, Obs]]:
    rng = random.Random(2)
    out = []
    for team_text, unit in [("Oak Ward (older adult)", "W-OAK"), ("w-elm", "W-ELM")]:
        for period in months(month(2023, 4), 4):
            out.append((team_text, Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(10, 18), denominator=18)))
            out.append((team_text, Obs(unit, "SECL_HRS", period, value=rng.randint(0, 120) / 4)))
    return out


_EXPORT = _export_data()


def _build_template_export() -> bytes:
    rows: list[list[object]] = [TEMPLATE_HEADINGS]
    for i, (team_text, o) in enumerate(_EXPORT):
        if i == 8:
            rows.append([])  # an empty row halfway down, as when rows are deleted by hand
        rows.append([team_text, o.measure, o.period, o.numerator, o.denominator, o.value, o.comment])
    return xlsx_bytes({"Data": rows})


TEMPLATE_EXPORT = CorpusCase(
    name="template_export",
    file_name="template_export.xlsx",
    build=_build_template_export,
    expected=expected_frame([o for _, o in _EXPORT]),
    layout="long",
    max_choices=0,
    why="The template kept in Excel: periods as date cells, hours with quarter-hour fractions, a "
    "proportion with an empty value column, a team as its full name and as a lower-case code, and an "
    "empty row in the middle.",
)


# --- serials.csv: Excel date numbers in a CSV -----------------------------------------------

def _serials_data() -> list[tuple[str, str, Obs]]:
    rng = random.Random(3)
    out = []
    for team_text, unit in [("W-ROW", "W-ROW"), ("W-YEW", "W-YEW")]:
        for period in months(month(2023, 4), 3):
            out.append((team_text, "Admissions", Obs(unit, "ADMISSIONS", period, value=rng.randint(1, 9))))
        # Mondays: 3, 10, 17 and 24 April 2023.
        for day in (3, 10, 17, 24):
            out.append((team_text, "Physical restraints", Obs(unit, "RESTRAINT", month(2023, 4).replace(day=day),
                                                                value=rng.randint(0, 6))))
    return out


_SERIALS = _serials_data()


def _build_serials() -> bytes:
    rows: list[list[object]] = [["Ward", "Indicator", "Date", "Count"]]
    rows += [[team_text, indicator, serial(o.period), int(o.value)] for team_text, indicator, o in _SERIALS]
    return csv_bytes(rows)


SERIALS = CorpusCase(
    name="serials",
    file_name="serials.csv",
    build=_build_serials,
    expected=expected_frame([o for *_, o in _SERIALS]),
    layout="long",
    max_choices=1,
    why="A CSV whose dates are Excel serial numbers (45017 for 1 April 2023), monthly and weekly "
    "(Monday) measures in one column named by their full names, and no numerator or denominator.",
)


# --- warehouse_extract.csv: the semicolon-separated extract -------------------------

_INDICATORS = {"RP_RATE": "Restraint per 1000 OBD", "SAFETY_PLAN": "Safety plan %",
               "ASSAULT": "Assaults on staff per 1000 OBD"}


def _warehouse_data() -> list[Obs]:
    rng = random.Random(4)
    out = []
    for unit in ("W-ASH", "W-BIR", "W-HAZ", "W-ROW"):
        for period in months(month(2023, 1), 6):
            beds = rng.randint(560, 620)
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(2, 25), denominator=beds))
            audited = rng.randint(14, 20)
            out.append(Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(8, audited), denominator=audited))
            out.append(Obs(unit, "ASSAULT", period, numerator=rng.randint(0, 6), denominator=beds))
    return out


_WAREHOUSE = _warehouse_data()


def _build_warehouse() -> bytes:
    rows: list[list[object]] = [["WardCode", "Indicator", "PeriodStart", "Num", "Denom", "Rate"]]
    for o in _WAREHOUSE:
        multiplier = 100 if o.measure == "SAFETY_PLAN" else 1000
        rate = f"{o.numerator / o.denominator * multiplier:.2f}".replace(".", ",")
        rows.append([o.unit, _INDICATORS[o.measure], o.period.strftime("%d/%m/%Y"), int(o.numerator),
                     int(o.denominator), rate])
    return csv_bytes(rows, delimiter=";", newline="\r\n")


WAREHOUSE_EXTRACT = CorpusCase(
    name="warehouse_extract",
    file_name="warehouse_extract.csv",
    build=_build_warehouse,
    expected=expected_frame(_WAREHOUSE),
    layout="long",
    max_choices=2,
    why="The issue's warehouse extract: semicolon-separated, ward codes, indicator names "
    "('Restraint per 1000 OBD', 'Safety plan %') that are not the measures' names, Num/Denom columns, "
    "day-first dates (01/05/2023 is 1 May), no comment column, and a derived Rate column with decimal "
    "commas that must not be read as a value.",
)


# --- text_numbers.xlsx: numbers stored as text ----------------------------------------------

def _text_numbers_data() -> list[Obs]:
    rng = random.Random(5)
    out = []
    # Rowan is a large medium-secure unit: over a thousand occupied bed days a month.
    for unit in ("W-ROW", "W-YEW"):
        for period in months(month(2023, 4), 4):
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(5, 40), denominator=rng.randint(1100, 1900)))
            audited = rng.randint(30, 45)
            out.append(Obs(unit, "SAFETY_PLAN", period, numerator=rng.randint(20, audited), denominator=audited))
    return out


_TEXT_NUMBERS = _text_numbers_data()


def _build_text_numbers() -> bytes:
    names = {"W-ROW": "Rowan Ward (medium secure)", "W-YEW": "Yew Ward (low secure)"}
    rows: list[list[object]] = [["Ward", "Month", "Incidents", "Occupied bed days", "Rate per 1,000 OBD",
                                 "Plans in place", "Patients audited", "% with plan"]]
    by_key = {(o.unit, o.period, o.measure): o for o in _TEXT_NUMBERS}
    for unit in names:
        for period in months(month(2023, 4), 4):
            rp, sp = by_key[(unit, period, "RP_RATE")], by_key[(unit, period, "SAFETY_PLAN")]
            rows.append([names[unit], period, str(int(rp.numerator)), thousands(rp.denominator),
                         f"{rp.numerator / rp.denominator * 1000:.1f}", str(int(sp.numerator)),
                         str(int(sp.denominator)), f"{sp.numerator / sp.denominator:.0%}"])
    return xlsx_bytes({"Monthly": rows})


TEXT_NUMBERS = CorpusCase(
    name="text_numbers",
    file_name="text_numbers.xlsx",
    build=_build_text_numbers,
    expected=expected_frame(_TEXT_NUMBERS),
    layout="wide",
    max_choices=2,
    why="Every number is a text cell, as pasted from another system: bed days with a thousands "
    "separator ('1,240'), a worked-out rate and a '%' column ('85%') that are derived and not read, "
    "and the denominator column after the numerator's with unlike names.",
)


CASES = [LONG_TEMPLATE, TEMPLATE_EXPORT, SERIALS, WAREHOUSE_EXTRACT, TEXT_NUMBERS]
