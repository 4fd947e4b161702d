"""Exports: the canonical template byte for byte, re-uploading as no change, formulas
neutralised; and the blank template with its team and measure lists."""

from __future__ import annotations

import io

import pandas as pd
from python_calamine import CalamineWorkbook

from qi_dash.bootstrap import DEMO_HIERARCHY, STANDARD_MEASURES
from qi_dash.definitions import read_definitions
from qi_dash.exports import template_workbook
from qi_dash.hierarchy import Hierarchy, read_hierarchy


def test_export_then_upload_is_a_no_op_and_exports_byte_identically(qi, demo_db, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    qi("export", "--db", demo_db, "--out", first)
    done = qi("upload", first, "--db", demo_db)
    assert "Nothing to change: every row is already saved." in done.out
    qi("export", "--db", demo_db, "--out", second)
    assert first.read_bytes() == second.read_bytes()


def test_xlsx_export_reuploads_as_a_no_op_and_is_reproducible(qi, demo_db, tmp_path):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    qi("export", "--db", demo_db, "--out", first)
    assert "Nothing to change: every row is already saved." in qi("upload", first, "--db", demo_db).out
    qi("export", "--db", demo_db, "--out", second)
    assert first.read_bytes() == second.read_bytes()


def test_export_is_in_team_measure_period_order_and_neutralises_formulas(qi, demo_db, tmp_path):
    out = tmp_path / "all.csv"
    qi("export", "--db", demo_db, "--out", out)
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
    key = frame[["team", "measure", "period"]].apply(tuple, axis=1).tolist()
    assert key == sorted(key)
    risky = frame.loc[frame["comment"].str.contains("agency nurse"), "comment"]
    assert risky.tolist() == ["'+1 agency nurse on nights"]


def test_template_lists_teams_and_measures(qi, demo_db, tmp_path):
    out = tmp_path / "template.xlsx"
    qi("template", "--db", demo_db, "--out", out)
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:3] == ["data", "teams", "measures"]
    header = book.get_sheet_by_name("data").to_python()[0]
    assert header == ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
    teams = [row[0] for row in book.get_sheet_by_name("teams").to_python()[1:]]
    assert "W-ASH" in teams and len(teams) >= 12


def test_the_template_lists_each_team_with_its_directorate_in_code_order():
    hierarchy = Hierarchy(read_hierarchy(DEMO_HIERARCHY))
    book = CalamineWorkbook.from_filelike(io.BytesIO(template_workbook(read_definitions(STANDARD_MEASURES), hierarchy)))
    rows = book.get_sheet_by_name("teams").to_python()
    assert rows[0] == ["team", "name", "directorate"]
    assert [r[0] for r in rows[1:]] == sorted(hierarchy.teams)
    assert ["W-ASH", "Ash Ward", "Adult Acute Inpatients"] in rows
