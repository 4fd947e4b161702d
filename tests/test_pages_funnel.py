"""The Funnel and Multiples pages, run by Streamlit's AppTest: on the demo organisation, and on
an organisation of 428 teams (as the A&E worked example has)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from qi_dash import bootstrap
from qi_dash.store import Store
from qi_dash.ui.compare import clicked_team
from qi_dash.upload import commit, plan_upload
from tests.apptest import charts, no_errors, page_opener
from tests.builders import canonical_csv, many_teams

FUNNEL, MULTIPLES = "pages/8_Funnel.py", "pages/9_Multiples.py"
LINK = re.compile(r'<a href="([^"]+)" target="_self">([^<]+)</a>')


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """428 teams in 274 directorates, two monthly ratio measures, two years: saved through the upload path."""
    folder = tmp_path_factory.mktemp("big")
    hierarchy, rows = many_teams(428, 274, 24, ["SAFETY_PLAN", "RP_RATE"])
    (folder / "hierarchy.csv").write_text(hierarchy)
    store = Store.open(folder / "big.duckdb")
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, folder / "hierarchy.csv")
    plan = plan_upload(store, canonical_csv(folder / "big.csv", rows).read_bytes(), "big.csv")
    assert plan.ok, plan.problems
    commit(store, plan)
    store.close()
    return folder / "big.duckdb"


@pytest.fixture(scope="module")
def demo_copy(demo_db_file, tmp_path_factory) -> Path:
    return Path(shutil.copy(demo_db_file, tmp_path_factory.mktemp("funnel") / "demo.duckdb"))


@pytest.fixture
def demo(demo_copy, monkeypatch):
    return page_opener(demo_copy, monkeypatch)


def links(at) -> list[tuple[str, str]]:
    return [pair for m in at.markdown for pair in LINK.findall(m.value)]


def test_the_funnel_page_draws_every_team_and_links_to_their_charts(demo):
    at = no_errors(demo(FUNNEL))
    assert at.title[0].value == "Funnel plot: compare teams"
    (figure,) = charts(at)
    assert figure["layout"]["title"]["text"] == "Restrictive practice incidents per 1,000 occupied bed days"
    assert figure["layout"]["title"]["subtitle"]["text"] == "Riverside NHS Foundation Trust: its 13 teams, Nov 24 to Oct 25"
    codes = sorted(c for trace in figure["data"] if "customdata" in trace for c in trace["customdata"])
    assert codes == ["W-ASH", "W-BIR", "W-CED", "W-ELM", "W-HAZ", "W-OAK", "W-ROW", "W-WIL", "W-YEW"]
    assert {"95% limits", "99.8% limits"} <= {t.get("name") for t in figure["data"]}
    shown = dict((name, href) for href, name in links(at))
    # Teams outside, and the teams to learn from, are links opening the team's chart in this tab.
    assert shown["Cedar Ward"] == "./Measure?org=ORG&amp;dir=DIR-ACU&amp;team=W-CED&amp;measure=RP_RATE"
    assert "Ash Ward" in shown
    learn = next(m.value for m in at.markdown if "teams-to-learn-from" in m.value)
    assert "Special cause improvement at the latest point" in learn and "Tests of change: " in learn
    assert any("No data in these periods" in c.value and "North Community Mental Health Team" in c.value
               for c in at.caption)


def test_the_funnel_page_widens_its_limits_for_overdispersion(demo):
    at = no_errors(demo(FUNNEL))
    exact = charts(at)[0]
    at.toggle[0].set_value(True).run()
    no_errors(at)
    assert any("adjusted for overdispersion" in c.value for c in at.caption)
    wide = charts(at)[0]

    def upper(figure):
        return max(y for t in figure["data"] if t.get("name") == "99.8% limits" for y in t["y"] if y is not None)

    assert upper(wide) > upper(exact)


def test_the_funnel_page_compares_a_chosen_teams_directorate_over_the_chosen_months(demo):
    at = no_errors(demo(FUNNEL, team="W-ASH", measure="SAFETY_PLAN"))
    assert "the directorate of Ash Ward" in at.markdown[0].value
    figure = charts(at)[0]
    assert figure["layout"]["title"]["subtitle"]["text"] == "Adult Acute Inpatients: its 4 teams, Nov 24 to Oct 25"
    codes = sorted(c for trace in figure["data"] if "customdata" in trace for c in trace["customdata"])
    assert codes == ["W-ASH", "W-BIR", "W-CED", "W-HAZ"]
    slider = at.select_slider[0]
    assert slider.options[0] == "Jan 23" and slider.options[-1] == "Oct 25"
    slider.set_value((pd.Timestamp("2023-01-01"), pd.Timestamp("2025-10-01"))).run()
    no_errors(at)
    assert charts(at)[0]["layout"]["title"]["subtitle"]["text"] == "Adult Acute Inpatients: its 4 teams, Jan 23 to Oct 25"


def test_a_click_on_a_point_names_its_team():
    assert clicked_team(SimpleNamespace(selection=SimpleNamespace(points=[{"customdata": "W-ASH", "x": 1}]))) == "W-ASH"
    assert clicked_team(SimpleNamespace(selection=SimpleNamespace(points=[{"customdata": ["W-OAK"]}]))) == "W-OAK"
    assert clicked_team(SimpleNamespace(selection=SimpleNamespace(points=[]))) is None
    assert clicked_team(None) is None


def panels(at) -> list[tuple[str, str]]:
    """(href, name) of each panel of the small multiples, in order."""
    (figure,) = charts(at)
    return [LINK.findall(a["text"])[0] for a in figure["layout"]["annotations"]]


def y_ranges(at) -> set[tuple[float, float]]:
    (figure,) = charts(at)
    return {tuple(v["range"]) for k, v in figure["layout"].items() if k.startswith("yaxis") and v.get("visible", True)}


def test_the_multiples_page_draws_a_small_chart_per_team_with_a_shared_scale(demo):
    at = no_errors(demo(MULTIPLES, measure="RP_RATE"))
    shown = panels(at)
    assert len(shown) == 9  # the nine wards that report it; the community teams do not
    (figure,) = charts(at)
    codes = {c for t in figure["data"] if "customdata" in t for c in t["customdata"]}
    assert codes == {"W-ASH", "W-BIR", "W-CED", "W-ELM", "W-HAZ", "W-OAK", "W-ROW", "W-WIL", "W-YEW"}
    assert len(y_ranges(at)) == 1  # one scale for all
    assert any("No data for this measure" in c.value and "South Community Mental Health Team" in c.value
               for c in at.caption)
    at.toggle[0].set_value(False).run()
    assert len(y_ranges(no_errors(at))) > 1
    by_name = at.segmented_control[0].set_value("name").run()
    names = [name for _, name in panels(no_errors(by_name))]
    assert names[:3] == ["Ash Ward", "Birch Ward", "Cedar Ward"]
    href = dict((name, h) for h, name in panels(by_name))["Birch Ward"]
    assert href == "./Measure?org=ORG&amp;dir=DIR-ACU&amp;team=W-BIR&amp;measure=RP_RATE"
    learn = next(m.value for m in by_name.markdown if "teams-to-learn-from" in m.value)
    assert "Ash Ward" in learn


def test_428_teams_are_compared_on_a_funnel_and_in_pages_of_24(big_db, monkeypatch):
    open_page = page_opener(big_db, monkeypatch)
    funnel = no_errors(open_page(FUNNEL, measure="SAFETY_PLAN"))
    (figure,) = charts(funnel)
    assert sum(len(t["customdata"]) for t in figure["data"] if "customdata" in t) == 428
    assert "Comparing the 428 teams of **Big Trust**." == funnel.markdown[0].value
    multiples = no_errors(open_page(MULTIPLES, measure="SAFETY_PLAN"))
    first_page = [name for _, name in panels(multiples)]
    assert len(first_page) == 24
    assert any(c.value == "Teams 1–24 of 428." for c in multiples.caption)
    multiples.number_input[0].set_value(2).run()
    assert any(c.value == "Teams 25–48 of 428." for c in no_errors(multiples).caption)
    second_page = [name for _, name in panels(multiples)]
    assert not set(first_page) & set(second_page)
