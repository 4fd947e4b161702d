"""Aims, targets over time, people and the glossary on the pages, run by Streamlit's AppTest on
the demo organisation."""

from __future__ import annotations

from datetime import date


from tests.apptest import button, charts, no_errors, opened


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def progress_texts(at) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def stored(at, read):
    """What the app's store holds now (the app keeps the database open: read through it)."""
    from qi_dash.ui import session
    return read(session.store())


def test_a_team_page_shows_its_aims_with_those_above_it_and_its_people(viewer):
    at = no_errors(viewer("pages/1_Team.py", team="W-ASH"))
    text = markdown(at)
    # The team's own aim in full, with its progress in words.
    assert "**Aim · Ash Ward:** Reduce restrictive practice on Ash Ward by 40% by April 2026" in text
    (progress,) = progress_texts(at)
    assert "against a baseline of 31\\.0 \\(mean of 12 monthly values, Jan 23 to Dec 23\\)" in progress
    assert progress.endswith("by April 2026 is reached\\.")
    # The aims of the units above it, a line each saying whose, the organisation's first.
    above = [c.value for c in at.caption if c.value.startswith("**Aim")]
    assert above[0].startswith("**Aim · Riverside NHS Foundation Trust:** Reduce restrictive practice across the trust by 30% by April 2027 — 43 % of the way")
    assert above[1].startswith("**Aim · Adult Acute Inpatients:**")
    assert "Improvement coach: **Marcus Bell** (QI coach) · Sponsor: **Lorraine Pike** (Modern Matron)" in text


def test_the_team_chart_draws_the_goal_line_and_the_target_steps(viewer):
    at = no_errors(viewer("pages/1_Team.py", team="W-ASH"))
    rp = next(f for f in charts(at) if f["layout"]["title"]["text"].startswith("Restrictive practice"))
    names = {t.get("name") for t in rp["data"]}
    assert "Aim: 18.6 by Apr 26" in names
    target = next(t for t in rp["data"] if t.get("name") == "Target")
    assert target["line"]["shape"] == "hv"  # the target steps down each April
    assert rp["layout"]["xaxis"]["range"][1] > "2026-04"  # the trajectory ahead is on the axis


def test_a_directorate_and_the_organisation_show_their_own_aims(viewer):
    directorate = no_errors(viewer("pages/1_Team.py", dir="DIR-COM"))
    assert "**Aim · Community Services:**" in markdown(directorate)
    assert any(c.value.startswith("**Aim · Riverside NHS Foundation Trust:**") for c in directorate.caption)
    assert "Improvement coach: **Gemma Doyle**" in markdown(directorate)
    organisation = no_errors(viewer("pages/1_Team.py"))
    assert "**Aim · Riverside NHS Foundation Trust:**" in markdown(organisation)
    assert "Community Services" not in markdown(organisation)


def test_the_measure_page_shows_only_that_measures_aims(viewer):
    at = no_errors(viewer("pages/2_Measure.py", team="CMHT-N", measure="SAFETY_PLAN"))
    text = markdown(at) + "\n".join(c.value for c in at.caption)
    assert "**Aim · North Community Mental Health Team:**" in text and "**Aim · Community Services:**" in text
    assert "Reduce restrictive practice" not in text


def test_an_aim_added_on_the_team_page_is_shown_and_can_be_edited(app, demo_db):
    at = opened(app("pages/1_Team.py", team="W-YEW"), "aims_forms")
    assert "**Aim · Yew Ward \\(low secure\\):**" not in markdown(at)
    next(t for t in at.text_input if t.label == "Aim statement").set_value("Reduce restrictive practice on Yew Ward by 25% by April 2027")
    next(s for s in at.selectbox if s.label == "Outcome measure").set_value("RP_RATE")
    next(n for n in at.number_input if n.label.startswith("By how much")).set_value(25.0)
    next(d for d in at.date_input if d.label == "By").set_value(date(2027, 4, 1))
    next(d for d in at.date_input if d.label == "Baseline from").set_value(date(2023, 1, 1))
    next(d for d in at.date_input if d.label == "Baseline to").set_value(date(2023, 12, 1))
    button(at, "Save aim").click().run()
    no_errors(at)
    assert "Saved the aim 'Reduce restrictive practice on Yew Ward by 25% by April 2027'." in [s.value for s in at.success]
    assert "**Aim · Yew Ward \\(low secure\\):** Reduce restrictive practice on Yew Ward by 25% by April 2027" in markdown(at)
    assert "Aim: " in " ".join(t.get("name") or "" for f in charts(at) for t in f["data"])
    # Edit it: the same aim, a new version.
    (aim,) = [a for a in stored(at, lambda s: s.aims()) if a.unit == "W-YEW"]
    at.selectbox(key="aim_pick").set_value(aim.aim_id).run()
    next(n for n in at.number_input if n.label.startswith("By how much")).set_value(35.0)
    next(t for t in at.text_input if t.label == "Aim statement").set_value("Reduce restrictive practice on Yew Ward by 35% by April 2027")
    button(at, "Save aim").click().run()
    no_errors(at)
    assert "**Aim · Yew Ward \\(low secure\\):** Reduce restrictive practice on Yew Ward by 35% by April 2027" in markdown(at)
    assert stored(at, lambda s: s.aim_versions(aim.aim_id))["amount"].tolist() == [35.0, 25.0]


def test_a_wrong_aim_is_refused_with_the_reason_and_nothing_saved(app):
    at = opened(app("pages/1_Team.py", team="W-YEW"), "aims_forms")
    next(t for t in at.text_input if t.label == "Aim statement").set_value("Increase restraint")
    next(s for s in at.selectbox if s.label == "Outcome measure").set_value("RP_RATE")
    next(s for s in at.selectbox if s.label == "Change").set_value("increase_by_percent")
    next(d for d in at.date_input if d.label == "Baseline to").set_value(date(2023, 12, 1))
    button(at, "Save aim").click().run()
    no_errors(at)
    errors = [e.value for e in at.error]
    assert r"Give the first period of the baseline, or a baseline value\." in errors
    assert any("lower is better, so an aim to increase it would aim at a concern" in e for e in errors)
    assert not [a for a in stored(at, lambda s: s.aims()) if a.unit == "W-YEW"]


def test_the_target_table_shows_the_trajectory_and_saves_a_teams_own(app):
    at = opened(app("pages/2_Measure.py", team="W-HAZ", measure="RP_RATE"), "aims_forms")
    (editor,) = at.data_editor
    assert editor.value["value"].tolist() == [40.0, 36.0, 30.0, 24.0, 20.0]  # Hazel Ward's own steps
    at.radio(key="target_scope").set_value("").run()
    (editor,) = at.data_editor
    assert editor.value["value"].tolist() == [21.0, 19.0, 17.0, 16.0, 14.5]  # the one for all units
    at.radio(key="target_scope").set_value("W-HAZ").run()
    at.session_state["target_steps_RP_RATE_W-HAZ"] = {
        "edited_rows": {"4": {"value": 18.0}}, "added_rows": [{"from_period": "2028-04-01", "value": 15.0}],
        "deleted_rows": [],
    }
    at.run()
    button(at, "Save target over time").click().run()
    no_errors(at)
    assert "Saved the target over time of Restrictive practice incidents per 1,000 occupied bed days." in [
        s.value for s in at.success]
    steps = stored(at, lambda s: s.target_steps())
    hazel = steps[steps["unit"] == "W-HAZ"]
    assert hazel["value"].tolist() == [40.0, 36.0, 30.0, 24.0, 18.0, 15.0]
    assert stored(at, lambda s: s.target_versions("W-HAZ", "RP_RATE"))["version"].tolist() == [2, 1]


def test_a_misdated_target_row_is_refused_naming_the_row(app):
    at = opened(app("pages/2_Measure.py", team="W-HAZ", measure="RP_RATE"), "aims_forms")
    at.session_state["target_steps_RP_RATE_W-HAZ"] = {
        "edited_rows": {}, "added_rows": [{"from_period": "2028-04-15", "value": 15.0}], "deleted_rows": []}
    at.run()
    button(at, "Save target over time").click().run()
    no_errors(at)
    assert any(r"target row 6\: 15/04/2028 is not the 1st of a month" in e.value for e in at.error)
    assert stored(at, lambda s: s.target_versions("W-HAZ", "RP_RATE"))["version"].tolist() == [1]


def test_the_coach_and_sponsor_are_saved_with_history(app):
    at = opened(app("pages/1_Team.py", team="W-YEW"), "aims_forms")
    next(t for t in at.text_input if t.label == "Improvement coach").set_value("Nia Roberts")
    button(at, "Save coach and sponsor").click().run()
    no_errors(at)
    assert "Improvement coach: **Nia Roberts** (QI coach)" in markdown(at)
    assert stored(at, lambda s: s.people_versions("W-YEW"))["coach"].tolist() == ["Nia Roberts", "Tomasz Nowak"]
    assert any(c.value.startswith("Version 2, saved by local user on") for c in at.caption)


def test_the_glossary_page_has_an_anchor_per_term(viewer):
    at = no_errors(viewer("pages/7_Glossary.py"))
    anchors = [h.proto.anchor for h in at.subheader]
    assert {"run-chart", "spc-chart", "common-cause", "special-cause", "variation-icon", "assurance-icon",
            "process-limits", "pdsa", "aim", "outcome-measure", "trajectory"} <= set(anchors)
    assert len(anchors) == len(set(anchors))
    assert "[Run chart](#run-chart)" in markdown(at)
    # The address is left as it came: rewriting it would drop the #term to scroll to.
    assert "org" not in at.query_params


def test_the_reading_guide_and_chart_words_link_to_the_glossary(viewer):
    at = no_errors(viewer("pages/1_Team.py", team="W-ASH"))
    text = markdown(at)
    assert "[special cause](./Glossary#special-cause)" in text
    assert "[process limits](./Glossary#process-limits)" in text
    # Each chart's words on the Measure page (the board says them in its summary table).
    at = no_errors(viewer("pages/2_Measure.py", team="W-ASH", measure="RP_RATE"))
    assert any("](./Glossary#" in c.value for c in at.caption if c.value.startswith("Latest:"))


def test_the_glossary_is_in_the_navigation(viewer):
    at = no_errors(viewer())
    assert "Glossary" in [link.proto.page for link in at.get("page_link")]
