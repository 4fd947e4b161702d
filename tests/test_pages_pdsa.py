"""PDSA cycles on the pages (AppTest): added and edited under the charts, refused with the
reason, marked on the linked charts, and told as a story on the Story page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from qi_dash.chart_cycles import CYCLES_TRACE
from qi_dash.store import Store
from tests.apptest import board_charts, button, charts, html_tables, no_errors, opened


def cycle_markers(at) -> dict[str, list[str]]:
    """Each chart's title → the legend names of its PDSA cycle markers."""
    return {f["layout"]["title"]["text"]: [name for t in f["data"] if t.get("meta") == CYCLES_TRACE
                                           for name in t["customdata"]]
            for f in board_charts(at)}


def stored_cycles(db):
    st.cache_resource.clear()  # the app's store holds the file open
    store = Store.open(db)
    try:
        return store.pdsa_cycles()
    finally:
        store.close()


def test_a_cycle_added_on_the_team_page_is_marked_on_its_linked_chart_only(app, demo_db):
    at = opened(app("pages/1_Team.py", team="W-OAK"), "pdsa_forms")
    assert not any(cycle_markers(at).values())
    assert at.subheader[-1].value == "PDSA cycles (0)"
    at.text_input(key="pdsa_0_title").set_value("Protected mealtimes")
    at.multiselect(key="pdsa_0_measures").set_value(["RP_RATE"])
    at.text_area(key="pdsa_0_prediction").set_value("Fewer incidents at lunchtime")
    at.date_input(key="pdsa_0_plan_date").set_value(date(2025, 5, 1))
    at.date_input(key="pdsa_0_do_date").set_value(date(2025, 6, 2))
    button(at, "Save PDSA cycle").click().run()
    no_errors(at)
    assert "Saved the PDSA cycle “Protected mealtimes”" in at.success[0].value
    markers = cycle_markers(at)
    assert markers["Restrictive practice incidents per 1,000 occupied bed days"] == [
        "1. Protected mealtimes (… still running)"]
    assert sum(len(names) for names in markers.values()) == 1
    assert html_tables(at)[-1]["Cycle"].tolist() == ["Protected mealtimes"]
    (saved,) = stored_cycles(demo_db).query("unit == 'W-OAK'").to_dict("records")
    assert (saved["unit"], saved["measures"], saved["recorded_by"]) == ("W-OAK", ["RP_RATE"], "local user")


def test_a_cycle_with_steps_out_of_order_is_refused_with_the_reason_and_nothing_saved(app, demo_db):
    at = opened(app("pages/1_Team.py", team="W-OAK"), "pdsa_forms")
    at.text_input(key="pdsa_0_title").set_value("Protected mealtimes")
    at.date_input(key="pdsa_0_plan_date").set_value(date(2025, 6, 2))
    at.date_input(key="pdsa_0_study_date").set_value(date(2025, 5, 1))
    button(at, "Save PDSA cycle").click().run()
    no_errors(at)
    assert "The cycle was not saved" in at.error[0].value
    assert r"The Study date \(01/05/2025\) is before the Plan date \(02/06/2025\)" in at.error[0].value
    at.text_input(key="pdsa_0_title").set_value("")
    button(at, "Save PDSA cycle").click().run()
    assert "Give the cycle a short title" in at.error[0].value
    assert stored_cycles(demo_db).query("unit == 'W-OAK'").empty


def test_editing_a_cycle_starts_from_what_it_says_and_keeps_its_history(app, demo_db):
    at = opened(app("pages/1_Team.py", team="W-ASH"), "pdsa_forms")
    cycles = stored_cycles(demo_db).set_index("title")
    running = int(cycles.loc["Quiet nights: lights down and noise low from 23:00", "cycle_id"])
    at.selectbox(key="pdsa_choice").set_value(running).run()
    key = f"pdsa_{running}"
    assert at.text_input(key=f"{key}_title").value == "Quiet nights: lights down and noise low from 23:00"
    assert at.multiselect(key=f"{key}_measures").value == ["PRN"]
    assert at.date_input(key=f"{key}_do_date").value == date(2025, 9, 1)
    at.date_input(key=f"{key}_study_date").set_value(date(2025, 10, 27))
    at.text_area(key=f"{key}_learned").set_value("Fewer doses at night; the torch rounds woke fewer patients.")
    at.selectbox(key=f"{key}_decision").set_value("adopt")
    button(at, "Save PDSA cycle").click().run()
    no_errors(at)
    assert "Saved the PDSA cycle" in at.success[0].value
    history = at.dataframe[-1].value
    assert history["Version"].tolist() == [2, 1]
    assert history["By"].tolist() == ["local user", "demo"]
    assert history["Decision"].tolist() == ["✓ adopt", "… still running"]
    # Sixth on Ash Ward's charts: the acute directorate's debriefs (March 2025) came before it.
    prn = cycle_markers(at)["As-required (PRN) doses for agitation"]
    assert prn == ["6. Quiet nights: lights down and noise low from 23:00 (✓ adopt)"]


def test_the_story_page_tells_each_cycle_in_order_under_the_chart(viewer):
    at = no_errors(viewer("pages/6_Story.py", team="W-ASH", measure="HUDDLES"))
    assert at.title[0].value == r"Ash Ward: Safety huddles held"
    assert [h.value for h in at.subheader] == [
        "1. Morning safety huddle at handover (↻ adapt)",
        r"2. Twice\-daily safety huddles (✓ adopt)",  # user text is escaped for markdown
        "3. Weekend huddles led by healthcare assistants (✗ abandon)",
    ]
    text = " ".join(m.value for m in at.markdown)
    for part in ("**What we tried.**", "**What we predicted.**", "**What happened.**", "**What we learned.**",
                 "**Decision: ✓ adopt.**"):
        assert part in text
    assert text.index("Mornings work") < text.index("Timing was everything")
    (figure,) = charts(at)
    (labels,) = [t["text"] for t in figure["data"] if t.get("meta") == CYCLES_TRACE]
    assert labels == ["1↻", "2✓", "3✗"]
    assert figure["layout"]["width"] == 760  # a fixed size, to print as it shows
    assert any("@media print" in h.proto.body for h in at.get("html"))


def test_a_directorate_measure_shows_its_own_and_its_teams_cycles_naming_whose(viewer):
    at = no_errors(viewer("pages/2_Measure.py", dir="DIR-ACU", measure="DEBRIEF"))
    (names,) = cycle_markers(at).values()
    assert any(n.endswith("Ash Ward: Safewards: calm-down methods and mutual expectations (✓ adopt)") for n in names)
    assert any(n.endswith(". Debriefs led by psychology across the acute wards (↻ adapt)") for n in names)
    table = next(t for t in html_tables(at) if "Whose" in t)
    assert set(table["Whose"]) == {"", "Ash Ward"}
    story = next(link.proto for link in at.get("page_link") if link.proto.label == "Read the improvement story")
    assert (story.page, story.query_string) == ("Story", "org=ORG&dir=DIR-ACU&measure=DEBRIEF")


