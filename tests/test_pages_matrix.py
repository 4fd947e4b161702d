"""Home's roll-up matrix run by AppTest on the demo organisation: directorates, drill-down to
teams, filters, sort, words on hover, links that stay in the tab, downloads; and the
breadcrumb and Measure page that keep the visitor's place."""

from __future__ import annotations

import html
import re

from tests.apptest import no_errors

# The demo database and its caches, shared with the other pages' tests.


def _matrix(at) -> str:
    return at.get("html")[0].proto.body


def _rows(body: str) -> list[str]:
    """The row units' names, in order."""
    return [html.unescape(n) for n in re.findall(r'<th class="unit"><a [^>]*>([^<]*)</a></th>', body)]


def _cell_titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<td title="([^"]*)"', body)]


def test_the_organisation_matrix_has_a_row_per_directorate_and_measure_names_by_family(viewer):
    at = no_errors(viewer())
    body = _matrix(at)
    assert _rows(body) == ["Adult Acute Inpatients", "Community Services", "Forensic Services",
                           "Older Adult & Learning Disability"]
    families = re.findall(r'<th colspan="\d+">([^<]*)</th>', body)
    assert families == ["Outcome measures", "Process measures", "Balancing measures"]
    assert "Restrictive practice incidents per 1,000 occupied bed days</th>" in body
    assert "RP_RATE</th>" not in body  # names, not codes
    # Each directorate's cell says its own icons and how its teams stand, in words.
    acute = next(t for t in _cell_titles(body) if t.startswith("Adult Acute Inpatients · Restrictive practice"))
    assert "Of 4 teams:" in acute and "special cause improvement" in acute
    # The legend says why cells have no icon.
    legend = at.caption[0].value
    assert "No icon" in legend and "no target" in legend


def test_a_cell_and_a_directorate_link_stay_in_the_tab_and_open_the_unit(viewer):
    body = _matrix(no_errors(viewer()))
    assert '<a href="./?org=ORG&amp;dir=DIR-FOR" target="_self">Forensic Services</a>' in body
    assert '<a href="./Measure?org=ORG&amp;dir=DIR-ACU&amp;measure=RP_RATE" target="_self">' in body
    assert 'target="_blank"' not in body


def test_opening_a_directorate_shows_its_teams_each_linking_to_its_page(viewer):
    at = no_errors(viewer(dir="DIR-ACU"))
    body = _matrix(at)
    assert _rows(body) == ["Ash Ward", "Birch Ward", "Cedar Ward", "Hazel Ward (PICU)"]
    assert '<a href="./Team?org=ORG&amp;dir=DIR-ACU&amp;team=W-ASH" target="_self">Ash Ward</a>' in body
    assert '<a href="./Measure?org=ORG&amp;dir=DIR-ACU&amp;team=W-CED&amp;measure=RP_RATE" target="_self">' in body
    assert "Of 4 teams" not in body  # a team has no teams to count


def test_filters_narrow_rows_and_columns_and_sort_puts_most_concern_first(viewer):
    at = no_errors(viewer(dir="DIR-ACU"))
    at.selectbox(key="matrix_family").set_value("balancing").run()
    body = _matrix(no_errors(at))
    assert re.findall(r'<th colspan="\d+">([^<]*)</th>', body) == ["Balancing measures"]
    at.text_input(key="matrix_name").input("PRN").run()
    titles = _cell_titles(_matrix(no_errors(at)))
    assert titles and all(" · As-required (PRN) doses for agitation: " in t for t in titles)
    at.text_input(key="matrix_name").input("").run()
    at.selectbox(key="matrix_family").set_value(None).run()
    at.button_group(key="matrix_only").set_value(["concern"]).run()
    concern = _rows(_matrix(no_errors(at)))
    assert "Cedar Ward" in concern and len(concern) < 4
    for row in concern:
        assert any(t.startswith(f"{row} · ") and "Special cause concern" in t for t in _cell_titles(_matrix(at)))
    at.button_group(key="matrix_only").set_value([]).run()
    at.selectbox(key="matrix_sort").set_value("concern").run()
    assert _rows(_matrix(no_errors(at)))[0] == "Cedar Ward"
    at.text_input(key="matrix_name").input("no such measure").run()
    assert "No row or measure matches these filters." in [i.value for i in no_errors(at).info]


def test_the_sort_and_filters_sit_in_a_popover_whose_label_says_what_is_chosen(viewer):
    def label(at) -> str:
        (popover,) = at.get("popover")
        return popover.proto.popover.label

    at = no_errors(viewer(dir="DIR-ACU"))
    assert label(at) == "Sort and filter: All measures · rows by name"
    at.selectbox(key="matrix_family").set_value("process").run()
    at.text_input(key="matrix_name").input("safety_plan*").run()
    at.button_group(key="matrix_only").set_value(["concern", "failing"]).run()
    at.selectbox(key="matrix_sort").set_value("improvement").run()
    # The visitor's text is shown as typed, never as Markdown.
    assert label(no_errors(at)) == (
        "Sort and filter: Process measures · names with “safety\\_plan\\*” · only rows with special cause concern "
        "and failing the target · rows by most special cause improvement")


def test_the_matrix_downloads_as_csv_and_xlsx(viewer):
    at = no_errors(viewer(dir="DIR-ACU"))
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) >= {"Download CSV", "Download xlsx"}


def test_the_breadcrumb_links_every_step(viewer):
    at = no_errors(viewer("pages/2_Measure.py", team="W-ASH", measure="RP_RATE"))
    crumbs = [(link.proto.label, link.proto.query_string) for link in at.get("page_link")][:3]
    assert [label for label, _ in crumbs] == ["Riverside NHS Foundation Trust", "Adult Acute Inpatients", "Ash Ward"]
    assert "dir=DIR-ACU" in crumbs[1][1] and "team" not in crumbs[1][1]
    assert "team=W-ASH" in crumbs[2][1]


def test_team_to_measure_opens_a_measure_the_team_reports(viewer):
    # Community teams report no inpatient measures: the first measure (hours in seclusion) is not theirs.
    at = no_errors(viewer("pages/2_Measure.py", team="CMHT-N"))
    assert "No data yet." not in [i.value for i in at.info]
    assert at.query_params["measure"] in {"SAFETY_PLAN", "SAFE_SCORE", "HUDDLES", "SICKNESS"}
