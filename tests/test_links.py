"""Links are built with proper URL encoding: one helper (``widgets.page_href``) for the matrix,
the board's measure links, the funnel's and the small multiples' click-throughs, tested with
codes holding '#', '?', '&', '/' and spaces."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from qi_dash.store import Store
from qi_dash.ui.widgets import page_href
from tests.apptest import no_errors

AWKWARD = "W#1 ?&/x+y%"


def query_of(href: str) -> dict[str, str]:
    parts = urlsplit(href)
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_page_href_encodes_every_value_and_leaves_out_empty_ones():
    href = page_href("Measure", {"org": "ORG", "dir": "", "team": AWKWARD, "measure": "A&B=C"})
    assert href.startswith("./Measure?") and "#" not in href and " " not in href
    assert query_of(href) == {"org": "ORG", "team": AWKWARD, "measure": "A&B=C"}
    assert page_href("Measure", {"team": "W-ASH"}, fragment="Ash Ward").endswith("team=W-ASH#Ash Ward")


def _with_awkward_team(db) -> None:
    store = Store.open(db)
    store.save_units(pd.DataFrame({"code": [AWKWARD], "name": ["Larch Ward"], "level": ["team"], "parent": ["DIR-ACU"]}))
    rows = pd.DataFrame({"team": AWKWARD, "measure": "RP_RATE",
                         "period": [f"2025-{m:02d}-01" for m in range(1, 7)],
                         "numerator": [3, 4, 2, 5, 3, 4], "denominator": [300, 310, 290, 305, 300, 298]})
    from qi_dash.upload import commit, plan_upload

    plan = plan_upload(store, rows.to_csv(index=False).encode(), "larch.csv")
    assert plan.ok, plan.problems
    commit(store, plan, uploaded_by="test")
    store.close()


def test_the_matrix_links_to_a_team_with_an_awkward_code_arrive_whole(app, demo_db):
    _with_awkward_team(demo_db)
    at = no_errors(app("pages/1_Team.py", dir="DIR-ACU"))
    page = "\n".join(node.proto.body for node in at.get("html"))
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]
    to_larch = [h for h in hrefs if "Larch" in h or "W%231" in h]
    assert to_larch, hrefs[:5]
    assert {query_of(h)["team"] for h in to_larch} == {AWKWARD}


def test_the_small_multiples_click_through_to_an_awkward_code_arrives_whole(app, demo_db):
    _with_awkward_team(demo_db)
    at = no_errors(app("pages/9_Multiples.py", dir="DIR-ACU", measure="RP_RATE"))
    spec = json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")])
    hrefs = [html.unescape(h) for h in re.findall(r'href=\\"([^\\]+)\\"', spec)]
    teams = {query_of(h).get("team") for h in hrefs}
    assert AWKWARD in teams
