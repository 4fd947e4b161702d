"""Every download is safe to open in a spreadsheet: text that Excel would run as a formula
(OWASP, "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection — cells starting
with =, +, -, @, tab or carriage return) reaches the file with an apostrophe in front, xlsx text
cells are stored as text (openpyxl reads data_type 's', never 'f'), real numbers (negative ones
too) stay numbers, and a download read back in gives the text as it was."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from qi_dash import exports
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import read_hierarchy
from qi_dash.problems import Problem
from qi_dash.store import Store
from qi_dash.text import neutralise, restored
from tests.fixtures_hostile import FORMULA_PAYLOADS, hostile_database

# Unit and measure names: the payloads a name can hold (a name has no leading tab or return).
FORMULA_NAMES = tuple(p for p in FORMULA_PAYLOADS if p.strip() == p)
RISKY_START = tuple("=+-@\t\r")


def plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for cell in row]


def assert_csv_safe(data: bytes, expected: tuple[str, ...]) -> None:
    cells = csv_cells(data)
    live = [c for c in cells if c.startswith(RISKY_START) and not plain_number(c)]
    assert live == []
    for payload in expected:
        assert "'" + payload in cells, payload


def xlsx_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_xlsx_safe(data: bytes, expected: tuple[str, ...]) -> None:
    cells = xlsx_cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    live = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(RISKY_START)
            and not plain_number(c.value)]
    assert live == []
    texts = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    for payload in expected:
        assert texts.get("'" + payload) == "s", payload


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory):
    return hostile_database(tmp_path_factory.mktemp("formulas") / "formulas.duckdb", names=FORMULA_NAMES)


@pytest.fixture
def formula_store(formula_db):
    store = Store.open(formula_db)
    yield store
    store.close()


def test_neutralise_marks_formulas_and_leaves_numbers_and_plain_text():
    texts = pd.Series([*FORMULA_PAYLOADS, "-2", "+1.5", "-3e2", "Ash Ward", "", None], dtype="string")
    out = neutralise(texts).tolist()
    assert out[: len(FORMULA_PAYLOADS)] == ["'" + p for p in FORMULA_PAYLOADS]
    assert out[len(FORMULA_PAYLOADS):-1] == ["-2", "+1.5", "-3e2", "Ash Ward", ""]
    assert out[-1] is pd.NA
    assert [restored(t) for t in out[: len(FORMULA_PAYLOADS)]] == list(FORMULA_PAYLOADS)


def test_the_upload_template_from_the_app_and_the_cli_holds_names_as_text(formula_store, formula_db, qi, tmp_path):
    book = exports.template_workbook(formula_store.definitions(), formula_store.hierarchy())
    assert_xlsx_safe(book, FORMULA_NAMES)
    out = tmp_path / "template.xlsx"
    qi("template", "--db", formula_db, "--out", out)
    assert out.read_bytes() == book


def test_the_hierarchy_download_is_neutralised_and_reads_back_unchanged(formula_store):
    units = formula_store.units()[["code", "name", "level", "parent"]]
    data = exports.hierarchy_csv(units)
    assert_csv_safe(data, FORMULA_NAMES)
    def rows(frame: pd.DataFrame) -> list[dict]:
        return frame.fillna("").sort_values("code").astype(str).to_dict("records")

    assert rows(read_hierarchy(data)) == rows(units)


def test_the_definitions_download_is_neutralised_and_reads_back_unchanged(formula_store):
    definitions = formula_store.definitions()
    data = exports.definitions_csv(definitions)
    assert_csv_safe(data, FORMULA_NAMES)
    assert read_definitions(data) == definitions


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_export_neutralises_names_and_comments_and_reuploads_unchanged(formula_db, qi, tmp_path, suffix):
    out = tmp_path / f"export.{suffix}"
    qi("export", "--db", formula_db, "--out", out)
    check = assert_csv_safe if suffix == "csv" else assert_xlsx_safe
    check(out.read_bytes(), FORMULA_PAYLOADS)
    assert "Nothing to change" in qi("upload", out, "--db", formula_db).out


def test_the_problem_list_neutralises_what_came_from_the_file():
    problems = [Problem(file=f"{p}.csv", message=f"unknown team '{p}'.", sheet=p, row=2 + i, column="team",
                        kind="unknown_team", subject=p) for i, p in enumerate(FORMULA_PAYLOADS)]
    data = exports.problems_csv(problems)
    assert [c for c in csv_cells(data) if c.startswith(RISKY_START) and not plain_number(c)] == []
    rows = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert rows["Sheet"].tolist() == ["'" + p for p in FORMULA_PAYLOADS]


def test_a_table_download_keeps_numbers_as_numbers_and_text_as_text():
    table = pd.DataFrame({"Team": list(FORMULA_PAYLOADS), "Change": [-2.5, -1, 0, 3, -7, 1.5, -0.25],
                          "As typed": ["-2", "+3", "-1e3", "12", "-0.5", "7", "-4"]})
    data = exports.table_csv(table)
    assert_csv_safe(data, FORMULA_PAYLOADS)
    back = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert back["Change"].astype(float).tolist() == [-2.5, -1, 0, 3, -7, 1.5, -0.25]
    assert back["As typed"].tolist() == table["As typed"].tolist()  # numbers typed as text, not neutralised
    book = exports.table_xlsx(table, "matrix")
    assert_xlsx_safe(book, FORMULA_PAYLOADS)
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active
    assert [c.value for c in sheet["B"][1:]] == [-2.5, -1, 0, 3, -7, 1.5, -0.25]
    assert {c.data_type for c in sheet["B"][1:]} == {"n"}


def test_a_heading_that_looks_like_a_formula_is_neutralised_too():
    data = exports.table_csv(pd.DataFrame({"=1+1": ["a"], "Team": ["b"]}))
    assert data.decode().splitlines()[0] == "'=1+1,Team"
