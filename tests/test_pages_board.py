"""The Team page as a board, its huddle mode (``view=huddle``) and, above team level, its teams'
boards in brief: run by AppTest on the demo organisation."""

from __future__ import annotations

import html
import re

import pytest

from qi_dash import board, icons
from qi_dash.store import Store
from qi_dash.ui.board import FAMILY_TABS
from qi_dash.vocabulary import FAMILIES
from tests.apptest import board_charts, charts, html_links, html_tables, no_errors

TEAM = "pages/1_Team.py"


@pytest.fixture(scope="module")
def ash_views(read_only_db):
    """Ash Ward's measures as the engine reads them, to check the pages against."""
    from qi_dash.analysis import measure_view

    store = Store.open(read_only_db)
    try:
        observations = store.observations(units=["W-ASH"])
        return [measure_view(observations, d, ["W-ASH"]) for d in store.definitions()]
    finally:
        store.close()


def chart_codes(at, prefix: str) -> list[str]:
    """The measure codes of the page's charts, in page order (from each chart's key)."""
    return [c.proto.id.split(f"-{prefix}_", 1)[1] for c in at.get("plotly_chart")]


def table_with(at, column: str):
    """The page's table that has ``column`` (the aims' forms hold tables of their own)."""
    return next(t for t in html_tables(at) if column in t.columns)


def test_the_board_summarises_the_family_of_measures_before_its_charts(viewer, ash_views):
    at = no_errors(viewer(TEAM, team="W-ASH"))
    assert at.title[0].value == "Ash Ward"
    summary = table_with(at, "What the chart says")
    expected = board.board_lines(ash_views)
    assert len(summary) == len(expected) == 10
    assert summary["Family"].tolist()[0] == "Outcome" and summary["Family"].tolist()[-1] == "Balancing"
    assert summary["What the chart says"].tolist() == [line.summary for line in expected]
    assert summary["Latest"].tolist() == [line.latest for line in expected]
    assert "Special cause improvement since Dec 23" in summary["What the chart says"].tolist()  # Safewards, Jan 24
    assert summary["Variation"].tolist() == [icons.icon_title(line.variation_icon, kind="variation")
                                             for line in expected]  # each icon's words as its alt text
    assert summary["Measure"].tolist() == [line.name for line in expected]
    text, link = html_links(at)[0]
    assert text == expected[0].name
    assert link.startswith("./Measure?") and "team=W-ASH" in link and f"measure={expected[0].code}" in link
    # Then the charts, a tab per family in the summary's order; only the open tab's are built.
    assert [t.label for t in at.tabs] == ["Outcome measures", "Process measures", "Balancing measures"]
    codes = []
    for label, family in zip(["Outcome measures", "Process measures", "Balancing measures"], FAMILIES):
        at.session_state[FAMILY_TABS] = label
        no_errors(at.run())
        assert chart_codes(at, "chart") == [line.code for line in expected if line.family == family]
        assert all(f["layout"]["title"]["text"] for f in charts(at))
        codes += chart_codes(at, "chart")
    assert codes == [line.code for line in expected]  # every measure's chart, each once
    assert len(board_charts(at)) == 10


def test_the_open_family_stays_open_from_team_to_team(viewer, read_only_db):
    store = Store.open(read_only_db)
    try:
        balancing = {d.name for d in store.definitions() if d.family == "balancing"}
    finally:
        store.close()
    at = no_errors(viewer(TEAM, team="W-ASH"))
    at.session_state[FAMILY_TABS] = "Balancing measures"
    no_errors(at.run())
    at.selectbox(key="w_team").select("Birch Ward").run()
    no_errors(at)
    assert at.title[0].value == "Birch Ward"
    assert at.session_state[FAMILY_TABS] == "Balancing measures"
    titles = [f["layout"]["title"]["text"] for f in charts(at)]
    assert titles and set(titles) <= balancing


def test_the_huddle_toggle_puts_huddle_mode_in_the_url(viewer):
    at = no_errors(viewer(TEAM, team="W-ASH"))
    at.toggle(key="huddle_toggle").set_value(True).run()
    no_errors(at)
    assert at.query_params["view"] == "huddle"
    assert len(charts(at)) == board.HUDDLE_CHARTS_PER_SCREEN


def test_huddle_mode_from_the_url_shows_four_large_charts_signals_first(viewer, ash_views):
    at = no_errors(viewer(TEAM, team="W-ASH", view="huddle"))
    assert at.title[0].value == "Ash Ward"
    first_screen = [v.definition.code for v in board.huddle_order(ash_views)][:4]
    assert chart_codes(at, "huddle") == first_screen
    assert board.latest_signal(next(v for v in ash_views if v.definition.code == first_screen[0])) is not None
    for figure in charts(at):
        layout = figure["layout"]
        assert layout["font"]["size"] >= 22 and layout["xaxis"]["tickfont"]["size"] >= 18
        assert not layout["showlegend"]
        assert all(t["line"]["width"] >= 3.5 for t in figure["data"] if t.get("mode") == "lines")
    heads = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<div class=\"huddle-head")]
    assert len(heads) == 4 and 'alt="Special cause improvement' in heads[0] + heads[1] + heads[2] + heads[3]
    assert any("Screen 1 of 3; the next in 30 s." in c.value for c in at.caption)
    # No controls on the screen, the sidebar hidden, and a way back to the board.
    assert not at.main.get("toggle") and not at.main.get("selectbox") and not html_tables(at)
    style = "".join(h.proto.body for h in at.get("html") if "<style>" in h.proto.body)
    assert '[data-testid="stSidebar"]' in style and "display: none" in style
    assert at.query_params["view"] == "huddle"  # the bookmark keeps the mode
    next(b for b in at.button if b.label == "Leave huddle mode").click().run()
    no_errors(at)
    assert "view" not in at.query_params and at.query_params["team"] == "W-ASH"
    assert len(board_charts(at)) == 10 and html_tables(at)  # the board again


def test_huddle_rotation_comes_from_the_url(viewer):
    at = no_errors(viewer(TEAM, team="W-ASH", view="huddle", rotate="0"))
    assert "Screen 1 of 3. Signals at the latest point come first." in [c.value for c in at.caption]


def _unit_links(at) -> dict[str, str]:
    """The roll-up matrix's rows: each unit's name and the link it opens."""
    body = next(h.proto.body for h in at.get("html") if 'class="qi-matrix"' in h.proto.body)
    found = re.findall(r'<th class="unit"><a href="([^"]*)" target="_self">([^<]*)</a></th>', body)
    return {html.unescape(name): html.unescape(link) for link, name in found}


def test_a_directorate_shows_its_teams_boards_in_brief(viewer):
    at = no_errors(viewer(TEAM, dir="DIR-ACU"))
    assert at.title[0].value == "Adult Acute Inpatients"
    teams = _unit_links(at)
    assert list(teams) == ["Ash Ward", "Birch Ward", "Cedar Ward", "Hazel Ward (PICU)"]
    assert teams["Ash Ward"] == "./Team?org=ORG&dir=DIR-ACU&team=W-ASH"
    assert all("dir=DIR-ACU" in link for link in teams.values())
    body = next(h.proto.body for h in at.get("html") if 'class="qi-matrix"' in h.proto.body)
    # Each team's row is its board in brief: a cell per measure in words, opening its chart.
    assert any(html.unescape(t).startswith("Ash Ward · Restrictive practice") and "Special cause improvement" in
               html.unescape(t) for t in re.findall(r'<td title="([^"]*)"', body))
    assert "./Measure?org=ORG&amp;dir=DIR-ACU&amp;team=W-ASH&amp;measure=RP_RATE" in body
    assert not charts(at)

