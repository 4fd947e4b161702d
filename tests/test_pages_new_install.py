"""The pages on a new install (``python -m qi_dash init``: the measures, no organisation yet),
run by Streamlit's AppTest: each says what to do first rather than draw headings for no one."""

from __future__ import annotations

import pytest

from qi_dash import bootstrap
from qi_dash.store import Store
from qi_dash.ui.selection import NO_ORGANISATION
from tests.apptest import UPLOAD, button, no_errors, page_opener

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


def test_the_first_upload_names_the_organisation_its_directorate_and_teams(new_install):
    at = new_install(UPLOAD)
    data = b"team,measure,period,numerator,denominator,value,comment\nLarch Ward,HUDDLES,27/10/2025,,,9,\n"
    at.get("file_uploader")[0].set_value(("first.csv", data, "text/csv")).run()
    at.selectbox(key="place_Larch Ward").set_value("+new").run()
    at.text_input(key="new_directorate_Larch Ward").set_value("Mental Health")
    at.text_input(key="new_organisation").set_value("Riverside NHS Foundation Trust")
    button(at, "Add these teams to the preview").click().run()
    no_errors(at)
    assert not at.error
    button(at, "Save 1 change(s)").click().run()
    no_errors(at)
    assert at.success[0].value == r"Saved first\.csv: 1 added, 0 updated, 0 unchanged."
    home = no_errors(new_install("app.py"))
    assert home.title[0].value == "Riverside NHS Foundation Trust"


def test_a_first_file_that_places_its_own_teams_asks_only_for_the_organisation(new_install):
    at = new_install(UPLOAD)
    data = (b"team,directorate,measure,period,numerator,denominator,value,comment\n"
            b"Larch Ward,Mental Health,HUDDLES,27/10/2025,,,9,\n")
    at.get("file_uploader")[0].set_value(("placed.csv", data, "text/csv")).run()
    no_errors(at)
    assert not at.warning  # no team to place by hand
    assert "there is no organisation yet" in at.error[0].value
    at.text_input(key="new_organisation").set_value("Riverside")
    button(at, "Add these teams to the preview").click().run()
    button(at, "Save 1 change(s)").click().run()
    no_errors(at)
    home = no_errors(new_install("app.py", dir="DIR-MENTAL-HEALTH"))
    assert home.title[0].value == "Riverside"
