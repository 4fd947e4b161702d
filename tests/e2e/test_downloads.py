"""Downloads clicked in a real browser: the file a person gets is written on the click and is
what it says — a chart's data as the chart draws it, all the selection's data as `export`
writes it — read back by openpyxl."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from openpyxl import load_workbook

from qi_dash import exports
from qi_dash.chart_data import FY_SHEET, SHEET
from qi_dash.store import Store
from tests.e2e.app_server import charts_drawn, settle

def _download(page, key: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.locator(f".st-key-{key}").get_by_role("button").click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_a_measures_chart_data_downloads_as_xlsx_with_uk_dates_and_years(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server['url']}/Measure?org=ORG&dir=DIR-ACU&team=W-HAZ&measure=SAFETY_PLAN")
    settle(page, timeout=120_000)  # the first page a new server draws
    charts_drawn(page, timeout=60_000)
    name, data = _download(page, "chart_xlsx_SAFETY_PLAN")
    assert name == "W-HAZ-SAFETY_PLAN-chart-data.xlsx"
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [SHEET, FY_SHEET]
    sheet = workbook[SHEET]
    headings = [c.value for c in sheet[1]]
    assert headings[:5] == ["Period (month)", "Financial year", "Value (%)", "Numerator", "Denominator"]
    first = sheet[2]
    assert first[0].value == datetime(2023, 1, 1) and first[0].number_format == "dd/mm/yyyy"
    assert first[1].value == "2022/23"
    phases = {row[headings.index("Phase reason")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert any(p.startswith("Phase 2: Peer support worker") for p in phases)

    name, data = _download(page, "chart_csv_SAFETY_PLAN")
    assert name == "W-HAZ-SAFETY_PLAN-chart-data.csv"
    assert data.decode("utf-8").splitlines()[1].startswith("01/01/2023,2022/23,")


def test_a_directorates_data_downloads_as_the_export_writes_it(page, server):
    page.goto(f"{server['url']}/Team?org=ORG&dir=DIR-ACU")
    settle(page, timeout=120_000)
    name, data = _download(page, "all_data_xlsx")
    assert name == "DIR-ACU-all-data.xlsx"
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    # The server's own database, as it stands now (other tests may have saved to it): the app
    # holds the file only while it reads or writes.
    store = Store.open(server["db"], create=False)
    try:
        teams = store.hierarchy().teams_under("DIR-ACU")
        expected = exports.template_frame(store.observations(list(teams)))
    finally:
        store.close()
    assert rows[0] == ("team", "measure", "period", "numerator", "denominator", "value", "comment")
    assert len(rows) - 1 == len(expected)
    assert {r[0] for r in rows[1:]} == set(teams)
    assert rows[1][:3] == (expected["team"][0], expected["measure"][0], pd.Timestamp(expected["period"][0]).to_pydatetime())

    name, data = _download(page, "all_data_csv")
    assert name == "DIR-ACU-all-data.csv"
    assert data == exports.to_csv_bytes(expected)


def test_the_matrix_downloads_as_it_stands(page, server):
    """The roll-up matrix as a table to take away: a row per directorate in the matrix's order."""
    page.goto(f"{server['url']}/?org=ORG")
    settle(page, timeout=120_000)
    page.wait_for_selector(".qi-matrix")
    shown = [name.strip() for name in page.locator(".qi-matrix tbody th.unit").all_inner_texts()]
    name, data = _download(page, "matrix_csv")
    assert name == "matrix-ORG.csv"
    table = pd.read_csv(io.BytesIO(data))
    assert table["Unit"].tolist() == shown and len(shown) >= 3
    assert set(table["Level"]) == {"directorate"}
