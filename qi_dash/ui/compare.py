"""What the Funnel and Multiples pages share: the teams being compared, their results read once
per data version, links that open a team's chart in the same tab, and the list of teams to
learn from."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
import streamlit as st

from qi_dash import comparison
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import SPCBatch
from qi_dash.teams_to_learn_from import teams_to_learn_from
from qi_dash.ui import session
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import html_text, markdown_text, page_href

MEASURE_PAGE = "pages/2_Measure.py"
FOLD_AFTER = 10  # a longer list of teams to learn from is folded in an expander


@dataclass(frozen=True)
class Compared:
    """The unit whose teams are compared (a team's directorate when a team is chosen)."""

    unit: str
    team_codes: tuple[str, ...]
    names: dict[str, str]


def compared(selection: Selection) -> Compared:
    tree = selection.hierarchy
    unit = selection.directorate if selection.level == "team" else selection.unit
    teams = tuple(tree.teams_under(unit))
    return Compared(unit, teams, {t: tree.name(t) for t in teams})


def introduce(selection: Selection, group: Compared) -> None:
    """Say which teams are compared, and why a chosen team's whole directorate is shown."""
    words = f"{len(group.team_codes)} teams of **{markdown_text(selection.name(group.unit))}**"
    if selection.level == "team":
        words += f" (the directorate of {markdown_text(selection.name())}, to compare it with its neighbours)"
    st.markdown(f"Comparing the {words}.")


def header(selection: Selection, definitions: list[MeasureDefinition], *, none: str, key: str,
           widths: list[int]) -> tuple[Compared, MeasureDefinition, list] | None:
    """The teams compared, said in words, and a measure picked from ``definitions`` (starting
    from the sidebar's measure when it is one of them) in the first of the columns of
    ``widths``; returns the other columns for the page's own controls. None (and ``none``
    said) when there is no measure to pick."""
    if not definitions:
        st.info(none)
        return None
    group = compared(selection)
    introduce(selection, group)
    first, *others = st.columns(widths, vertical_alignment="bottom")
    codes = [d.code for d in definitions]
    by_code = {d.code: d for d in definitions}
    start = codes.index(selection.measure) if selection.measure in codes else 0
    code = first.selectbox("Measure", codes, index=start, key=key, format_func=lambda c: by_code[c].name)
    return group, by_code[code], others


def no_data(selection: Selection, group: Compared, definition: MeasureDefinition) -> None:
    st.info(f"No team of {markdown_text(selection.name(group.unit))} has data for "
            f"{markdown_text(definition.name)} yet.")


@st.cache_data(max_entries=32, show_spinner=False)
def _team_results(path: str, version: int, team_codes: tuple[str, ...], code: str, as_of: datetime | None) -> SPCBatch:
    frame = session.observations(path, version, team_codes, as_of)
    definition = next(d for d in session.definitions(path, version) if d.code == code)
    return comparison.team_results(frame, definition, list(team_codes))


def team_results(selection: Selection, group: Compared, definition: MeasureDefinition) -> SPCBatch:
    """Every team's own SPC result for the measure, computed once per data version."""
    return _team_results(selection.path, selection.version, group.team_codes, definition.code, selection.as_of_moment)


@st.cache_data(max_entries=32, show_spinner=False)
def _learning(path: str, version: int, team_codes: tuple[str, ...], code: str, as_of: datetime | None,
              names: dict[str, str], funnel: pd.DataFrame | None, funnel_period: str) -> pd.DataFrame:
    definition = next(d for d in session.definitions(path, version) if d.code == code)
    return teams_to_learn_from(
        definition, names, results=_team_results(path, version, team_codes, code, as_of), funnel=funnel,
        funnel_period=funnel_period, changes=session.teams_pdsa_cycles(path, version, team_codes, as_of),
    )


def teams_to_learn(selection: Selection, group: Compared, definition: MeasureDefinition,
                   funnel: pd.DataFrame | None = None, funnel_period: str = "") -> pd.DataFrame:
    """The teams to learn from (``teams_to_learn_from``), worked out once per data version and funnel."""
    return _learning(selection.path, selection.version, group.team_codes, definition.code, selection.as_of_moment,
                     group.names, funnel, funnel_period)


def observations(selection: Selection, group: Compared) -> pd.DataFrame:
    return session.observations(selection.path, selection.version, group.team_codes, selection.as_of_moment)


def measure_href(selection: Selection, team: str, measure: str) -> str:
    """A link to the team's chart of the measure, keeping the organisation and the as-of day."""
    tree = selection.hierarchy
    query = {"org": selection.org, "dir": tree.parent(team), "team": team, "measure": measure,
             "as_of": selection.as_of.isoformat() if selection.as_of else ""}
    return page_href("Measure", query)


def team_link(selection: Selection, group: Compared, team: str, measure: str) -> str:
    """HTML of a link to the team's chart that opens in this tab (user text escaped)."""
    return (f'<a href="{html.escape(measure_href(selection, team, measure))}" target="_self">'
            f"{html_text(group.names.get(team, team))}</a>")


def open_measure(selection: Selection, team: str, measure: str) -> None:
    """Open the team's chart of the measure in this tab and session (a click on a chart)."""
    tree = selection.hierarchy
    st.session_state.update({"sel_org": selection.org, "sel_dir": tree.parent(team), "sel_team": team,
                             "sel_measure": measure})
    st.switch_page(MEASURE_PAGE)


def clicked_team(event) -> str | None:
    """The unit code of the point clicked on a chart whose points carry it as customdata."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        code = point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if isinstance(code, str) and code:
            return code
    return None


def learning_list(selection: Selection, group: Compared, definition: MeasureDefinition, teams: pd.DataFrame) -> None:
    """Teams to learn from: each a link to its chart, why, and the tests of change it recorded
    (folded away when there are many, so the page stays short)."""
    st.subheader("Teams to learn from")
    if teams.empty:
        st.caption(
            "No team shows special cause improvement in its current phase, or sits outside the funnel on the "
            "better side, for this measure." if definition.direction != "neutral" else
            "This measure has no better direction, so no team stands out as one to learn from."
        )
        return
    st.caption("Teams whose own chart shows special cause improvement in its current phase, or that sit outside "
               "the funnel on the better side. Ask them what they changed.")
    items = []
    for row in teams.itertuples(index=False):
        reasons = "".join(f"<li>{html_text(r)}</li>" for r in row.reasons)
        changes = (
            "<li>Tests of change: " + "; ".join(html_text(c) for c in row.tests_of_change) + "</li>"
            if row.tests_of_change else "<li>No tests of change recorded.</li>"
        )
        items.append(f"<li>{team_link(selection, group, row.unit, definition.code)}<ul>{reasons}{changes}</ul></li>")
    body = f'<ul class="teams-to-learn-from">{"".join(items)}</ul>'
    if len(items) > FOLD_AFTER:
        with st.expander(f"{len(items)} teams to learn from", expanded=False):
            st.markdown(body, unsafe_allow_html=True)
    else:
        st.markdown(body, unsafe_allow_html=True)
