"""Page set-up and the shared selection: organisation → directorate → team (→ measure).

Every page starts with ``page(title)``: it sets the page up, opens the store (creating the
demo organisation on a new database), draws the selector in the sidebar and keeps it in the
address bar, so every view is a link. Data is read through the returned ``Selection``, which
applies "Show data as it was on" to every read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from qi_dash.analysis import MeasureView
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.store import as_of_end_of
from qi_dash.ui import session, signin
from qi_dash.ui.widgets import markdown_text

ALL = ""  # the "whole directorate / organisation" choice in the selector
QUERY_KEYS = ("org", "dir", "team", "measure", "as_of")
PAGES = (
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Team.py", "Team", ":material/groups:"),
    ("pages/2_Measure.py", "Measure", ":material/show_chart:"),
    ("pages/3_Upload.py", "Upload", ":material/upload_file:"),
    ("pages/4_Measures.py", "Measures", ":material/menu_book:"),
    ("pages/5_Uploads.py", "Uploads", ":material/history:"),
    ("pages/6_Story.py", "Story", ":material/auto_stories:"),
    ("pages/7_Glossary.py", "Glossary", ":material/dictionary:"),
    ("pages/8_Funnel.py", "Funnel", ":material/filter_list:"),
    ("pages/9_Multiples.py", "Multiples", ":material/grid_view:"),
    ("pages/10_Admin.py", "Admin", ":material/admin_panel_settings:"),
)
ADMIN_ONLY = {"Admin"}


@dataclass(frozen=True)
class Selection:
    path: str
    version: int
    org: str
    directorate: str
    team: str
    measure: str
    hierarchy: Hierarchy
    as_of: date | None = None

    @property
    def as_of_moment(self):
        """The end of the chosen day, for reading data as it stood then (None: now)."""
        return None if self.as_of is None else as_of_end_of(self.as_of)

    @property
    def unit(self) -> str:
        """The most specific unit chosen."""
        return self.team or self.directorate or self.org

    @property
    def level(self) -> str:
        return "team" if self.team else "directorate" if self.directorate else "organisation"

    def name(self, code: str | None = None) -> str:
        return self.hierarchy.name(code or self.unit)

    @property
    def team_codes(self) -> tuple[str, ...]:
        return tuple(self.hierarchy.teams_under(self.unit))

    def definitions(self) -> list[MeasureDefinition]:
        return session.definitions(self.path, self.version)

    def definition(self) -> MeasureDefinition | None:
        return next((d for d in self.definitions() if d.code == self.measure), None)

    # Reads through the selection: its teams, as they stood on the chosen day.

    def observations(self) -> pd.DataFrame:
        return session.observations(self.path, self.version, self.team_codes, self.as_of_moment)

    def views(self, measure_codes: tuple[str, ...]) -> list[MeasureView]:
        return session.views(self.path, self.version, self.team_codes, measure_codes, self.as_of_moment, self.unit)

    def pdsa_cycles(self) -> pd.DataFrame:
        """The PDSA cycles the unit's charts show, numbered (``pdsa.cycles_for_unit``)."""
        return session.pdsa_cycles(self.path, self.version, self.unit, self.as_of_moment)

    def link(self, **changes: str) -> dict[str, str]:
        """Query parameters for a link to another view of the same selection."""
        params = {"org": self.org, "dir": self.directorate, "team": self.team, "measure": self.measure,
                  "as_of": self.as_of.isoformat() if self.as_of else ""}
        params.update(changes)
        return {k: v for k, v in params.items() if v}


# Streamlit leaves 6rem above a page; 3.5rem clears its header and gives a 720-pixel-high
# projector screen more of the page. Huddle mode's own padding comes later, so it wins.
_PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
</style>"""


NO_ORGANISATION = "No organisation yet: upload a hierarchy or data on the Upload page."

def page(title: str, *, pick_measure: bool = False, write_url: bool = True, of_a_unit: bool = False) -> Selection:
    """Set up a page and return the shared selection. ``write_url=False`` leaves the address as
    it came (writing it would drop a ``#term`` the Glossary page must scroll to). A page
    ``of_a_unit`` (its charts, funnel, story) says so and stops while there is no organisation
    yet, rather than draw its headings for no one."""
    icon = next(i for _, label, i in PAGES if label == title)
    if title != "Upload":
        session.forget_upload()  # an upload left unsaved is abandoned
    st.set_page_config(page_title=f"{title} · qi-dash", page_icon=icon, layout="wide")
    st.html(_PAGE_CSS)
    navigation = st.sidebar.container()
    signin.sidebar()
    path = session.database_path()
    store = session.store()  # opens (and on a new database, creates the demo) before anything reads
    version = store.data_version()
    tree = session.hierarchy(path, version)
    _seed_from_url()

    st.sidebar.markdown("### Where")
    orgs = tree.organisations
    org = _pick("Organisation", orgs, "org", tree.name) if orgs else ALL
    directorate = _pick("Directorate", [ALL, *tree.children(org)], "dir", lambda c: tree.name(c) if c else "All directorates")
    team = _pick("Team", [ALL, *tree.teams_under(directorate or org)], "team", lambda c: tree.name(c) if c else "All teams")
    if team and not directorate:
        directorate = tree.parent(team)
    measure_defs = session.definitions(path, version)
    measure = st.session_state.get("sel_measure", "")
    if pick_measure and measure_defs:
        measure_names = {d.code: d.name for d in measure_defs}
        reported = session.reported_measures(path, version, team or directorate or org)
        if reported and st.session_state.get("sel_measure") not in reported:
            # Opening a unit's measure shows one it reports, not "No data yet".
            st.session_state["sel_measure"] = next(code for code in measure_names if code in reported)
        measure = _pick("Measure", list(measure_names), "measure", measure_names.get)

    selection = Selection(path, version, org, directorate, team, measure, tree, _as_of())
    if write_url:
        _write_url(selection)
    _navigation(navigation, selection)
    if of_a_unit and not org:
        st.info(NO_ORGANISATION)
        st.stop()
    return selection


def breadcrumb(selection: Selection) -> None:
    """Where the view is, each step a link to that unit (its matrix, or a team's page)."""
    tree = selection.hierarchy
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for i, code in enumerate(tree.path_to(selection.unit)):
            if i:
                st.caption("›", width="content")
            level = tree.level(code)
            where = {"dir": code, "team": ""} if level == "directorate" else {"team": code} if level == "team" else {
                "dir": "", "team": ""}
            st.page_link("pages/1_Team.py" if level == "team" else "app.py", label=markdown_text(tree.name(code)),
                         query_params=selection.link(**where), width="content")
    as_of_notice(selection)


def as_of_notice(selection: Selection) -> None:
    """Say plainly when the data shown is not as it is now."""
    if selection.as_of:
        st.warning(f"Showing the data as it was at the end of {selection.as_of:%d/%m/%Y}. Clear the date in the sidebar to see it as it is now.")


def _seed_from_url() -> None:
    """Take the selection from the address bar on a session's first run, and whenever the
    address changed since the app last wrote it: Back, Forward or a link within the tab."""
    in_url = {key: st.query_params[key] for key in QUERY_KEYS if key in st.query_params}
    if st.session_state.get("_written") == in_url:
        return
    for key in QUERY_KEYS:
        st.session_state[f"sel_{key}"] = in_url.get(key, ALL if key != "as_of" else None)


def _pick(label: str, options: list[str], key: str, name: Callable[[str], str]) -> str:
    """A sidebar select bound to a plain session key (which survives page switches)."""
    if st.session_state.get(f"sel_{key}") not in options:
        st.session_state[f"sel_{key}"] = options[0] if options else ALL
    st.session_state[f"w_{key}"] = st.session_state[f"sel_{key}"]

    def keep():
        st.session_state[f"sel_{key}"] = st.session_state[f"w_{key}"]

    st.sidebar.selectbox(label, options, key=f"w_{key}", format_func=name, on_change=keep)
    return st.session_state[f"sel_{key}"]


def _navigation(container, selection: Selection) -> None:
    """Page links that carry the selection, so moving between pages keeps the view."""
    with container:
        st.markdown("### qi-dash")
        for script, label, icon in PAGES:
            if label in ADMIN_ONLY and not signin.current().is_administrator:
                continue
            st.page_link(script, label=label, icon=icon, query_params=selection.link())
        st.divider()


def _as_of() -> date | None:
    """An optional day to show the data as it was then (undo and corrections are visible)."""
    seeded = st.session_state.get("sel_as_of")
    if isinstance(seeded, str):
        try:
            st.session_state["sel_as_of"] = date.fromisoformat(seeded)
        except ValueError:
            st.session_state["sel_as_of"] = None
    st.session_state["w_as_of"] = st.session_state.get("sel_as_of")

    def keep():
        st.session_state["sel_as_of"] = st.session_state["w_as_of"]

    st.sidebar.date_input(
        "Show data as it was on", key="w_as_of", format="DD/MM/YYYY", on_change=keep,
        help="Leave empty for the data as it is now.",
    )
    return st.session_state.get("sel_as_of")


def _write_url(selection: Selection) -> None:
    """Keep the address bar the selection's link; a change the browser keeps as a history entry."""
    wanted = selection.link()
    if {k: v for k, v in st.query_params.items() if k in QUERY_KEYS} != wanted:
        # One write of the whole set: one history entry per change, not one per key.
        st.query_params.from_dict({**{k: v for k, v in st.query_params.items() if k not in QUERY_KEYS}, **wanted})
    st.session_state["_written"] = wanted
