"""Home's roll-up matrix for directors: units × measures as one HTML table of text icons.

An organisation's rows are its directorates (their own pooled icons and counts of their teams
by icon); a directorate's rows are its teams. Measure names head the columns, grouped by
family. Every cell and unit name is a link that stays in the tab; the cell's words are its
hover text. A cell's icons are two small badge images drawn by the stylesheet from the two
classes naming them, one image per icon however many cells show it: 428 teams × 10 measures
is one table of a few hundred kilobytes and two elements a cell, not thousands of images.
"""

from __future__ import annotations

import html
from datetime import date, datetime

import pandas as pd
import streamlit as st

from qi_dash import exports, overview
from qi_dash.definitions import MeasureDefinition
from qi_dash.icons import ASSURANCE_ICONS, VARIATION_ICONS, badge_svg
from qi_dash.ui import session
from qi_dash.ui.selection import NO_ORGANISATION, Selection
from qi_dash.ui.widgets import markdown_text, page_href, svg_uri
from qi_dash.vocabulary import FAMILIES, FAMILY_TITLES

SIGNALS = {"concern": "Special cause concern", "failing": "Failing the target", "improvement": "Special cause improvement"}


def _badge_rules() -> str:
    """One rule per icon: a cell names its two icons as classes (v-… and a-…), each setting a
    custom property to the icon's badge image; the cell's one child draws both as backgrounds.
    Images, not styled boxes: an organisation's hundreds of cells are laid out and painted as
    plain blocks, and each distinct badge is decoded once."""
    rules = []
    for kind, icons, prefix in (("variation", VARIATION_ICONS, "v"), ("assurance", ASSURANCE_ICONS, "a")):
        for code in icons:
            rules.append(f'.qi-matrix td.{prefix}-{code}{{--{prefix}:url("{svg_uri(badge_svg(code, kind))}")}}')
    return "\n".join(rules)


_CSS = """<style>
.qi-matrix-wrap{overflow:auto;max-height:70vh;border:1px solid #d8dde0}
table.qi-matrix{border-collapse:collapse;font-size:0.8rem;line-height:1.2}
.qi-matrix th,.qi-matrix td{border-bottom:1px solid #e8edee;padding:3px 6px;text-align:center;vertical-align:middle}
.qi-matrix thead th{position:sticky;background:#f0f4f5;z-index:1;font-weight:600}
.qi-matrix thead tr:first-child th{top:0}.qi-matrix thead tr:nth-child(2) th{top:1.6rem}
.qi-matrix th.unit{position:sticky;left:0;background:#fff;text-align:left;min-width:12rem;z-index:2}
.qi-matrix thead th.unit{background:#f0f4f5;z-index:3}
.qi-matrix a{text-decoration:none;color:inherit}
.qi-matrix th.unit a{color:#005EB8;text-decoration:underline}
.qi-matrix td>*{display:block;min-width:2.6rem;padding-top:1.25rem;font-size:0.7rem;color:#425563;white-space:nowrap;
 background-image:var(--v),var(--a);background-repeat:no-repeat;background-size:1.2rem;
 background-position:calc(50% - 0.65rem) 0,calc(50% + 0.65rem) 0}
.qi-matrix td b{font-weight:700}.qi-matrix td .good{color:#00B0F0}.qi-matrix td .bad{color:#E46C0A}
""" + _badge_rules() + "</style>"


def rollup_matrix(selection: Selection, *, unit_page: str = "") -> None:
    """The matrix for the selected unit (a team's Home shows its directorate), with sort,
    filters, a legend of why cells have no icon, and downloads. A directorate's row opens
    ``unit_page`` ("" Home, "Team" its teams' boards) for it; a team's row its board."""
    tree = selection.hierarchy
    unit = selection.directorate or selection.org
    if not unit:
        st.info(NO_ORGANISATION)
        return
    rows = overview.rows_of(tree, unit)
    definitions = selection.definitions()
    if not rows or not definitions:
        st.info("No data yet.")
        return
    frame = _cells(selection.path, selection.version, unit, tuple(tree.teams_under(unit)), selection.as_of_moment)

    # The controls sit in a popover, drawn by the browser only when opened: four widgets laid
    # out on every load cost as much as the matrix's own table. Its label says what is chosen.
    with st.popover(_choice_words(), icon=":material/filter_list:"):
        family = st.selectbox("Family", [None, *FAMILIES], key="matrix_family",
                              format_func=lambda f: "All families" if f is None else FAMILY_TITLES[f])
        name = st.text_input("Measure name", key="matrix_name", placeholder="e.g. restraint")
        only = st.pills("Show only rows with", list(SIGNALS), key="matrix_only", selection_mode="multi",
                        format_func=SIGNALS.get) or []
        sort = st.selectbox("Sort rows by", overview.SORTS, key="matrix_sort", format_func=overview.SORT_WORDS.get)
    shown = overview.measures(definitions, family, name)
    order = overview.arrange(frame, tree, [d.code for d in shown], sort=sort, only=tuple(only))
    if not shown or not order:
        st.info("No row or measure matches these filters.")
    else:
        st.html(_table(selection.path, selection.version, selection.org, selection.as_of, unit,
                       tuple(d.code for d in shown), tuple(order), unit_page, selection))
    _legend(frame[frame["measure"].isin([d.code for d in shown]) & frame["unit"].isin(order)])
    _downloads(frame, shown, order, selection)


def _choice_words() -> str:
    """The sort and filters chosen, in words, for the popover holding them (read from the
    widgets' state, which holds the visitor's latest choice before the widgets are drawn)."""
    state = st.session_state
    family, name = state.get("matrix_family"), (state.get("matrix_name") or "").strip()
    words = [FAMILY_TITLES[family] if family else "All measures"]
    if name:
        words.append(f"names with “{markdown_text(name)}”")
    if state.get("matrix_only"):
        words.append("only rows with " + " and ".join(SIGNALS[s].lower() for s in state["matrix_only"]))
    words.append("rows by " + overview.SORT_WORDS[state.get("matrix_sort") or "name"].lower())
    return "Sort and filter: " + " · ".join(words)


@st.cache_data(max_entries=32, show_spinner=False)
def _cells(path: str, version: int, unit: str, team_codes: tuple[str, ...], as_of: datetime | None) -> pd.DataFrame:
    """The matrix's cells for a unit, once per data version (filters and sort only reorder them)."""
    tree = session.hierarchy(path, version)
    rows = overview.rows_of(tree, unit)
    series = session.summary_of(path, version, tuple([*rows, *team_codes]), team_codes, as_of)
    return overview.cells(series, session.definitions(path, version), tree, rows)


@st.cache_data(max_entries=32, show_spinner=False)
def _table(path: str, version: int, org: str, as_of: date | None, unit: str, measure_codes: tuple[str, ...],
           order: tuple[str, ...], unit_page: str, _selection: Selection) -> str:
    """The matrix's HTML with its stylesheet, written once per data version and choice of rows
    and columns (hundreds of cells' words and links), not on every load. Its links depend on
    the selection only through the organisation and the as-of day, which are in the key."""
    tree = _selection.hierarchy
    frame = _cells(path, version, unit, tuple(tree.teams_under(unit)), _selection.as_of_moment)
    by_code = {d.code: d for d in _selection.definitions()}
    return _CSS + _html(frame, [by_code[c] for c in measure_codes], list(order), _selection, unit_page)


def _href(selection: Selection, page: str, unit: str, measure: str = "") -> str:
    """A link to a unit (and measure) keeping the organisation and the as-of day."""
    tree = selection.hierarchy
    level = tree.level(unit)
    where = {"dir": "", "team": "", "measure": measure}
    if level == "directorate":
        where["dir"] = unit
    elif level == "team":
        where.update(dir=tree.parent(unit), team=unit)
    params = selection.link(**where)
    return page_href(page, params)


def _counts(cell: dict) -> str:
    """A pooled row's teams by icon: improvement, concern, passing, failing (the rest is in
    the hover text)."""
    parts = []
    for group, tone, mark in (("improvement", "good", "▲"), ("concern", "bad", "▼"),
                              ("pass", "good", "P"), ("fail", "bad", "F")):
        if cell[group]:
            parts.append(f'<b class="{tone}">{mark}{int(cell[group])}</b>')
    return f'{" ".join(parts)}/{int(cell["teams"])}'


def _html(frame: pd.DataFrame, shown: list[MeasureDefinition], order: list[str], selection: Selection,
          unit_page: str) -> str:
    tree = selection.hierarchy
    by_cell = {(r["unit"], r["measure"]): r for r in frame.to_dict("records")}
    head_level = "Directorate" if tree.level(order[0]) == "directorate" else "Team"
    families = [(f, sum(d.family == f for d in shown)) for f in FAMILIES if any(d.family == f for d in shown)]
    out = ['<div class="qi-matrix-wrap"><table class="qi-matrix"><thead><tr><th class="unit" rowspan="2">',
           head_level, "</th>"]
    out += [f'<th colspan="{n}">{html.escape(FAMILY_TITLES[f])}</th>' for f, n in families]
    out.append("</tr><tr>")
    out += [f'<th title="{html.escape(d.direction_words)}">{html.escape(d.name)}</th>' for d in shown]
    out.append("</tr></thead><tbody>")
    for unit in order:
        page = "Team" if tree.level(unit) == "team" else unit_page
        out.append(f'<tr><th class="unit"><a href="{html.escape(_href(selection, page, unit))}" target="_self">'
                   f"{html.escape(tree.name(unit))}</a></th>")
        for d in shown:
            cell = by_cell[(unit, d.code)]
            words = f"{tree.name(unit)} · {d.name}: {overview.cell_words(cell, d)}"
            link = html.escape(_href(selection, "Measure", unit, d.code))
            icons = f'v-{cell["variation_icon"]} a-{cell["assurance_icon"]}'
            body = _counts(cell) if cell["level"] != "team" else ""
            if cell["points"] == 0:  # no chart to open
                out.append(f'<td title="{html.escape(words)}" class="{icons}"><span>{body}</span></td>')
            else:
                out.append(f'<td title="{html.escape(words)}" class="{icons}"><a href="{link}" target="_self">{body}</a></td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _legend(frame: pd.DataFrame) -> None:
    parts = [
        "Each cell: the variation icon (blue improvement, orange concern, purple neither, grey ~ common cause; "
        "H/L: which way it moved) then the assurance icon (P passing, F failing, ? hit and miss). "
        "A directorate's cell also counts its teams: ▲ improvement, ▼ concern, P passing, F failing / teams. "
        "Hover a cell for its words; click it for its chart."
    ]
    reasons = overview.legend(frame)
    if not reasons.empty:
        parts.append("No icon (· in a dotted ring), and why: " + "; ".join(
            f"{r.why} ({r.cells} {r.kind} {'cell' if r.cells == 1 else 'cells'})" for r in reasons.itertuples()) + ".")
    st.caption("\n\n".join(parts))


def _downloads(frame: pd.DataFrame, shown: list[MeasureDefinition], order: list[str], selection: Selection) -> None:
    def table() -> pd.DataFrame:
        return overview.table(frame, shown, selection.hierarchy, order)

    name = f"matrix-{selection.directorate or selection.org}"
    csv_col, xlsx_col, _ = st.columns([1, 1, 4])
    # The files are written when a button is clicked, not on every rerun.
    csv_col.download_button("Download CSV", lambda: exports.table_csv(table()), f"{name}.csv", "text/csv",
                            key="matrix_csv")
    xlsx_col.download_button(
        "Download xlsx", lambda: exports.table_xlsx(table(), "matrix"), f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="matrix_xlsx",
    )
