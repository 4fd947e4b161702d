"""A database lost part-way through a page (a PostgreSQL server restarted, its connection cut)
is told in the store's words where the page stopped, not as Streamlit's bare error."""

from __future__ import annotations

import pytest

from qi_dash.store import Store, errors
from qi_dash.ui.widgets import markdown_text
from tests.apptest import no_errors

LOST = errors.connection_lost("postgresql://qi@db/qi", "terminating connection due to administrator command")


@pytest.fixture
def lost_after_opening(app, monkeypatch):
    """Pages whose store opens and reads its hierarchy, then loses the server for every other read."""
    def lost(*args, **kwargs):
        raise LOST

    for read in ("observations", "summary", "uploads", "mappings", "grants", "definition_versions"):
        monkeypatch.setattr(Store, read, lost)
    return app


@pytest.mark.parametrize(("page", "query"), [
    ("app.py", {}),
    ("pages/1_Team.py", {"team": "W-ASH"}),
    ("pages/2_Measure.py", {"team": "W-ASH"}),
    ("pages/5_Uploads.py", {}),
    ("pages/6_Story.py", {"team": "W-ASH"}),
    ("pages/8_Funnel.py", {}),
    ("pages/9_Multiples.py", {}),
    ("pages/10_Admin.py", {}),
])
def test_a_page_whose_database_is_lost_says_so_in_words(lost_after_opening, page, query):
    at = no_errors(lost_after_opening(page, **query))
    assert [e.value for e in at.error] == [markdown_text(str(LOST))]  # as text, not markdown
