"""Phases on the Measure and Team pages (AppTest): start a phase with a reason, a change the
checks refuse, the suggested recalculation, and undo."""

from __future__ import annotations

import pandas as pd

from qi_dash.store import Store
from tests.apptest import button, charts, no_errors, opened


def stored(db) -> pd.DataFrame:
    store = Store.open(db)
    try:
        return store.phase_changes()
    finally:
        store.close()


def phase_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Status" in d.value.columns)


def annotations(at) -> list[dict]:
    (figure,) = charts(at)
    return figure["layout"].get("annotations", [])


def labels(at) -> list[str]:
    return [a["text"] for a in annotations(at)]


def fill_form(at, code: str, *, period: str, reason: str, kind: int = 0):
    at.radio(key=f"phase_kind_{code}").set_value(("new_phase", "freeze_baseline")[kind])
    box = at.selectbox(key=f"phase_period_{code}")
    box.select_index(box.options.index(period))
    at.text_area(key=f"phase_reason_{code}").set_value(reason)
    button(at, "Record phase change").click().run()
    return no_errors(at)


def test_a_new_phase_with_a_reason_is_recorded_drawn_and_undone(app, demo_db):
    at = opened(app("pages/2_Measure.py", team="W-OAK", measure="HUDDLES"), "phases_forms")
    assert not any(text.startswith("Phase ") for text in labels(at))
    fill_form(at, "HUDDLES", period="w/c 06 Jan 25", reason="Huddle moved to the nurses' station")
    assert "Start a new phase from w/c 06 Jan 25 recorded on Safety huddles held." in at.success[0].value
    (boundary,) = [a for a in annotations(at) if a["text"].startswith("Phase 2: Huddle moved")]
    assert "Huddle moved to the nurses' station" in boundary["hovertext"] and "local user" in boundary["hovertext"]
    row = stored(demo_db).query("unit == 'W-OAK'").iloc[0]
    assert (row.kind, row.reason, row.recorded_by, row.period) == (
        "new_phase", "Huddle moved to the nurses' station", "local user", pd.Timestamp("2025-01-06"))
    assert "in force" in phase_table(at)["Status"].tolist()

    button(at, "Undo the new phase from w/c 06 Jan 25").click().run()
    no_errors(at)
    assert "Phase change undone on Safety huddles held" in at.success[0].value
    assert not any(text.startswith("Phase 2") for text in labels(at))
    row = stored(demo_db).query("unit == 'W-OAK'").iloc[0]
    assert not row.active and row.undone_by == "local user"


def test_a_change_the_checks_refuse_says_why_and_saves_nothing(app, demo_db):
    at = opened(app("pages/2_Measure.py", team="W-OAK", measure="HUDDLES"), "phases_forms")
    fill_form(at, "HUDDLES", period="w/c 20 Oct 25", reason="  ")
    errors = [e.value.replace("\\", "") for e in at.error]  # shown as typed: markdown escaped
    assert any("Give a reason" in e for e in errors)
    assert any("would have 2 point(s) with data; a phase needs at least 7" in e for e in errors)
    assert stored(demo_db).query("unit == 'W-OAK'").empty


def test_a_baseline_needs_its_points(app, demo_db):
    at = opened(app("pages/2_Measure.py", team="W-OAK", measure="HUDDLES"), "phases_forms")
    fill_form(at, "HUDDLES", period="w/c 06 Feb 23", reason="Audit", kind=1)
    assert any("a baseline needs at least 12" in e.value.replace("\\", "") for e in at.error)
    assert stored(demo_db).query("unit == 'W-OAK'").empty


def test_the_demo_phases_are_on_hazels_chart_and_listed(app):
    at = opened(app("pages/2_Measure.py", team="W-HAZ", measure="SAFETY_PLAN"), "phases_forms")
    no_errors(at)
    assert any(text.startswith("Phase 2: Peer support worker co-produces every") for text in labels(at))
    table = phase_table(at)
    assert table["Recorded by"].tolist() == ["demo"] and table["What"].tolist() == ["Start a new phase"]


def test_the_team_page_suggests_a_recalculation_and_applies_it_only_when_confirmed(app, demo_db):
    at = opened(app("pages/1_Team.py", team="W-CED"), "phases_forms")
    no_errors(at)
    texts = [m.value for m in at.markdown if "A shift started in" in m.value]
    assert texts, "Cedar Ward's staffing crisis shows as a sustained shift somewhere"
    assert stored(demo_db).query("unit == 'W-CED'").empty  # suggested, never applied by itself
    code = next(t.key.removeprefix("phase_suggest_reason_") for t in at.text_input
                if (t.key or "").startswith("phase_suggest_reason_"))
    at.text_input(key=f"phase_suggest_reason_{code}").set_value("Staffing crisis: agency nurses on most nights")
    button(at, "Recalculate the limits from").click().run()
    no_errors(at)
    row = stored(demo_db).query("unit == 'W-CED'").iloc[0]
    assert (row.measure, row.kind, row.recorded_by) == (code, "new_phase", "local user")
    assert not [t for t in at.text_input if t.key == f"phase_suggest_reason_{code}"]  # no longer suggested


def test_the_measure_page_suggests_but_asks_for_a_reason(app, demo_db):
    at = app("pages/2_Measure.py", team="W-CED", measure="RP_RATE")
    assert any("A shift started in Jul 24: recalculate the limits from there?" in m.value for m in at.markdown)
    button(at, "Recalculate the limits from Jul 24").click().run()
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any("Give a reason" in e for e in errors)
    assert stored(demo_db).query("unit == 'W-CED'").empty
