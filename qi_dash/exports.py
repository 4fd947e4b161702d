"""Files people take away: the observations in the canonical template, the blank template, the
hierarchy and definitions, problem lists and tables. Every download goes through here.

Exports are stable — rows in team, measure, period order and numbers written the same way
every time — so identical data exports byte-identically and re-uploads as "0 added, 0
updated". Text that a spreadsheet would run as a formula is neutralised in csv and xlsx alike
(``text.neutralise``), and xlsx text cells are stored as text, never as formulas.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from qi_dash.definitions import MeasureDefinition, definitions_frame
from qi_dash.hierarchy import Hierarchy, hierarchy_frame
from qi_dash.ingest.canonical import TEMPLATE_COLUMNS
from qi_dash.problems import Problem, problem_table
from qi_dash.text import neutralise

# Fixed zip timestamps make xlsx output depend on content alone.
_ZIP_EPOCH = (2000, 1, 1, 0, 0, 0)


def _number_text(values: pd.Series) -> pd.Series:
    """Shortest text that reads back to the same float ('12', not '12.0'); empty for NaN."""
    return pd.Series(
        ["" if pd.isna(v) else (str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))) for v in values],
        index=values.index,
        dtype="string",
    )


def template_frame(observations: pd.DataFrame) -> pd.DataFrame:
    """Stored observations (store.observations()) as the canonical template, in stable order.

    The stored "unit" column becomes the template's "team" here (see canonical.TEMPLATE_COLUMNS).
    """
    frame = observations.sort_values(["unit", "measure", "period"], kind="stable")
    return pd.DataFrame(
        {
            "team": neutralise(frame["unit"].astype("string")),
            "measure": neutralise(frame["measure"].astype("string")),
            "period": pd.to_datetime(frame["period"]).dt.strftime("%Y-%m-%d").astype("string"),
            "numerator": _number_text(frame["numerator"]),
            "denominator": _number_text(frame["denominator"]),
            "value": _number_text(frame["value"]),
            "comment": neutralise(frame["comment"].astype("string")).fillna(""),
        }
    ).reset_index(drop=True)


def problems_csv(problems: list[Problem]) -> bytes:
    """Every problem of an upload as CSV (file, sheet, row, column, problem, what to do); text
    from the file that a spreadsheet would run as a formula is neutralised."""
    return table_csv(problem_table(problems))


def hierarchy_csv(units: pd.DataFrame) -> bytes:
    """The hierarchy CSV download, in the columns ``read_hierarchy`` reads back unchanged."""
    return table_csv(hierarchy_frame(units))


def definitions_csv(definitions: list[MeasureDefinition]) -> bytes:
    """The definitions CSV download, in the columns ``read_definitions`` reads back unchanged."""
    return table_csv(definitions_frame(definitions))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # The csv writer quotes a cell holding a line feed but not one holding a lone carriage
    # return, which a spreadsheet reads as a new row (whose first cell could be a formula):
    # a table with one is written with every cell quoted.
    texts = [frame[c].astype("string").str.contains("\r", regex=False).any() for c in frame.columns
             if not pd.api.types.is_numeric_dtype(frame[c])]
    quoting = csv.QUOTE_ALL if any(texts) or any("\r" in str(c) for c in frame.columns) else csv.QUOTE_MINIMAL
    return frame.to_csv(index=False, lineterminator="\n", quoting=quoting).encode("utf-8")


def table_csv(frame: pd.DataFrame) -> bytes:
    """Any table of text and numbers as CSV, text a spreadsheet would run as a formula neutralised."""
    return to_csv_bytes(_neutralised(frame))


def table_xlsx(frame: pd.DataFrame, sheet_name: str) -> bytes:
    """Any table of text and numbers as xlsx: text always stored as text, never a formula."""
    return tables_xlsx({sheet_name: frame})


def tables_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Tables of text, numbers and dates as the sheets of one xlsx, in order: text always
    stored as text, never a formula; dates as real dates shown dd/mm/yyyy."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        _text_rows(sheet, frame)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.is_date:
                    cell.number_format = "dd/mm/yyyy"
    return _stable_xlsx(workbook)


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns (and headings) neutralised; number and date columns stay numbers and dates."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    out = pd.DataFrame({
        i: c if pd.api.types.is_numeric_dtype(c) or pd.api.types.is_datetime64_any_dtype(c)
        else neutralise(c).astype(object)
        for i, c in enumerate(columns)
    })
    out.columns = neutralise(pd.Series([str(c) for c in frame.columns])).tolist()
    return out


def _stable_xlsx(workbook: Workbook) -> bytes:
    """Save a workbook with fixed document times and zip entry times."""
    workbook.properties.creator = "qi-dash"
    workbook.properties.created = pd.Timestamp("2000-01-01").to_pydatetime()
    workbook.properties.modified = workbook.properties.created
    raw = io.BytesIO()
    workbook.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = _fix_core_times(data)
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def _fix_core_times(xml: bytes) -> bytes:
    """openpyxl stamps 'modified' with the save time; pin it so output is reproducible."""
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", xml)


def _text_rows(sheet, frame: pd.DataFrame) -> None:
    """A table into a sheet under a bold header: formula-like text neutralised, and every text
    cell stored as text (openpyxl would store text starting with '=' as a formula)."""
    frame = _neutralised(frame)
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    _as_text(sheet.iter_rows())


def _as_text(cells) -> None:
    for row in cells:
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "observations") -> bytes:
    """The template frame as xlsx: numbers as numbers, text always stored as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append(TEMPLATE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        values = [
            row.team, row.measure, pd.Timestamp(row.period).to_pydatetime().date(),
            *[float(v) if v != "" else None for v in (row.numerator, row.denominator, row.value)],
            row.comment or None,
        ]
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        row[2].number_format = "yyyy-mm-dd"
    _as_text(sheet.iter_rows())
    return _stable_xlsx(workbook)


def write_export(frame: pd.DataFrame, out: str | Path) -> None:
    suffix = Path(out).suffix.lower()
    if suffix == ".csv":
        Path(out).write_bytes(to_csv_bytes(frame))
    elif suffix == ".xlsx":
        Path(out).write_bytes(to_xlsx_bytes(frame))
    else:
        raise ValueError(f"Cannot export to '{out}': the file name must end in .csv or .xlsx.")


def template_workbook(definitions: list[MeasureDefinition], hierarchy: Hierarchy) -> bytes:
    """A blank canonical template with the measure and team lists, and drop-downs that use them."""
    workbook = Workbook()
    data = workbook.active
    data.title = "data"
    data.append(TEMPLATE_COLUMNS)
    for cell in data[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (16, 14, 12, 12, 13, 10, 40)):
        data.column_dimensions[letter].width = width

    teams = sorted(hierarchy.teams)
    team_sheet = workbook.create_sheet("teams")
    _text_rows(team_sheet, pd.DataFrame({
        "team": teams, "name": [hierarchy.name(code) for code in teams],
        "directorate": [hierarchy.name(hierarchy.parent(code)) for code in teams],
    }))
    measure_sheet = workbook.create_sheet("measures")
    _text_rows(measure_sheet, pd.DataFrame({
        "measure": [d.code for d in definitions],
        "name": [d.name for d in definitions],
        "frequency": [d.frequency for d in definitions],
        "period": ["first day of the month" if d.frequency == "month" else "Monday (week commencing)" for d in definitions],
        "enter": ["numerator and denominator" if d.has_denominator else "value" for d in definitions],
        "numerator": [d.numerator for d in definitions],
        "denominator": [d.denominator for d in definitions],
        "unit": [d.unit for d in definitions],
    }))
    help_sheet = workbook.create_sheet("how to fill in")
    for line in (
        ["One row per team, measure and period."],
        ["team: a code from the 'teams' sheet (or the team's name)."],
        ["measure: a code from the 'measures' sheet (or the measure's name)."],
        ["period: a date — the first day of the month for monthly measures, the Monday for weekly ones (dd/mm/yyyy)."],
        ["numerator and denominator: for proportions and rates. value: for counts and values."],
        ["Leave a period out (or leave its numbers empty) if there is no data — never enter 0 for 'no data'."],
        ["comment: optional, e.g. what happened that period."],
    ):
        help_sheet.append(line)
    for sheet, column, count in (("teams", "A", len(teams)), ("measures", "A", len(definitions))):
        rule = DataValidation(type="list", formula1=f"={sheet}!${column}$2:${column}${count + 1}", allow_blank=True)
        rule.error = f"Choose a code from the '{sheet}' sheet."
        data.add_data_validation(rule)
        rule.add(f"{'A' if sheet == 'teams' else 'B'}2:{'A' if sheet == 'teams' else 'B'}100000")
    return _stable_xlsx(workbook)
