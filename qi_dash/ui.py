"""The one Streamlit module: page set-up, the shared selection, cached reads and widgets.

Every page starts with ``page(title)``: it sets the page up, opens the store (creating the
demo organisation on a new database), draws the organisation → directorate → team (→ measure)
selector in the sidebar and keeps it in the URL query string, so every view is a link.
"""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from qi_dash import bootstrap, charts, exports, guide, hierarchy, icons, overview, periods
from qi_dash.analysis import MeasureView, measure_view
from qi_dash.definitions import (
    AGGREGATIONS,
    CHARTS,
    DIRECTIONS,
    FAMILIES,
    FIELD_HELP,
    FREQUENCIES,
    KINDS,
    RUN_RULES,
    DefinitionError,
    MeasureDefinition,
    parse_definition,
    read_definitions,
    write_definitions,
)
from qi_dash.ingest.mapping import load_spec_bytes, spec_signature, validate_spec
from qi_dash.problems import InputError
from qi_dash.store import Store, StoreConflict, StoreError, as_of_end_of
from qi_dash.upload import UploadPlan, commit, plan_upload
from qi_dash.vocabulary import FAMILY_TITLES

ALL = ""  # the "whole directorate / organisation" choice in the selector
QUERY_KEYS = ("org", "dir", "team", "measure", "as_of")
PAGES = (
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Team.py", "Team", ":material/groups:"),
    ("pages/2_Measure.py", "Measure", ":material/show_chart:"),
    ("pages/3_Upload.py", "Upload", ":material/upload_file:"),
    ("pages/4_Measures.py", "Measures", ":material/menu_book:"),
    ("pages/5_Uploads.py", "Uploads", ":material/history:"),
)


def database_path() -> str:
    return os.environ.get("QI_DASH_DB") or str(bootstrap.DEFAULT_DB)


@st.cache_resource(on_release=lambda store: store.close())
def _store(path: str) -> Store:
    store = Store.open(path)
    if bootstrap.is_new(store):
        bootstrap.load_demo(store)
    return store


def store() -> Store:
    return _store(database_path())


# -- cached reads: keyed by the data version, so a save anywhere refreshes every session ----


@st.cache_data(max_entries=8, show_spinner=False)
def units(path: str, version: int) -> pd.DataFrame:
    return _store(path).units()


@st.cache_data(max_entries=8, show_spinner=False)
def definitions(path: str, version: int) -> list[MeasureDefinition]:
    return _store(path).definitions()


@st.cache_data(max_entries=32, show_spinner=False)
def observations(path: str, version: int, team_codes: tuple[str, ...], as_of=None) -> pd.DataFrame:
    return _store(path).observations(units=list(team_codes), as_of=as_of)


@st.cache_data(max_entries=64, show_spinner=False)
def views(path: str, version: int, team_codes: tuple[str, ...], measure_codes: tuple[str, ...], as_of=None) -> list[MeasureView]:
    frame = observations(path, version, team_codes, as_of)
    by_code = {d.code: d for d in definitions(path, version)}
    return [measure_view(frame, by_code[code], list(team_codes)) for code in measure_codes]


@st.cache_data(max_entries=8, show_spinner=False)
def icon_matrix(path: str, version: int, team_codes: tuple[str, ...]) -> pd.DataFrame:
    frame = observations(path, version, team_codes)
    return overview.icon_matrix(frame, definitions(path, version))


@st.cache_data(max_entries=16, show_spinner=False)
def tests_of_change(path: str, version: int, team_codes: tuple[str, ...]) -> pd.DataFrame:
    return _store(path).tests_of_change(list(team_codes))


# -- the selection --------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    path: str
    version: int
    org: str
    directorate: str
    team: str
    measure: str
    units: pd.DataFrame
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
        code = code or self.unit
        names = dict(zip(self.units["code"], self.units["name"]))
        return names.get(code, code)

    @property
    def team_codes(self) -> tuple[str, ...]:
        return tuple(hierarchy.teams_under(self.units, self.unit))

    def definitions(self) -> list[MeasureDefinition]:
        return definitions(self.path, self.version)

    def definition(self) -> MeasureDefinition | None:
        return next((d for d in self.definitions() if d.code == self.measure), None)

    def link(self, **changes: str) -> dict[str, str]:
        """Query parameters for a link to another view of the same selection."""
        params = {"org": self.org, "dir": self.directorate, "team": self.team, "measure": self.measure,
                  "as_of": self.as_of.isoformat() if self.as_of else ""}
        params.update(changes)
        return {k: v for k, v in params.items() if v}


def _seed_from_url() -> None:
    if st.session_state.get("_seeded"):
        return
    for key in QUERY_KEYS:
        if key in st.query_params:
            st.session_state[f"sel_{key}"] = st.query_params[key]
    st.session_state["_seeded"] = True


def _pick(label: str, options: list[str], key: str, names: dict[str, str]) -> str:
    """A sidebar select bound to a plain session key (which survives page switches)."""
    if st.session_state.get(f"sel_{key}") not in options:
        st.session_state[f"sel_{key}"] = options[0] if options else ALL
    st.session_state[f"w_{key}"] = st.session_state[f"sel_{key}"]

    def keep():
        st.session_state[f"sel_{key}"] = st.session_state[f"w_{key}"]

    st.sidebar.selectbox(label, options, key=f"w_{key}", format_func=lambda c: names.get(c, c), on_change=keep)
    return st.session_state[f"sel_{key}"]


def page(title: str, *, pick_measure: bool = False) -> Selection:
    """Set up a page and return the shared selection."""
    icon = next(i for _, label, i in PAGES if label == title)
    st.set_page_config(page_title=f"{title} · qi-dash", page_icon=icon, layout="wide")
    navigation = st.sidebar.container()
    path = database_path()
    store()  # opens (and on a new database, creates the demo) before anything reads
    version = _store(path).data_version()
    all_units = units(path, version)
    _seed_from_url()

    names = dict(zip(all_units["code"], all_units["name"]))
    st.sidebar.markdown("### Where")
    orgs = all_units.loc[all_units["level"] == "organisation", "code"].tolist()
    org = _pick("Organisation", orgs, "org", names) if orgs else ALL
    dirs = hierarchy.children(all_units, org)["code"].tolist()
    names[ALL] = "All directorates"
    directorate = _pick("Directorate", [ALL, *dirs], "dir", names)
    team_parent = [directorate] if directorate else dirs
    teams = all_units[all_units["parent"].isin(team_parent) & (all_units["level"] == "team")].sort_values("name")
    team_names = {**names, ALL: "All teams"}
    team = _pick("Team", [ALL, *teams["code"].tolist()], "team", team_names)
    if team and not directorate:
        directorate = dict(zip(all_units["code"], all_units["parent"]))[team]
    measure_defs = definitions(path, version)
    measure = st.session_state.get("sel_measure", "")
    if pick_measure and measure_defs:
        measure_names = {d.code: d.name for d in measure_defs}
        measure = _pick("Measure", list(measure_names), "measure", measure_names)

    selection = Selection(path, version, org, directorate, team, measure, all_units, _as_of())
    _write_url(selection)
    _navigation(navigation, selection)
    return selection


def _navigation(container, selection: Selection) -> None:
    """Page links that carry the selection, so moving between pages keeps the view."""
    with container:
        st.markdown("### qi-dash")
        for script, label, icon in PAGES:
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
    wanted = selection.link()
    for key in QUERY_KEYS:
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def icon_uri(code: str, kind: str) -> str:
    """An icon as a data URI, for image cells in a table."""
    svg = icons.icon_svg(code, 40, kind=kind)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def variation_matrix(selection: Selection) -> None:
    """Teams × measures, each cell the measure's variation icon; a link opens the team."""
    matrix = icon_matrix(selection.path, selection.version, selection.team_codes)
    if matrix.empty:
        st.info("No data yet.")
        return
    defs = [d for d in selection.definitions() if d.code in set(matrix["measure"])]
    grid = matrix.pivot(index="unit", columns="measure", values="variation_icon")
    names = dict(zip(selection.units["code"], selection.units["name"]))
    parents = dict(zip(selection.units["code"], selection.units["parent"]))
    table = pd.DataFrame({
        # The fragment carries the team's name for the link text; the app ignores it.
        "Team": [f"./Team?team={code}&dir={parents[code]}&org={selection.org}#{names.get(code, code)}" for code in grid.index],
        "_order": [(names.get(parents[c], ""), names.get(c, c)) for c in grid.index],
    })
    for d in defs:
        # An empty cell: the team does not report this measure.
        table[d.name] = [icon_uri(c, "variation") if isinstance(c, str) else "" for c in grid[d.code]]
    # Teams by directorate, then name: the sidebar narrows to one directorate.
    table = table.sort_values("_order", ignore_index=True).drop(columns="_order")
    config = {
        "Team": st.column_config.LinkColumn("Team", display_text=r"#(.*)$", width="medium"),
        **{d.name: st.column_config.ImageColumn(d.code, help=f"{d.name} · {d.direction_words}", width="small") for d in defs},
    }
    st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table), 48), column_config=config, row_height=48)
    counts = matrix["variation_icon"].value_counts()
    st.caption(" · ".join(
        f"{icons.icon_title(code, kind='variation')}: {counts.get(code, 0)}"
        for code in ("improvement_high", "improvement_low", "concern_high", "concern_low", "neutral_high", "neutral_low", "common_cause")
        if counts.get(code, 0)
    ))


def table_height(rows: int, row: int = 35, most: int = 25) -> int:
    """Pixels for a dataframe showing every row (up to ``most``, then it scrolls)."""
    return 38 + row * min(max(rows, 1), most)


def breadcrumb(selection: Selection) -> None:
    parts = [selection.name(c) for c in hierarchy.path_to(selection.units, selection.unit)]
    st.caption(" › ".join(html.escape(p) for p in parts))
    if selection.as_of:
        st.warning(f"Showing the data as it was at the end of {selection.as_of:%d/%m/%Y}. Clear the date in the sidebar to see it as it is now.")


# -- widgets --------------------------------------------------------------------------------


def icon_block(result) -> str:
    """HTML of the variation and assurance icons of a result, each with its words."""
    parts = []
    for code, kind in ((result.variation_icon, "variation"), (result.assurance_icon, "assurance")):
        title = html.escape(icons.icon_title(code, kind=kind))
        parts.append(
            f'<div style="text-align:center;margin-bottom:0.6rem" title="{title}">{icons.icon_svg(code, 56, kind=kind)}'
            f'<div style="font-size:0.75rem;line-height:1.1;color:#425563">{title}</div></div>'
        )
    return "".join(parts)


def measure_panel(view: MeasureView, key: str, *, show_2s: bool = False, changes: pd.DataFrame | None = None, height: int = 400) -> None:
    """One measure: the chart with its signals explained, its MDC icons, and the latest value."""
    d = view.definition
    if not view.has_data:
        st.markdown(f"#### {html.escape(d.name)}")
        st.info(view.message or "No data yet.")
        return
    result = view.result
    chart, badges = st.columns([6, 1], vertical_alignment="center")
    figure = charts.spc_figure(result.points, result.phases, d, show_2s=show_2s, changes=changes, height=height)
    chart.plotly_chart(figure, key=key, config={"displaylogo": False})
    badges.markdown(icon_block(result), unsafe_allow_html=True)
    latest = view.latest
    if latest is not None:
        st.caption(
            f"Latest: **{html.escape(charts.format_value(latest['value'], d))}** "
            f"({periods.label(latest['period'], d.frequency)}). {html.escape(result.summary)}"
        )
    signals = result.points[result.points["signal"]]
    if not signals.empty:
        with st.expander(f"Why {len(signals)} point(s) are highlighted"):
            table = pd.DataFrame({
                "Period": [periods.label(p, d.frequency) for p in signals["period"]],
                "Value": [charts.format_value(v, d) for v in signals["value"]],
                "Signal": signals["reason"].tolist(),
            })
            st.dataframe(table, hide_index=True, width="stretch")


def measure_grid(views: list[MeasureView], family: str, *, show_2s: bool, changes: pd.DataFrame | None) -> None:
    """A family's measures, each chart the full width so a shared screen can read it."""
    mine = [v for v in views if v.definition.family == family and v.has_data]
    if not mine:
        return
    st.header(FAMILY_TITLES[family])
    for view in mine:
        measure_panel(view, key=f"chart_{view.definition.code}", show_2s=show_2s, changes=changes, height=380)


def not_reported(views: list[MeasureView]) -> None:
    names = [v.definition.name for v in views if not v.has_data]
    if names:
        st.caption("Not reported by this team: " + ", ".join(names) + ".")


def changes_for(selection: Selection) -> pd.DataFrame | None:
    """A team's tests of change, for its charts (none above team level: they are the team's)."""
    if selection.level != "team":
        return None
    return tests_of_change(selection.path, selection.version, selection.team_codes)


def test_of_change_form(selection: Selection) -> None:
    """Record a test of change (a PDSA cycle) so it is marked on the team's charts."""
    changes = changes_for(selection)
    with st.expander(f"Tests of change ({0 if changes is None else len(changes)})"):
        if changes is not None and not changes.empty:
            st.dataframe(
                pd.DataFrame({
                    "No.": range(1, len(changes) + 1),
                    "Date": changes["date"].dt.strftime("%d/%m/%Y"),
                    "Test of change": changes["title"],
                    "What was tried": changes["detail"].fillna(""),
                    "Recorded by": changes["recorded_by"].fillna(""),
                }),
                hide_index=True, width="stretch",
            )
        with st.form("test_of_change", clear_on_submit=True):
            left, right = st.columns([1, 3])
            when = left.date_input("Started on", format="DD/MM/YYYY")
            title = right.text_input("Test of change", max_chars=80, placeholder="e.g. Safety huddle at every handover")
            detail = st.text_area("What was tried, and the prediction", max_chars=1000)
            who = st.text_input("Your name")
            if st.form_submit_button("Record test of change"):
                if not title.strip():
                    st.error("Give the test of change a short title.")
                    return
                store().add_tests_of_change(
                    pd.DataFrame({"unit": [selection.team], "date": [when], "title": [title.strip()], "detail": [detail.strip() or None]}),
                    recorded_by=who.strip() or None,
                )
                st.rerun()


# -- upload ---------------------------------------------------------------------------------


def upload_limit_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


def template_download(selection: Selection) -> None:
    st.download_button(
        "Download the upload template (xlsx)",
        data=_template_bytes(selection.path, selection.version),
        file_name="qi-dash-template.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="One row per team, measure and period, with the team and measure lists.",
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _template_bytes(path: str, version: int) -> bytes:
    return exports.template_workbook(definitions(path, version), units(path, version))


def uploader_key() -> str:
    """A fresh uploader after each save, so the saved file is not offered again."""
    return f"upload_file_{st.session_state.get('_uploads_saved', 0)}"


def last_saved_message() -> None:
    if "last_saved" in st.session_state:
        st.success(st.session_state["last_saved"])


def plan_for(uploaded, mapping: dict | None = None) -> UploadPlan:
    """The plan for an uploaded file, kept while the file, placements and data are unchanged."""
    placements = st.session_state.get("new_teams", {})
    key = (uploaded.file_id, tuple(sorted(placements.items())), repr(mapping), store().data_version())
    cached = st.session_state.get("_plan")
    if cached is None or cached[0] != key:
        with st.spinner("Checking the file…"):
            plan = plan_upload(store(), uploaded.getvalue(), uploaded.name, mapping=mapping, new_teams=placements or None)
        st.session_state["_plan"] = (key, plan)
    return st.session_state["_plan"][1]


def show_notes(plan: UploadPlan) -> None:
    for note in plan.notes:
        st.info(note)


def show_problems(plan: UploadPlan) -> None:
    """Every problem, located by sheet, row and column; and the promise that nothing changed."""
    st.error(
        f"**{plan.file_name}** was not saved: {len(plan.problems)} problem(s) to fix. "
        "Nothing has been changed. Correct the file and upload it again."
    )
    table = pd.DataFrame(
        {
            "Sheet": [p.sheet or "" for p in plan.problems],
            "Row": [p.row if p.row is not None else "" for p in plan.problems],
            "Column": [p.column or "" for p in plan.problems],
            "Problem": [p.message for p in plan.problems],
        }
    ).astype("string")
    st.dataframe(table, hide_index=True, width="stretch")


def place_new_teams(uploaded, plan: UploadPlan, selection: Selection) -> UploadPlan:
    """Ask where each team that is new to the hierarchy belongs, then check again."""
    directorates = selection.units[selection.units["level"] == "directorate"]
    names = dict(zip(directorates["code"], directorates["name"]))
    st.warning(
        f"This file introduces {len(plan.unknown_teams)} team(s) that are not in the hierarchy yet. "
        "Place each in its directorate to add it, or correct the team names in the file."
    )
    placements = dict(st.session_state.get("new_teams", {}))
    with st.form("place_teams"):
        for team in plan.unknown_teams[:50]:
            placements[team] = st.selectbox(
                f"Directorate for the new team '{team}'", ["", *names], format_func=lambda c: names.get(c, "— choose —"),
                key=f"place_{team}",
            )
        placed = st.form_submit_button("Add these teams to the preview")
    if placed:
        st.session_state["new_teams"] = {t: d for t, d in placements.items() if d}
        st.rerun()
    return plan


def _numbers_text(numerator: pd.Series, denominator: pd.Series, value: pd.Series) -> pd.Series:
    """'12 / 640' for a numerator and denominator, '7' for a value, '' for a gap."""
    def number(v):
        return "" if pd.isna(v) else f"{v:g}"
    return pd.Series(
        [f"{number(n)} / {number(d)}" if not (pd.isna(n) and pd.isna(d)) else number(v)
         for n, d, v in zip(numerator, denominator, value)],
        index=numerator.index,
    )


def change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """What an upload would change, in words a team lead reads."""
    return pd.DataFrame({
        "Row": changes["row"],
        "Change": changes["change"],
        "Team": changes["unit"],
        "Measure": changes["measure"],
        "Period": pd.to_datetime(changes["period"]).dt.strftime("%d/%m/%Y"),
        "New": _numbers_text(changes["numerator"], changes["denominator"], changes["value"]),
        "Was": _numbers_text(changes["old_numerator"], changes["old_denominator"], changes["old_value"])
        .where(changes["change"] == "updated", ""),
        "Comment": changes["comment"].fillna(""),
        "Comment was": changes["old_comment"].fillna("").where(changes["change"] == "updated", ""),
    }).astype({"Row": "string"})


def preview_and_save(uploaded, plan: UploadPlan) -> None:
    changes = plan.changes
    added, updated, unchanged = (plan.count(c) for c in ("added", "updated", "unchanged"))
    st.subheader(f"Preview: {uploaded.name}")
    a, u, n = st.columns(3)
    a.metric("Rows to add", added)
    u.metric("Rows to update", updated)
    n.metric("Rows unchanged", unchanged)
    if plan.new_units is not None and not plan.new_units.empty:
        st.markdown(f"New teams to add: {', '.join(html.escape(t) for t in plan.new_units['name'])}")
    shown = changes[changes["change"] != "unchanged"]
    if not shown.empty:
        st.dataframe(change_table(shown.head(5000)), hide_index=True, width="stretch")
        if len(shown) > 5000:
            st.caption(f"The first 5,000 of {len(shown):,} changes are shown.")
    if added + updated == 0:
        st.success("Everything in this file is already saved: nothing to change.")
        return
    who = st.text_input("Your name (recorded with the upload)", key="uploaded_by")
    if st.button(f"Save {added + updated} change(s)", type="primary"):
        try:
            summary = commit(store(), plan, uploaded_by=who or None)
        except StoreConflict as err:
            st.error(str(err))
            return
        st.session_state["last_saved"] = f"Saved {uploaded.name}: {summary.sentence()}."
        st.session_state["_uploads_saved"] = st.session_state.get("_uploads_saved", 0) + 1
        st.session_state.pop("_plan", None)
        st.session_state.pop("new_teams", None)
        st.rerun()


# -- measure definitions ----------------------------------------------------------------------


def definitions_table(definitions: list[MeasureDefinition]) -> None:
    frame = pd.DataFrame(
        {
            "Code": [d.code for d in definitions],
            "Measure": [d.name for d in definitions],
            "Family": [d.family for d in definitions],
            "Kind": [d.kind for d in definitions],
            "Unit": [d.unit for d in definitions],
            "Frequency": [d.frequency for d in definitions],
            "Improvement": [d.direction_words for d in definitions],
            "Chart": [d.chart_name for d in definitions],
            "Across teams": [d.aggregation for d in definitions],
            "Target": [d.target for d in definitions],
            "Since": [d.valid_from for d in definitions],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=table_height(len(frame)))


def definitions_download(definitions: list[MeasureDefinition]) -> None:
    st.download_button(
        "Download the definitions (CSV)",
        data=write_definitions(definitions).encode("utf-8"),
        file_name="measures.csv",
        mime="text/csv",
    )


def definition_details(selection: Selection, definitions: list[MeasureDefinition]) -> None:
    """Each definition in words, with its version history."""
    for d in definitions:
        with st.expander(f"{d.name} ({d.code})"):
            st.markdown(html.escape(d.definition))
            st.markdown(f"**Numerator / value:** {html.escape(d.numerator)}")
            if d.denominator:
                st.markdown(f"**Denominator:** {html.escape(d.denominator)}")
            st.markdown(
                f"**Unit:** {html.escape(d.unit)} (×{d.multiplier:g}) · **{d.direction_words}** · "
                f"{d.chart_name} · rules for run charts: {d.run_rules.upper()} · "
                f"{'screened' if d.screen_moving_ranges else 'unscreened'} moving ranges"
                + (f" · limits frozen on the first {d.baseline_points} points" if d.baseline_points else "")
            )
            versions = _definition_versions(selection.path, selection.version, d.code)
            if len(versions) > 1:
                st.caption("Version history")
                st.dataframe(versions, hide_index=True, width="stretch")


@st.cache_data(max_entries=64, show_spinner=False)
def _definition_versions(path: str, version: int, code: str) -> pd.DataFrame:
    return _store(path).definition_versions(code)


def definition_form(selection: Selection, definitions: list[MeasureDefinition]) -> None:
    """A form for every field of a definition; an existing code gets a new version."""
    if "definition_saved" in st.session_state:
        st.success(st.session_state.pop("definition_saved"))
    codes = ["", *[d.code for d in definitions]]
    names = {d.code: f"{d.name} ({d.code})" for d in definitions}
    chosen = st.selectbox("Start from", codes, format_func=lambda c: names.get(c, "A new measure"), key="def_start")
    base = next((d.as_row() for d in definitions if d.code == chosen), {})
    with st.form("definition"):
        values = {}
        left, right = st.columns(2)
        values["code"] = left.text_input("Code", base.get("code", ""), help=FIELD_HELP["code"], disabled=bool(chosen))
        values["name"] = right.text_input("Name", base.get("name", ""), help=FIELD_HELP["name"])
        for column, key, options in (
            (left, "family", FAMILIES), (right, "kind", KINDS), (left, "frequency", FREQUENCIES),
            (right, "direction", DIRECTIONS), (left, "chart", CHARTS), (right, "aggregation", AGGREGATIONS),
            (left, "run_rules", RUN_RULES),
        ):
            current = base.get(key, options[0])
            values[key] = column.selectbox(key.replace("_", " ").capitalize(), options, index=options.index(current), help=FIELD_HELP[key])
        values["definition"] = st.text_area("Operational definition", base.get("definition", ""), help=FIELD_HELP["definition"])
        values["numerator"] = st.text_area("Numerator (or what the value is)", base.get("numerator", ""), help=FIELD_HELP["numerator"])
        values["denominator"] = st.text_area("Denominator", base.get("denominator", ""), help=FIELD_HELP["denominator"])
        left, right = st.columns(2)
        values["unit"] = left.text_input("Unit", base.get("unit", ""), help=FIELD_HELP["unit"])
        values["multiplier"] = right.text_input("Multiplier", f"{base.get('multiplier', 1):g}", help=FIELD_HELP["multiplier"])
        target = base.get("target")
        values["target"] = left.text_input("Target (optional)", "" if target is None else f"{target:g}", help=FIELD_HELP["target"])
        baseline = base.get("baseline_points")
        values["baseline_points"] = right.text_input("Baseline points (optional)", "" if baseline is None else str(baseline), help=FIELD_HELP["baseline_points"])
        values["screen_moving_ranges"] = "true" if left.checkbox("Screen moving ranges", bool(base.get("screen_moving_ranges")), help=FIELD_HELP["screen_moving_ranges"]) else "false"
        values["valid_from"] = right.date_input("Applies from", date.today(), help=FIELD_HELP["valid_from"], format="DD/MM/YYYY").isoformat()
        who = st.text_input("Your name (recorded with this version)")
        saved = st.form_submit_button("Save definition", type="primary")
    if chosen:
        values["code"] = chosen
    if saved:
        try:
            definition = parse_definition(values)
        except DefinitionError as err:
            for problem in err.problems:
                st.error(problem)
            return
        if store().save_definitions([definition], recorded_by=who or None):
            st.session_state["definition_saved"] = f"Saved a new version of {definition.name} ({definition.code})."
            st.rerun()
        st.info("Nothing changed: that is the current definition already.")


def definitions_upload() -> None:
    uploaded = st.file_uploader("A definitions CSV (same columns as the download)", type=["csv"], key="definitions_file")
    if uploaded is None:
        return
    try:
        loaded = read_definitions(uploaded.getvalue(), name=uploaded.name)
    except DefinitionError as err:
        st.error(f"{uploaded.name} was not loaded; nothing changed.")
        for problem in err.problems:
            st.error(problem)
        return
    st.write(f"{len(loaded)} definitions in {uploaded.name}.")
    if st.button("Save these definitions"):
        changed = store().save_definitions(loaded, recorded_by=None)
        st.session_state["definition_saved"] = f"{changed} definition(s) saved as new versions; {len(loaded) - changed} unchanged."
        st.rerun()


def hierarchy_table(selection: Selection) -> None:
    """The organisation's structure in full, and as a CSV to edit or keep."""
    units = selection.units
    names = dict(zip(units["code"], units["name"]))
    teams = units[units["level"] == "team"]
    st.dataframe(
        pd.DataFrame({
            "Team": teams["name"], "Code": teams["code"],
            "Directorate": [names.get(p, p) for p in teams["parent"]],
        }).sort_values(["Directorate", "Team"]),
        hide_index=True, width="stretch", height=table_height(len(teams)),
    )
    st.download_button(
        "Download the hierarchy (CSV)", data=hierarchy.write_hierarchy(units).encode("utf-8"),
        file_name="hierarchy.csv", mime="text/csv",
    )


def reading_guide() -> None:
    """How to read the charts and icons, and the choices behind them, in plain words."""
    with st.expander("How to read these charts"):
        st.markdown(guide.reading_guide())


# -- upload history and undo -------------------------------------------------------------------


def upload_history(selection: Selection) -> pd.DataFrame:
    uploads = _uploads(selection.path, selection.version)
    shown = pd.DataFrame(
        {
            "Upload": uploads["upload_id"],
            "When": pd.to_datetime(uploads["uploaded_at"]).dt.tz_convert("Europe/London").dt.strftime("%d/%m/%Y %H:%M"),
            "Who": uploads["uploaded_by"].fillna("–"),
            "File": uploads["file_name"],
            "Added": uploads["rows_added"],
            "Changed": uploads["rows_updated"],
            "Unchanged": uploads["rows_unchanged"],
            "Teams": [", ".join(t) if t is not None else "" for t in uploads["teams"]],
            "Status": [
                f"undo of upload {u}" if k == "undo" else ("undone" if s == "undone" else "saved")
                for k, s, u in zip(uploads["kind"], uploads["status"], uploads["undoes"].fillna(0).astype(int))
            ],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    return uploads


@st.cache_data(max_entries=8, show_spinner=False)
def _uploads(path: str, version: int) -> pd.DataFrame:
    return _store(path).uploads()


def undo_form(uploads: pd.DataFrame) -> None:
    if "undo_done" in st.session_state:
        st.success(st.session_state.pop("undo_done"))
    undoable = uploads[(uploads["kind"] != "undo") & (uploads["status"] != "undone")]
    if undoable.empty:
        return
    st.subheader("Undo an upload")
    labels = {
        int(r.upload_id): f"{int(r.upload_id)}: {r.file_name} ({r.rows_added} added, {r.rows_updated} changed)"
        for r in undoable.itertuples()
    }
    chosen = st.selectbox("Upload to undo", list(labels), format_func=labels.get, key="undo_choice")
    who = st.text_input("Your name (recorded with the undo)", key="undo_by")
    confirm = st.checkbox("I understand this reverts the values this upload changed", key="undo_confirm")
    if st.button("Undo upload", disabled=not confirm):
        try:
            summary = store().undo_upload(chosen, undone_by=who or None)
        except (StoreError, StoreConflict) as err:
            st.error(str(err))
            return
        st.session_state["undo_done"] = f"Undid upload {chosen}: {summary.sentence()}."
        st.rerun()


# -- column mapping -------------------------------------------------------------------------

NOT_IN_FILE = ""


def mapping_form(uploaded, plan: UploadPlan) -> UploadPlan | None:
    """Map a file that is not in the template: which columns are the period, the team and
    each measure. Returns the plan for the mapped file, or None until the mapping is applied."""
    workbook = plan.workbook
    visible = [s for s in workbook.sheets if not s.hidden]
    st.warning(
        f"**{uploaded.name}** is not in the upload template. Say once which columns hold what; "
        "save the mapping under a name and files with the same columns are recognised next time."
    )
    key = f"mapping_{uploaded.file_id}"
    spec_file = st.file_uploader("Already have a mapping file (.json)? Use it", type=["json"], key=f"{key}_file")
    if spec_file is not None:
        try:
            spec = load_spec_bytes(spec_file.getvalue(), spec_file.name)
        except InputError as err:
            for problem in err.problems:
                st.error(str(problem))
            return None
        return plan_for(uploaded, mapping=spec)
    sheet_names = [s.name for s in visible]
    left, right = st.columns(2)
    sheet_choice = left.selectbox("Sheet", [*sheet_names, "*"], key=f"{key}_sheet",
                                  format_func=lambda n: "Every sheet (a sheet per team)" if n == "*" else n)
    header_row = right.number_input("Row holding the column headings", min_value=1, value=1, step=1, key=f"{key}_header")
    sheet = visible[0] if sheet_choice == "*" else next(s for s in visible if s.name == sheet_choice)
    st.caption("The first rows of the sheet, as stored:")
    st.dataframe(sheet.frame.head(12).astype("string"), width="stretch")
    headings = [str(h).strip() for h in sheet.frame.loc[header_row].tolist() if h is not None and str(h).strip()] if header_row in sheet.frame.index else []
    if not headings:
        st.error(f"Row {header_row} of sheet '{sheet.name}' has no headings; choose the row that holds them.")
        return None
    columns = [NOT_IN_FILE, *headings]

    def pick(label, widget_key, where=st, help_text=None):
        return where.selectbox(label, columns, key=f"{key}_{widget_key}", help=help_text,
                               format_func=lambda c: c or "— not in this file —")

    # The first sheet is saved as "the first sheet", so the same layout is recognised in a
    # file whose sheet has another name (a CSV's one sheet is named after the file).
    spec: dict = {"sheet": None if sheet_choice == sheet_names[0] else sheet_choice, "header_row": int(header_row)}
    left, right = st.columns(2)
    period_column = pick("Period column", "period", left)
    form = right.selectbox("The period is", ["auto", "week_ending", "week_commencing", "month"], key=f"{key}_form",
                           format_func={"auto": "the date as written (month text such as Apr-24 is fine)",
                                        "week_ending": "a week-ending date (moved to the Monday of its week)",
                                        "week_commencing": "a week-commencing date (a Monday)",
                                        "month": "any date in the month (moved to the 1st)"}.get)
    spec["period"] = {"column": period_column, "form": form}
    team_how = st.radio("Team", ["column", "columns", "fixed", "sheet_name"], horizontal=True, key=f"{key}_team_how",
                        format_func={"column": "from a column", "columns": "from several columns joined",
                                     "fixed": "the whole sheet is one team", "sheet_name": "the sheet's name"}.get)
    if team_how == "column":
        spec["team"] = {"column": pick("Team column", "team")}
    elif team_how == "columns":
        joined, separator = st.columns([3, 1])
        spec["team"] = {
            "columns": joined.multiselect("Team columns, in order", headings, key=f"{key}_teams"),
            "separator": separator.text_input("Joined by", " ", key=f"{key}_separator"),
        }
    elif team_how == "fixed":
        team_units = store().units()
        team_units = team_units[team_units["level"] == "team"]
        names = dict(zip(team_units["code"], team_units["name"]))
        spec["team"] = {"fixed": st.selectbox("Team", list(names), format_func=names.get, key=f"{key}_fixed")}
    else:
        spec["team"] = {"sheet_name": True}
    directorate = pick("Directorate column (optional: places teams that are new to the hierarchy)", "directorate")
    if directorate:
        spec["directorate"] = {"column": directorate}

    layout = st.radio("Layout", ["wide", "long"], horizontal=True, key=f"{key}_layout",
                      format_func={"wide": "a column per measure", "long": "a measure column and a value column"}.get)
    spec["layout"] = layout
    definitions_now = store().definitions()
    if layout == "wide":
        spec["measures"] = []
        st.markdown("**Which columns hold which measures**")
        for d in definitions_now:
            cells = st.columns([2, 1, 1]) if d.has_denominator else st.columns([2, 2])
            cells[0].markdown(f"{html.escape(d.name)}  \n`{d.code}` · {d.kind}")
            if d.has_denominator:
                numerator = pick("Numerator", f"num_{d.code}", cells[1])
                denominator = pick("Denominator", f"den_{d.code}", cells[2])
                if numerator or denominator:
                    spec["measures"].append({"measure": d.code, "numerator": numerator, "denominator": denominator})
            else:
                value = pick("Value", f"val_{d.code}", cells[1])
                if value:
                    spec["measures"].append({"measure": d.code, "value": value})
    else:
        cells = st.columns(4)
        spec["measure_column"] = pick("Measure column", "measure_column", cells[0])
        for cell, part in zip(cells[1:], ("value", "numerator", "denominator")):
            chosen = pick(part.capitalize(), f"long_{part}", cell)
            if chosen:
                spec[part] = chosen
    comment = pick("Comment column (optional)", "comment")
    spec["comment"] = comment or None
    name = st.text_input("Save this mapping as (optional)", key=f"{key}_name",
                         help="Files with the same column headings will be recognised next time.")
    if name:
        spec["name"] = name
    if not st.button("Apply mapping", type="primary", key=f"{key}_apply"):
        applied = st.session_state.get(f"{key}_applied")
        return plan_for(uploaded, mapping=applied) if applied else None
    problems = validate_spec(spec)
    if problems:
        for problem in problems:
            st.error(problem)
        return None
    st.session_state[f"{key}_applied"] = spec
    if name:
        store().save_mapping(name, spec_signature(spec, workbook), spec)
        st.success(f"Mapping '{name}' saved: files with these columns will be recognised next time.")
    return plan_for(uploaded, mapping=spec)
