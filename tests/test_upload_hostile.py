"""Hostile and broken files through the whole upload path — ``plan_upload`` → ``commit`` and
the CLI, as users meet it — not just the reader (``test_read.py`` covers that alone).

A file that cannot be taken is refused with a plain message naming file, sheet, row and
column where they apply, never a traceback, and the database is left exactly as it was: the
same observations, uploads and data version. Files that only look odd
(a BOM, semicolons, Windows-1252, formulas with saved results, HTML or formula-like text) are
accepted, and what they hold is stored exactly as typed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from fixtures_hostile import (
    Formula,
    canonical_xlsx,
    empty_workbook_xlsx,
    high_ratio_xlsx,
    lying_size_xlsx,
    merged_cells_xlsx,
    not_a_workbook_zip,
    password_protected_xlsx,
    pdf_renamed,
    png_renamed,
    random_bytes,
    text_file,
    truncated_xlsx,
    write_xlsx,
    zip_bomb_xlsx,
)
from python_calamine import CalamineWorkbook

from qi_dash import exports
from qi_dash.ingest.spec import load_spec
from qi_dash.ingest.workbook import ReadLimits
from qi_dash.problems import Problem
from qi_dash.store import Store
from qi_dash.upload import UploadPlan, commit, plan_upload
from tests.builders import CANONICAL_COLUMNS, CSV_HEADER, canonical_csv, csv_bytes, demo_rows, frame_cells
from tests.conftest import Contents, export_csv

# What a leaked Python error looks like: a traceback, a source line, an exception class name.
LEAK = re.compile(r"Traceback|File \"|\b\w+(Error|Exception)\b|<class '|object at 0x")


def assert_plain(texts: list[str]) -> None:
    for text in texts:
        assert not LEAK.search(text), f"looks like a leaked error: {text}"


@pytest.fixture(scope="module")
def unchanging_store(demo_db_file, tmp_path_factory) -> Iterator[Store]:
    """One demo store for the tests of files that must change nothing: each proves that it
    changed nothing, so the next finds the demo as it was. The CLI, given its path, opens the
    same database (DuckDB shares one open database within a process, as the app's sessions
    do), so no test pays for opening the file."""
    store = Store.open(shutil.copy(demo_db_file, tmp_path_factory.mktemp("refusals") / "demo.duckdb"))
    yield store
    store.close()


def refused(store: Store, data: bytes, name: str, **options) -> list[Problem]:
    """Plan a file that must be refused; prove it cannot be saved and nothing changed."""
    before = Contents(store)
    plan = plan_upload(store, data, name, **options)
    assert plan.problems and not plan.ok, plan.notes
    with pytest.raises(ValueError):
        commit(store, plan)
    assert Contents(store) == before
    assert_plain([str(p) for p in plan.problems] + plan.notes)
    return plan.problems


def saved(store: Store, data: bytes, name: str, **options) -> UploadPlan:
    """Plan and save a file that must be accepted. Planning changes nothing; saving changes
    only the rows the file holds — every other exported line stays byte for byte."""
    before = export_csv(store)
    plan = plan_upload(store, data, name, **options)
    assert plan.ok, [str(p) for p in plan.problems]
    assert export_csv(store) == before
    assert_plain(plan.notes)
    commit(store, plan)
    uploaded = {tuple(row) for row in exports.template_frame(plan.changes)[["team", "measure", "period"]].values}

    def others(export: bytes) -> list[list[str]]:
        return [row for row in csv.reader(io.StringIO(export.decode())) if tuple(row[:3]) not in uploaded]

    assert others(export_csv(store)) == others(before)
    return plan


def stored(store: Store, unit: str, measure: str) -> pd.DataFrame:
    return store.observations(units=[unit], measures=[measure]).set_index("period")


# --- files refused ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A hostile file, how to build it, and the one problem it must be refused with."""

    build: Callable[[Path], Path]  # writes the file into the test's directory
    says: str  # a regular expression the message must match
    sheet: str | None = None
    row: int | None = None
    limits: ReadLimits | None = None
    mapping: Callable[[Path], dict] | None = None  # for a file read through a column mapping


def _web_page(tmp_path: Path) -> Path:
    page = "<!DOCTYPE html><html><body><table><tr><td>team</td></tr></table></body></html>"
    return text_file(tmp_path, "export.xls", page)


def _rows_csv(tmp_path: Path) -> Path:
    lines = [f"W-ASH,HUDDLES,{date(2025, 11, 3) + pd.Timedelta(weeks=i):%d/%m/%Y},,,3," for i in range(6)]
    return text_file(tmp_path, "weekly.csv", csv_bytes(*lines).decode())


def _merged_canonical(tmp_path: Path) -> Path:
    # A team lead merged the team name down its rows: Excel keeps the value in A3 only.
    rows = [CANONICAL_COLUMNS] + [
        ["W-ASH", "HUDDLES", date(2025, 11, 3), None, None, 3, None],
        ["W-BIR", "HUDDLES", date(2025, 11, 3), None, None, 4, None],
        [None, "HUDDLES", date(2025, 11, 10), None, None, 5, None],
        [None, "HUDDLES", date(2025, 11, 17), None, None, 6, None],
    ]
    return write_xlsx(tmp_path / "merged.xlsx", {"Data": rows}, merged={"Data": ["A3:A5"]})


def _falls_mapping(tmp_path: Path) -> dict:
    return {"sheet": "Falls", "header_row": 2, "period": {"column": "period"}, "team": {"column": "team"},
            "layout": "wide", "measures": [{"measure": "PRN", "value": "value"}]}


DAMAGED = r"is damaged or incomplete \(it may have been cut off while saving or uploading\)\. Open it in Excel"
CASES = {
    "pdf named .xlsx": Case(pdf_renamed, r"^is a PDF document, not a spreadsheet; upload the \.xlsx or \.csv file"),
    "word document named .xlsx": Case(
        not_a_workbook_zip, r"^is a zip archive \(such as a Word document\) but not an Excel workbook"),
    "web page named .xls": Case(_web_page, r"^is a web page \(HTML\), not a spreadsheet"),
    "binary renamed .csv": Case(
        png_renamed, r"^is not a CSV file: it holds binary data, not a spreadsheet \(perhaps another kind of file "
                     r"was renamed\)"),
    "binary renamed .xlsx": Case(
        lambda d: random_bytes(d, "scan.xlsx"), r"^is not an Excel workbook: it holds binary data"),
    "password-protected xlsx": Case(
        password_protected_xlsx, r"^is password-protected; remove the password \(File → Info → Protect Workbook\)"),
    "truncated xlsx": Case(truncated_xlsx, "^" + DAMAGED),
    "xlsx whose sizes lie": Case(lying_size_xlsx, "^" + DAMAGED),
    "zip bomb by declared size": Case(
        zip_bomb_xlsx, r"^would expand to 3,815 MB when opened, more than the 200 MB allowed, so it was not opened"),
    "zip bomb by compression ratio": Case(
        high_ratio_xlsx, r"^contains a part \('xl/worksheets/sheet1\.xml'\) that expands [\d,]+ times when opened, "
                         r"far more than a real spreadsheet does; it may be a 'zip bomb', so it was not opened\."),
    "more rows than the limit (xlsx)": Case(
        lambda d: canonical_xlsx(d, 120), r"^has 121 rows, more than the 100 allowed in one upload\. Split it",
        sheet="Data", limits=ReadLimits(max_rows=100)),
    "more rows than the limit (csv)": Case(
        _rows_csv, r"^has 7 rows, more than the 5 allowed in one upload\.", sheet="weekly",
        limits=ReadLimits(max_rows=5)),
    "empty file (.csv)": Case(
        lambda d: text_file(d, "empty.csv", ""), r"^is empty \(0 bytes\)\. Check the file was saved"),
    "empty file (.xlsx)": Case(
        lambda d: text_file(d, "empty.xlsx", ""), r"^is empty \(0 bytes\)\."),
    "workbook with no cells": Case(empty_workbook_xlsx, r"^has no data: every sheet in it is empty\.$"),
    "csv of blank lines": Case(lambda d: text_file(d, "blank.csv", " \r\n\r\n"), r"^has no data: it holds no text\.$"),
    "template with no rows": Case(lambda d: text_file(d, "header.csv", CSV_HEADER), r"^has no data rows\.$"),
    "merged cells in the template": Case(
        _merged_canonical, r"^cells A3:A5 are merged, which hides which row a value belongs to\. Unmerge them",
        sheet="Data", row=3),
    "merged cells in a mapped sheet": Case(
        merged_cells_xlsx, r"^cells A3:A5 are merged, which hides which row a value belongs to\.", sheet="Falls",
        row=3, mapping=_falls_mapping),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_hostile_file_is_refused_plainly_and_changes_nothing(unchanging_store, tmp_path, case):
    path = case.build(tmp_path)
    mapping = case.mapping(tmp_path) if case.mapping else None
    [problem] = refused(unchanging_store, path.read_bytes(), path.name, limits=case.limits, mapping=mapping)
    assert (problem.file, problem.sheet, problem.row, problem.column) == (path.name, case.sheet, case.row, None)
    assert re.search(case.says, problem.message), problem.message


@pytest.mark.parametrize("case", [c for c in CASES.values() if c.limits is None],
                         ids=[k for k, c in CASES.items() if c.limits is None])
def test_the_cli_refuses_a_hostile_file_plainly_and_changes_nothing(qi, unchanging_store, tmp_path, case):
    path = case.build(tmp_path)
    options = []
    if case.mapping:
        spec = tmp_path / "mapping.json"
        spec.write_text(json.dumps(case.mapping(tmp_path)))
        assert load_spec(spec)  # the file the CLI reads is a valid mapping
        options = ["--mapping", str(spec)]
    before = Contents(unchanging_store)
    out = qi("upload", path, "--db", unchanging_store.path, *options, status=1)
    first, last = out.err.strip().splitlines()
    where = path.name + (f", sheet '{case.sheet}'" if case.sheet else "") + (f", row {case.row}" if case.row else "")
    assert first.startswith(f"{where}: ")
    assert re.search(case.says, first.removeprefix(f"{where}: "))
    assert last == "1 problem(s); nothing was saved."
    assert_plain([out.out, out.err])
    assert Contents(unchanging_store) == before


def test_a_text_file_that_is_not_a_table_is_sent_to_column_mapping_not_saved(qi, unchanging_store, tmp_path):
    letter = text_file(tmp_path, "letter.csv", "Dear team,\nplease find the figures attached.\n")
    before = Contents(unchanging_store)
    err = qi("upload", letter, "--db", unchanging_store.path, status=1).err
    assert err.startswith("letter.csv: not in the upload template (columns team, measure, period, ...)")
    assert Contents(unchanging_store) == before


# --- one bad row among thousands -------------------------------------------------------------

# Three bad rows in different places of a file of 5,000 good ones: (position among the data
# rows, the row, the column named and what the message says).
BAD_ROWS = [
    (0, ["W-ASH", "HUDDLE", date(2025, 11, 3), None, None, 4, None], "measure",
     "unknown measure 'HUDDLE'. Did you mean 'HUDDLES'?"),
    (2500, ["W-BIR", "PRN", date(2025, 11, 1), None, None, "three", None], "value", "'three' is not a number."),
    (5002, ["CMHT-N", "SAFETY_PLAN", date(2025, 11, 1), 21, 20, None, None], "numerator",
     "numerator is larger than the denominator; SAFETY_PLAN is a proportion."),
]


def _thousands_with_three_bad(tmp_path: Path, kind: str) -> Path:
    _, *cells = frame_cells(demo_rows(5000))
    for position, bad, _, _ in BAD_ROWS:
        cells.insert(position, bad)
    if kind == "xlsx":
        return write_xlsx(tmp_path / "ward-figures.xlsx", {"Figures": [CANONICAL_COLUMNS, *cells]})
    frame = pd.DataFrame(cells, columns=CANONICAL_COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"]).dt.strftime("%d/%m/%Y")
    path = tmp_path / "ward-figures.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_one_bad_row_among_thousands_refuses_the_file_and_lists_every_bad_row(unchanging_store, tmp_path, kind):
    path = _thousands_with_three_bad(tmp_path, kind)
    problems = refused(unchanging_store, path.read_bytes(), path.name)
    sheet = "Figures" if kind == "xlsx" else None
    # Header is row 1, so data position p is spreadsheet row p + 2.
    assert [(p.sheet, p.row, p.column) for p in problems] == [(sheet, pos + 2, col) for pos, _, col, _ in BAD_ROWS]
    for problem, (_, _, _, says) in zip(problems, BAD_ROWS):
        assert problem.message.startswith(says), problem.message
        assert problem.file == path.name


def test_the_cli_lists_every_bad_row_of_thousands_and_saves_nothing(qi, unchanging_store, tmp_path):
    path = _thousands_with_three_bad(tmp_path, "csv")
    before = Contents(unchanging_store)
    done = qi("upload", path, "--db", unchanging_store.path, status=1)
    assert done.err.splitlines() == [
        ("ward-figures.csv, row 2, column 'measure': unknown measure 'HUDDLE'. Did you mean 'HUDDLES'? Known measures: "
         "ADMISSIONS, ASSAULT, DEBRIEF, HUDDLES, PRN, RESTRAINT, RP_RATE, SAFETY_PLAN, SAFE_SCORE, SECL_HRS, SICKNESS."),
        "ward-figures.csv, row 2502, column 'value': 'three' is not a number.",
        ("ward-figures.csv, row 5004, column 'numerator': numerator is larger than the denominator; SAFETY_PLAN is a "
         "proportion."),
        "3 problem(s); nothing was saved.",
    ]
    assert_plain([done.out, done.err])
    assert Contents(unchanging_store) == before


def test_the_preview_of_thousands_of_rows_names_each_change_by_its_own_row(demo_store, tmp_path):
    # New rows, changed rows and unchanged rows interleaved, as a re-sent file has them.
    rows = demo_rows(5000)
    rows.loc[rows.index % 3 == 0, "value"] += 1
    path = canonical_csv(tmp_path / "resent.csv", rows)
    plan = plan_upload(demo_store, path.read_bytes(), path.name)
    assert plan.ok and plan.count("added") and plan.count("updated") and plan.count("unchanged")
    in_file = rows.set_axis(range(2, len(rows) + 2))  # the header is row 1
    shown = plan.changes.set_index("row")
    assert (shown["unit"] == in_file["team"]).all() and (shown["measure"] == in_file["measure"]).all()
    assert (shown["period"].dt.date == in_file["period"]).all()


# --- files accepted: formulas, encodings and separators ------------------------------------------


def test_formulas_are_read_by_their_saved_results_and_the_user_is_told(demo_store, tmp_path):
    rows = [CANONICAL_COLUMNS,
            ["W-ASH", "HUDDLES", date(2025, 11, 3), None, None, Formula("SUM(2,1)", 3.0), None],
            ["W-ASH", "RP_RATE", date(2025, 11, 1), Formula("2*2", 4.0), 600, None, Formula('"re"&"viewed"', "reviewed")]]
    path = write_xlsx(tmp_path / "formulas.xlsx", {"Data": rows})
    plan = saved(demo_store, path.read_bytes(), path.name)
    assert "Sheet 'Data' has 3 formulas; the values Excel last calculated were used." in plan.notes
    assert stored(demo_store, "W-ASH", "HUDDLES").loc["2025-11-03", "value"] == 3
    rate = stored(demo_store, "W-ASH", "RP_RATE").loc["2025-11-01"]
    assert (rate["numerator"], rate["denominator"], rate["comment"]) == (4, 600, "reviewed")


def test_a_formula_never_calculated_is_read_as_empty_and_the_user_is_told(demo_store, tmp_path):
    rows = [CANONICAL_COLUMNS, ["W-ASH", "HUDDLES", date(2025, 11, 3), None, None, Formula("SUM(2,1)"), None]]
    path = write_xlsx(tmp_path / "uncalculated.xlsx", {"Data": rows})
    plan = saved(demo_store, path.read_bytes(), path.name)
    assert any(n.startswith("Sheet 'Data' has 1 formula cell(s) with no saved result") for n in plan.notes)
    assert any("saved as missing values (gaps), never as zero" in n for n in plan.notes)
    assert pd.isna(stored(demo_store, "W-ASH", "HUDDLES").loc["2025-11-03", "value"])


ROW = "W-ASH,RP_RATE,01/11/2025,3,640,,£5 café voucher"
SEMICOLONS = "was read as semicolon-separated."
WINDOWS_1252 = "is not UTF-8; it was read as Windows-1252 (Excel's usual CSV encoding)."
ENCODINGS = {
    # name: (bytes as Excel and other tools save them, what the notes tell the user)
    "utf8-bom.csv": (b"\xef\xbb\xbf" + csv_bytes(ROW), []),
    "semicolons.csv": (csv_bytes(ROW).replace(b",", b";"), [SEMICOLONS]),
    "windows-1252.csv": (csv_bytes(ROW, encoding="cp1252"), [WINDOWS_1252]),
    "excel-europe.csv": (csv_bytes(ROW, encoding="cp1252").replace(b",", b";"), [WINDOWS_1252, SEMICOLONS]),
}


@pytest.mark.parametrize("name", ENCODINGS)
def test_csv_with_a_bom_semicolons_or_windows_1252_is_accepted_as_typed(demo_store, name):
    data, said = ENCODINGS[name]
    plan = saved(demo_store, data, name)
    assert plan.sentence() == "1 added, 0 updated, 0 unchanged"
    assert plan.notes == [f"'{name}' {note}" for note in said]
    saved_row = stored(demo_store, "W-ASH", "RP_RATE").loc["2025-11-01"]
    assert (saved_row["numerator"], saved_row["denominator"]) == (3, 640)
    assert saved_row["comment"] == "£5 café voucher"


# --- text that is markup or looks like a formula ----------------------------------------------


def test_html_and_script_in_team_names_and_comments_are_stored_as_text(demo_store):
    team = "<b>Larch</b> Ward <img src=x onerror=alert(1)>"
    data = csv_bytes(f'"{team}",HUDDLES,03/11/2025,,,5,<script>alert(1)</script>',
                     "W-ASH,HUDDLES,03/11/2025,,,6,=HYPERLINK(\"http://x\")<script>")
    plan = saved(demo_store, data, "markup.csv", new_teams={team: "DIR-ACU"})
    assert plan.sentence() == "2 added, 0 updated, 0 unchanged"
    # The new team's code is made of the name's words; the name and its alias keep the markup as text.
    units = demo_store.units().set_index("code")
    assert units.loc["B-LARCH-B-WARD", ["name", "parent"]].tolist() == [team, "DIR-ACU"]
    assert demo_store.aliases()["alias"].tolist() == [team]
    assert stored(demo_store, "B-LARCH-B-WARD", "HUDDLES").loc["2025-11-03", "comment"] == "<script>alert(1)</script>"
    assert stored(demo_store, "W-ASH", "HUDDLES").loc["2025-11-03", "comment"] == '=HYPERLINK("http://x")<script>'
    export = export_csv(demo_store).decode()
    # Markup is data, exported as typed; only formula-like text gets the apostrophe.
    assert "B-LARCH-B-WARD,HUDDLES,2025-11-03,,,5,<script>alert(1)</script>\n" in export
    assert '\nW-ASH,HUDDLES,2025-11-03,,,6,"\'=HYPERLINK(""http://x"")<script>"\n' in export


def test_html_in_an_unknown_team_is_quoted_as_text_in_the_message(unchanging_store):
    [problem] = refused(unchanging_store, csv_bytes("<script>alert(1)</script>,HUDDLES,03/11/2025,,,5,"), "t.csv")
    assert (problem.row, problem.column) == (2, "team")
    assert problem.message.startswith("unknown team '<script>alert(1)</script>'. Add it to the hierarchy")


FORMULA_LIKE = ["+1 agency nurse", "=SUM(A1)", "@risk", "-2 staff"]


def _formula_like_upload(store: Store) -> None:
    weeks = [date(2025, 11, 3) + pd.Timedelta(weeks=i) for i in range(len(FORMULA_LIKE))]
    lines = [f"W-ASH,HUDDLES,{week:%d/%m/%Y},,,{i + 3},{text}" for i, (week, text) in enumerate(zip(weeks, FORMULA_LIKE))]
    plan = saved(store, csv_bytes(*lines), "comments.csv")
    assert plan.sentence() == "4 added, 0 updated, 0 unchanged"
    assert_comments_as_typed(store)


def assert_comments_as_typed(store: Store) -> None:
    comments = stored(store, "W-ASH", "HUDDLES").loc["2025-11-03":, "comment"].tolist()
    assert comments == FORMULA_LIKE


def test_formula_like_text_is_stored_as_typed_and_neutralised_in_a_csv_export(demo_store):
    _formula_like_upload(demo_store)
    export = export_csv(demo_store)
    rows = list(csv.reader(io.StringIO(export.decode())))
    assert [r[6] for r in rows if r[:2] == ["W-ASH", "HUDDLES"] and r[2] >= "2025-11-03"] == [
        "'+1 agency nurse", "'=SUM(A1)", "'@risk", "'-2 staff"]
    # Re-uploading the export changes nothing, and the comments stay as typed.
    plan = plan_upload(demo_store, export, "export.csv")
    assert (plan.count("added"), plan.count("updated")) == (0, 0)
    commit(demo_store, plan)
    assert export_csv(demo_store) == export
    assert_comments_as_typed(demo_store)


def test_formula_like_text_is_neutralised_in_an_xlsx_export_which_reuploads_as_a_no_op(qi, demo_db, tmp_path):
    store = Store.open(demo_db)
    try:
        _formula_like_upload(store)
        before = export_csv(store)
    finally:
        store.close()
    out = tmp_path / "export.xlsx"
    qi("export", "--db", demo_db, "--out", out)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("observations").to_python()
    comments = [r[6] for r in sheet if r[:2] == ["W-ASH", "HUDDLES"] and r[2] >= date(2025, 11, 3)]
    assert comments == ["'+1 agency nurse", "'=SUM(A1)", "'@risk", "'-2 staff"]
    with zipfile.ZipFile(out) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")  # no cell is a formula
    assert "Nothing to change: every row is already saved." in qi("upload", out, "--db", demo_db).out
    store = Store.open(demo_db)
    try:
        assert export_csv(store) == before
        assert_comments_as_typed(store)
    finally:
        store.close()
