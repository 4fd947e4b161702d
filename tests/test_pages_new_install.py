"""The pages on a new install (``python -m qi_dash init``: the measures, no organisation yet),
run by Streamlit's AppTest: each says what to do first rather than draw headings for no one."""

from __future__ import annotations

import pytest

from qi_dash import bootstrap
from qi_dash.store import Store
from qi_dash.ui.selection import NO_ORGANISATION
from tests.apptest import no_errors, page_opener

UNIT_PAGES = ["pages/1_Team.py", "pages/2_Measure.py", "pages/6_Story.py", "pages/8_Funnel.py",
              "pages/9_Multiples.py"]


@pytest.fixture
def new_install(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "new.duckdb")
    bootstrap.init_store(store)
    store.close()
    return page_opener(tmp_path / "new.duckdb", monkeypatch)


@pytest.mark.parametrize("page", UNIT_PAGES)
def test_a_page_of_a_unit_says_to_upload_first(new_install, page):
    at = no_errors(new_install(page))
    assert [i.value for i in at.info] == [NO_ORGANISATION]
    assert not at.title and not at.header and not at.subheader


@pytest.mark.parametrize("page", ["app.py", "pages/3_Upload.py", "pages/4_Measures.py", "pages/5_Uploads.py",
                                  "pages/7_Glossary.py", "pages/10_Admin.py"])
def test_the_other_pages_work_before_there_is_an_organisation(new_install, page):
    at = no_errors(new_install(page))
    assert at.title
