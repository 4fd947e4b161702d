"""Downloads and financial years on the pages, run by Streamlit's AppTest: a chart's data on
the Measure page, all the data of the selection on Home and Team, the measure per financial
year, and periods chosen by financial year on the Funnel page. (What the files hold is read
back in tests/test_chart_data.py and, clicked in a real browser, tests/e2e/test_downloads.py.)"""

from __future__ import annotations

import pandas as pd

from tests.apptest import charts, no_errors

MEASURE, TEAM, FUNNEL = "pages/2_Measure.py", "pages/1_Team.py", "pages/8_Funnel.py"


def download_keys(at) -> list[str]:
    """The keys of the page's download buttons (the end of each element id)."""
    return [b.proto.id.split("-")[-1] for b in at.get("download_button")]


def deferred(at) -> dict[str, bool]:
    """Whether each download button holds a function to write its file on click, by key."""
    return {b.proto.id.split("-")[-1]: bool(b.proto.deferred_file_id) for b in at.get("download_button")}


def test_a_measure_page_offers_its_chart_data_written_on_click(viewer):
    at = no_errors(viewer(MEASURE, team="W-ASH", measure="SAFETY_PLAN"))
    # Beside the chart's images (PNG, SVG: ``ui.pack``), each written on click too.
    assert deferred(at) == {"chart_csv_SAFETY_PLAN": True, "chart_xlsx_SAFETY_PLAN": True,
                            "chart_png": True, "chart_svg": True}
    assert "Chart data:" in [c.value for c in at.caption]


def test_the_measure_data_has_a_table_per_financial_year(viewer):
    at = no_errors(viewer(MEASURE, team="W-HAZ", measure="SAFETY_PLAN"))
    years = next(d.value for d in at.dataframe if "Financial year" in d.value.columns)
    assert years["Financial year"].tolist()[:3] == ["2022/23", "2023/24", "2024/25"]
    assert years["Periods in year"].tolist()[1] == 12
    assert any("pooled rate" in c.value for c in at.caption)


def test_a_measure_without_data_offers_no_chart_data(viewer):
    at = no_errors(viewer(MEASURE, team="W-ASH", measure="SAFETY_PLAN", as_of="2001-01-01"))  # before any data
    assert "No data yet." in [i.value for i in at.info]
    assert not [k for k in download_keys(at) if k.startswith("chart_")]


def test_home_and_team_pages_offer_all_the_selections_data_written_on_click(viewer):
    for page, query, teams in (("app.py", {}, "these 13 teams"), (TEAM, {"dir": "DIR-ACU"}, "these 4 teams"),
                               (TEAM, {"team": "W-ASH"}, "this team")):
        at = no_errors(viewer(page, **query))
        found = deferred(at)
        assert found["all_data_csv"] and found["all_data_xlsx"], page
        assert f"All data of {teams}, in the upload template:" in [c.value for c in at.caption]
        assert found.get("board_data_xlsx", False) == (teams == "this team")  # a team's board: its charts' data


def test_the_funnel_periods_can_be_chosen_by_financial_year(viewer):
    at = no_errors(viewer(FUNNEL, team="W-ASH", measure="SAFETY_PLAN"))
    year = next(s for s in at.selectbox if s.label == "Financial year")
    assert year.options[:4] == ["Any", "2025/26", "2024/25", "2023/24"]
    year.set_value("2024/25").run()
    no_errors(at)
    subtitle = charts(at)[0]["layout"]["title"]["subtitle"]["text"]
    assert subtitle == "Adult Acute Inpatients: its 4 teams, Apr 24 to Mar 25"
    # Moving the periods off the year's clears the year.
    at.select_slider[0].set_value((pd.Timestamp("2024-04-01"), pd.Timestamp("2024-12-01"))).run()
    no_errors(at)
    assert next(s for s in at.selectbox if s.label == "Financial year").value == ""
    assert charts(at)[0]["layout"]["title"]["subtitle"]["text"].endswith("Apr 24 to Dec 24")
