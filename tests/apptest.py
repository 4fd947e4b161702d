"""Pages run by Streamlit's AppTest as a visitor following a link: one home for opening a page
on a database and for what every page test checks."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from qi_dash.vocabulary import FAMILY_TITLES
from tests.conftest import REPO

TIMEOUT = 60
UPLOAD = "pages/3_Upload.py"


def page_opener(db: Path, monkeypatch):
    monkeypatch.setenv("QI_DASH_DB", str(db))
    monkeypatch.chdir(REPO)

    def open_page(page: str = "app.py", **query: str) -> AppTest:
        """Run the app as a visitor following a link to ``page`` with ``query``: only that
        page's script runs, as in the browser."""
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
        at.query_params.update(query)
        if page != "app.py":
            at.switch_page(page)
        return at.run()

    return open_page


def no_errors(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def board_charts(at: AppTest) -> list[dict]:
    """Every chart of a team's board, family by family (on a page without the board's family
    tabs, its charts). The board builds only its open family tab's charts, so each tab is opened
    in turn, as a click on it would; the first is left open."""
    from qi_dash.ui.board import FAMILY_TABS

    labels = [t.label for t in at.tabs if t.label in FAMILY_TITLES.values()]
    if not labels:
        return charts(at)
    found = []
    for label in labels:
        at.session_state[FAMILY_TABS] = label
        found += charts(no_errors(at.run()))
    at.session_state[FAMILY_TABS] = labels[0]
    no_errors(at.run())
    return found


def button(at: AppTest, label: str):
    """The button whose label starts with ``label``."""
    return next(b for b in at.get("button") if getattr(b, "label", "").startswith(label))


def opened(at: AppTest, key: str) -> AppTest:
    """The page with the expander ``key`` opened, as a click on it would (its contents are
    built only while it is open: ``widgets.lazy_expander``)."""
    at.session_state[key] = True
    return no_errors(at.run())


class _Cells(HTMLParser):
    """The text of each row of an HTML table (an image's alt text for the image)."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img" and self._cell is not None:
            self._cell.append(dict(attrs).get("alt", ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(at: AppTest) -> list[pd.DataFrame]:
    """The page's read-only HTML tables (``widgets.html_table``), as frames of their cells' text."""
    found = []
    for block in at.markdown:
        if '<table class="qi-table">' in block.value:
            cells = _Cells()
            cells.feed(block.value)
            found.append(pd.DataFrame(cells.rows[1:], columns=cells.rows[0]))
    return found


def html_links(at: AppTest) -> list[tuple[str, str]]:
    """Each link in the page's HTML tables: (its text, its address)."""
    return [(html.unescape(text), html.unescape(href)) for block in at.markdown
            if '<table class="qi-table">' in block.value
            for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', block.value)]
