"""Every page, run by Streamlit's AppTest on the demo organisation."""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import pandas as pd
import streamlit as st

from qi_dash import bootstrap, periods
from qi_dash.store import Store
from qi_dash.upload import commit, plan_upload
from tests.apptest import board_charts, charts, no_errors, page_opener
from tests.builders import canonical_csv, csv_bytes


def test_home_lists_teams_and_missing_data(viewer):
    at = no_errors(viewer())
    assert at.title[0].value == "Riverside NHS Foundation Trust"
    matrix = at.get("html")[0].proto.body
    assert '<a href="./?org=ORG&amp;dir=DIR-ACU" target="_self">Adult Acute Inpatients</a>' in matrix
    assert not at.dataframe  # every team's coverage is read when asked for
    at.toggle(key="coverage_on").set_value(True).run()
    table = no_errors(at).dataframe[0].value
    assert len(table) >= 12
    birch = table[table["Team"] == "Birch Ward"].iloc[0]
    assert birch["Missing periods"] > 0
    assert "Aug 24" in birch["Where"]
    assert at.query_params["org"] == "ORG"


def test_home_shows_the_organisation_as_it_was_on_the_chosen_day(viewer):
    before_any_upload = no_errors(viewer(as_of="2020-01-01"))
    assert "as it was at the end of 01/01/2020" in before_any_upload.warning[0].value
    assert before_any_upload.metric[2].value == "–"  # no latest month: nothing was saved then
    assert "no data (44 variation cells)" in before_any_upload.caption[0].value
    today = date.today().isoformat()
    now = no_errors(viewer(as_of=today))
    matrix = now.get("html")[0].proto.body
    # Every link keeps the chosen day, so the page it opens shows the same moment.
    links = re.findall(r'href="([^"]*)"', matrix)
    assert len(links) > 20 and all(f"as_of={today}" in link for link in links)


def test_team_page_deep_link_shows_the_family_of_measures(viewer):
    at = no_errors(viewer("pages/1_Team.py", team="W-ASH"))
    assert at.title[0].value == "Ash Ward"
    assert [t.label for t in at.tabs] == ["Outcome measures", "Process measures", "Balancing measures"]
    figures = board_charts(at)
    assert len(figures) == 10
    assert at.query_params["team"] == "W-ASH" and at.query_params["dir"] == "DIR-ACU"


def test_team_page_without_a_team_rolls_its_teams_boards_up_by_directorate(viewer):
    at = no_errors(viewer("pages/1_Team.py"))
    assert at.title[0].value == "Riverside NHS Foundation Trust"
    body = next(h.proto.body for h in at.get("html") if 'class="qi-matrix"' in h.proto.body)
    rows = re.findall(r'<th class="unit"><a href="([^"]*)" target="_self">([^<]*)</a></th>', body)
    # A row per directorate, counting its teams by icon, each opening its teams' boards here.
    assert len(rows) == 4 and all(link.startswith("./Team?org=ORG&amp;dir=DIR-") for link, _ in rows)
    assert "Of 4 teams:" in body
    assert not at.get("plotly_chart")


def test_measure_page_pools_a_directorate(viewer):
    at = no_errors(viewer("pages/2_Measure.py", dir="DIR-ACU", measure="RP_RATE"))
    assert at.title[0].value.startswith("Restrictive practice incidents")
    assert any("pooled rate" in c.value for c in at.caption)
    (figure,) = charts(at)
    assert figure["data"], "the chart has traces"


def test_measure_page_for_a_team_follows_the_url(viewer):
    at = no_errors(viewer("pages/2_Measure.py", team="W-CED", measure="SICKNESS"))
    assert at.selectbox(key="w_measure").value == "SICKNESS"
    assert at.selectbox(key="w_team").value == "W-CED"


def test_upload_page_offers_the_template_and_states_the_limit(viewer):
    at = no_errors(viewer("pages/3_Upload.py"))
    assert at.get("download_button")
    assert "up to 20 MB" in at.get("file_uploader")[0].proto.label


def test_measures_page_shows_every_definition(viewer):
    at = no_errors(viewer("pages/4_Measures.py"))
    table = at.dataframe[0].value
    assert len(table) == 11
    assert set(table["Family"]) == {"outcome", "process", "balancing"}


def test_uploads_page_lists_the_demo_upload(viewer):
    at = no_errors(viewer("pages/5_Uploads.py"))
    table = at.dataframe[0].value
    assert table["File"].tolist() == ["demo_organisation.csv"]


WIDE = (
    b"Month,PRN doses,Plans in place,Patients audited,Notes\n"
    b"Nov-25,14,18,20,\n"
    b"Dec-25,11,19,20,+1 agency nurse\n"
    b"Total,25,37,40,\n"
)


def correct_the_proposal(at):
    """A file not in the template is first read with a proposed mapping; open the form instead."""
    assert any("so its layout was worked out" in i.value for i in at.info), [i.value for i in at.info]
    next(b for b in at.button if b.label == "Correct the mapping").click().run()
    return at


def map_ash_ward_sheet(at, name=""):
    key = next(k for k in at.session_state if k.startswith("mapping_") and k.endswith("_sheet"))[: -len("_sheet")]
    at.selectbox(key=f"{key}_period").set_value("Month")
    at.radio(key=f"{key}_team_how").set_value("fixed").run()
    at.selectbox(key=f"{key}_fixed").set_value("W-ASH")
    at.selectbox(key=f"{key}_val_PRN").set_value("PRN doses")
    at.selectbox(key=f"{key}_num_SAFETY_PLAN").set_value("Plans in place")
    at.selectbox(key=f"{key}_den_SAFETY_PLAN").set_value("Patients audited")
    at.selectbox(key=f"{key}_comment").set_value("Notes")
    at.text_input(key=f"{key}_name").set_value(name)
    at.button(key=f"{key}_apply").click().run()
    return at


def test_a_wide_team_sheet_is_mapped_previewed_saved_and_recognised_next_time(app):
    at = app("pages/3_Upload.py")
    at.get("file_uploader")[0].set_value(("ash.csv", WIDE, "text/csv")).run()
    no_errors(at)
    no_errors(correct_the_proposal(at))
    assert "is not in the upload template" in at.warning[0].value
    no_errors(map_ash_ward_sheet(at, name="Ash Ward monthly sheet"))
    assert any("Skipped" in i.value and "Total" in i.value for i in at.info), [i.value for i in at.info]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows to add"] == "4"
    assert any("Mapping 'Ash Ward monthly sheet' will be saved with this upload" in i.value for i in at.info)
    at.button[-1].click().run()
    no_errors(at)
    assert r"Saved ash\.csv: 4 added, 0 updated, 0 unchanged." in at.success[0].value

    again = app("pages/3_Upload.py")
    again.get("file_uploader")[0].set_value(("ash-again.csv", WIDE, "text/csv")).run()
    no_errors(again)
    assert any("Recognised as mapping 'Ash Ward monthly sheet'" in m.value for m in again.markdown)
    assert "Everything in this file is already saved" in again.success[0].value


def test_an_upload_with_problems_lists_them_and_saves_nothing(app, demo_db):
    at = app("pages/3_Upload.py")
    bad = csv_bytes("W-ASH,HUDDLES,07/01/2025,,,3,")
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv")).run()
    no_errors(at)
    assert "was not saved: 1 problem(s)" in at.error[0].value
    problems = at.dataframe[0].value
    assert problems.iloc[0]["Row"] == "2" and problems.iloc[0]["Column"] == "period"
    assert not at.button or all("Save" not in b.label for b in at.button)


def test_undo_on_the_uploads_page_reverts_a_correction(app, demo_db):
    from qi_dash.store import Store
    from qi_dash.upload import commit, plan_upload

    store = Store.open(demo_db)
    before = store.observations(units=["W-ASH"], measures=["HUDDLES"]).iloc[-1]["value"]
    plan = plan_upload(store, csv_bytes("W-ASH,HUDDLES,27/10/2025,,,37,"), "fix.csv")
    commit(store, plan, uploaded_by="Ash lead")
    store.close()

    at = app("pages/5_Uploads.py")
    history = at.dataframe[0].value
    assert history["File"].tolist() == ["fix.csv", "demo_organisation.csv"]
    assert history.iloc[0]["Who"] == "Ash lead" and history.iloc[0]["Changed"] == 1
    at.selectbox(key="undo_choice").set_value(2)
    at.checkbox(key="undo_confirm").check().run()
    at.button[0].click().run()
    no_errors(at)
    assert "Undid upload 2: 1 values restored" in at.success[0].value
    assert at.dataframe[0].value.iloc[0]["Status"] == "undo of upload 2"

    team = app("pages/1_Team.py", team="W-ASH")
    (huddles,) = [f for f in board_charts(team) if f["layout"]["title"]["text"].startswith("Safety huddles")]
    data = next(t for t in huddles["data"] if t["name"] == "Data")
    assert 37 not in _decoded(data["y"])
    assert before in _decoded(data["y"])


def _decoded(y):
    """Plotly figure arrays may be base64-encoded typed arrays."""
    import base64

    import numpy as np

    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def test_as_of_link_shows_the_chart_as_it_was(app, demo_db):
    from qi_dash.store import Store
    from qi_dash.upload import commit, plan_upload

    store = Store.open(demo_db)
    commit(store, plan_upload(store, csv_bytes("W-ASH,HUDDLES,03/11/2025,,,21,"), "new.csv"))
    store.close()
    now = app("pages/2_Measure.py", team="W-ASH", measure="HUDDLES")
    then = app("pages/2_Measure.py", team="W-ASH", measure="HUDDLES", as_of="2020-01-01")
    no_errors(then)
    assert "as it was at the end of 01/01/2020" in then.warning[0].value
    assert charts(now) and not charts(then)
    assert then.query_params["as_of"] == "2020-01-01"


def test_a_definition_change_is_saved_as_a_new_version(app):
    at = app("pages/4_Measures.py")
    at.selectbox(key="def_start").set_value("HUDDLES").run()
    form_inputs = [t for t in at.text_input if t.label == "Target (optional)"]
    form_inputs[0].set_value("14")
    submit = [b for b in at.get("button") if getattr(b, "label", "") == "Save definition"]
    submit[0].click().run()
    no_errors(at)
    assert "Saved a new version of Safety huddles held (HUDDLES)" in at.success[0].value
    assert at.dataframe[0].value.set_index("Code").loc["HUDDLES", "Target"] == 14


def test_a_new_team_is_added_only_once_placed_in_a_directorate(app, demo_db):
    new_team = csv_bytes("Larch Ward,HUDDLES,27/10/2025,,,9,")
    at = app("pages/3_Upload.py")
    at.get("file_uploader")[0].set_value(("larch.csv", new_team, "text/csv")).run()
    no_errors(at)
    assert "introduces 1 team(s) that are not in the hierarchy" in at.warning[0].value
    # Placing comes first: no problem table and no "correct the file" banner meanwhile.
    assert not at.dataframe and not at.error
    at.selectbox(key="place_Larch Ward").set_value("DIR-ACU")
    next(b for b in at.get("button") if getattr(b, "label", "") == "Add these teams to the preview").click().run()
    no_errors(at)
    assert r"New teams to add: Larch Ward (LARCH\-WARD)" in " ".join(m.value for m in at.markdown)
    next(b for b in at.get("button") if getattr(b, "label", "").startswith("Save 1 change")).click().run()
    no_errors(at)
    assert r"Saved larch\.csv: 1 added, 0 updated, 0 unchanged." in at.success[0].value

    from qi_dash.store import Store

    st.cache_resource.clear()
    store = Store.open(demo_db)
    units = store.units().set_index("code")
    store.close()
    assert units.loc["LARCH-WARD", ["name", "parent", "level"]].tolist() == ["Larch Ward", "DIR-ACU", "team"]


def test_a_file_not_in_the_template_is_read_with_a_proposed_mapping_the_lead_confirms(app, demo_db):
    at = app("pages/3_Upload.py")
    at.get("file_uploader")[0].set_value(("ash.csv", WIDE, "text/csv")).run()
    no_errors(at)
    guesses = at.dataframe[0].value.set_index("Guess")
    assert guesses.loc["team", "How sure"] == "90%" and "ash → Ash Ward" in guesses.loc["team", "Why"]
    assert "Not sure" in guesses.loc["measure:SAFETY_PLAN", "Why"]  # left out: the lead decides
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows to add"] == "2"  # PRN for Nov-25 and Dec-25; the Total row is skipped
    next(b for b in at.button if getattr(b, "label", "").startswith("Save 2 change")).click().run()
    no_errors(at)
    assert r"Saved ash\.csv: 2 added, 0 updated, 0 unchanged." in at.success[0].value


def test_a_team_name_is_shown_as_typed_never_as_a_link_or_image(app, demo_db):
    from qi_dash.store import Store

    name = "[Sign in again](http://x.example) ![x](http://y.example)"
    store = Store.open(demo_db)
    store.save_units(pd.DataFrame({"code": ["W-LINK"], "name": [name], "level": ["team"], "parent": ["DIR-ACU"]}))
    store.close()
    at = no_errors(app("pages/1_Team.py", team="W-LINK"))
    # Every markdown character is escaped, so the title reads as typed.
    joiner = "\u2060"  # after "http", so GitHub-flavoured Markdown makes no bare link of the address
    assert at.title[0].value == rf"\[Sign in again\]\(http{joiner}\://x\.example\) \!\[x\]\(http{joiner}\://y\.example\)"
    # The breadcrumb's last step, a link to the team, escaped too.
    crumbs = [link.proto.label for link in at.get("page_link") if "team=W-LINK" in link.proto.query_string]
    assert crumbs[0].replace("\\", "").replace(joiner, "") == name and crumbs[0] != name


def test_home_gives_the_latest_week_for_an_organisation_that_reports_only_weekly(tmp_path, monkeypatch):
    (tmp_path / "hierarchy.csv").write_text("code,name,level,parent\nORG,Weekly Trust,organisation,\n"
                                            "DIR,Wards,directorate,ORG\nW1,Ward 1,team,DIR\nW2,Ward 2,team,DIR\n")
    store = Store.open(tmp_path / "weekly.duckdb")
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, tmp_path / "hierarchy.csv")
    weeks = pd.date_range("2025-08-04", periods=12, freq="W-MON")
    rows = pd.DataFrame({"team": np.repeat(["W1", "W2"], len(weeks)), "measure": "RESTRAINT",
                         "period": np.tile(weeks.date, 2), "numerator": np.nan, "denominator": np.nan,
                         "value": np.arange(24, dtype=float) % 5, "comment": None})
    plan = plan_upload(store, canonical_csv(tmp_path / "weekly.csv", rows).read_bytes(), "weekly.csv")
    assert plan.ok, plan.problems
    commit(store, plan)
    store.close()
    at = no_errors(page_opener(tmp_path / "weekly.duckdb", monkeypatch)())
    latest = at.metric[2]
    assert latest.label == "Latest week with data"
    assert latest.value == periods.label(weeks[-1], "week")


def test_as_of_a_day_charts_only_the_phase_changes_recorded_by_then(app, demo_db):
    import duckdb

    # Hazel's new phase as if recorded in 2099: a view as of 2030 predates it.
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE phase_changes SET recorded_at = TIMESTAMPTZ '2099-01-01 00:00:00+00'")
    reason = "Peer support worker co-produces every safety plan"
    now = app("pages/2_Measure.py", team="W-HAZ", measure="SAFETY_PLAN")
    then = no_errors(app("pages/2_Measure.py", team="W-HAZ", measure="SAFETY_PLAN", as_of="2030-01-01"))
    assert reason in json.dumps(charts(now)) and reason not in json.dumps(charts(then))


def test_as_of_a_day_before_any_record_lists_no_cycles_aims_or_people(viewer):
    now = no_errors(viewer("pages/1_Team.py", team="W-ASH"))
    then = no_errors(viewer("pages/1_Team.py", team="W-ASH", as_of="2020-01-01"))

    def cycles_heading(at):
        return [s.value for s in at.subheader if s.value.startswith("PDSA cycles")]

    def aims(at):
        return [m.value for m in at.markdown if m.value.startswith("**Aim")]

    def people(at):
        return [m.value for m in at.markdown if "Improvement coach:" in m.value]

    assert cycles_heading(now) != ["PDSA cycles (0)"] and cycles_heading(then) == ["PDSA cycles (0)"]
    assert aims(now) and not aims(then)
    assert people(now) and not people(then)
