"""The upload wizard: template, checks, new teams placed, a preview of every change, save.

The page follows ``UploadPlan.next_step``; this module draws each step. Nothing is written
before the team lead presses Save, and a failed check says where every problem is.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from qi_dash import exports
from qi_dash.store import StoreConflict
from qi_dash.ui import session
from qi_dash.ui.selection import Selection
from qi_dash.upload import UploadPlan, commit, plan_upload

SHOWN_CHANGES = 5000  # rows of the preview table; more are counted, not drawn
BLANK_CLEARS = "blank_clears"  # the preview's checkbox, read when the plan is made


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
    return exports.template_workbook(session.definitions(path, version), session.hierarchy(path, version))


def uploader_key() -> str:
    """A fresh uploader after each save, so the saved file is not offered again."""
    return f"upload_file_{st.session_state.get('_uploads_saved', 0)}"


def last_saved_message() -> None:
    if "last_saved" in st.session_state:
        st.success(st.session_state["last_saved"])


def plan_for(uploaded, mapping: dict | None = None) -> UploadPlan:
    """The plan for an uploaded file, kept while the file, placements and data are unchanged."""
    store = session.store()
    placements = st.session_state.get("new_teams", {})
    # The preview's "blank cells clear stored values" choice.
    blank_clears = bool(st.session_state.get(BLANK_CLEARS, False))
    key = (uploaded.file_id, tuple(sorted(placements.items())), repr(mapping), store.data_version(), blank_clears)
    cached = st.session_state.get("_plan")
    if cached is None or cached[0] != key:
        with st.spinner("Checking the file…"):
            plan = plan_upload(store, uploaded.getvalue(), uploaded.name, mapping=mapping,
                               new_teams=placements or None, blank_clears=blank_clears)
        st.session_state["_plan"] = (key, plan)
    return st.session_state["_plan"][1]


def show_notes(plan: UploadPlan) -> None:
    for note in plan.notes:
        st.info(note)


def show_problems(plan: UploadPlan) -> None:
    """Every problem, located by sheet, row and column; and the promise that nothing changed."""
    st.error(
        f"**{html.escape(plan.file_name)}** was not saved: {len(plan.problems)} problem(s) to fix. "
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


def place_new_teams(plan: UploadPlan, selection: Selection) -> None:
    """Ask where each team that is new to the hierarchy belongs; the plan is then made again."""
    tree = selection.hierarchy
    st.warning(
        f"This file introduces {len(plan.unknown_teams)} team(s) that are not in the hierarchy yet. "
        "Place each in its directorate to add it, or correct the team names in the file."
    )
    placements = dict(st.session_state.get("new_teams", {}))
    with st.form("place_teams"):
        for team in plan.unknown_teams[:50]:
            placements[team] = st.selectbox(
                f"Directorate for the new team '{team}'", ["", *tree.directorates],
                format_func=lambda c: tree.name(c) if c else "— choose —",
                key=f"place_{team}",
            )
        placed = st.form_submit_button("Add these teams to the preview")
    if placed:
        st.session_state["new_teams"] = {t: d for t, d in placements.items() if d}
        st.rerun()


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
    st.checkbox(
        "Blank cells clear stored values", key=BLANK_CLEARS,
        help="By default a blank cell keeps the value or comment already saved, and a column the "
        "file does not have leaves the saved values as they are. Tick this to clear a saved value "
        "wherever the file's cell is blank; every value it clears is listed before you save.",
    )
    cleared = plan.cleared
    if plan.blank_clears:
        if cleared.empty:
            st.info("No blank cell in this file clears a saved value.")
        else:
            st.warning(f"Blank cells clear saved values in {len(cleared)} row(s):")
            st.dataframe(change_table(cleared.head(SHOWN_CHANGES)), hide_index=True, width="stretch")
    shown = changes[changes["change"] != "unchanged"]
    if not shown.empty:
        st.dataframe(change_table(shown.head(SHOWN_CHANGES)), hide_index=True, width="stretch")
        if len(shown) > SHOWN_CHANGES:
            st.caption(f"The first {SHOWN_CHANGES:,} of {len(shown):,} changes are shown.")
    if plan.changes_nothing:
        st.success("Everything in this file is already saved: nothing to change.")
        return
    who = st.text_input("Your name (recorded with the upload)", key="uploaded_by")
    if st.button(f"Save {added + updated} change(s)", type="primary"):
        try:
            summary = commit(session.store(), plan, uploaded_by=who or None)
        except StoreConflict as err:
            st.error(str(err))
            return
        st.session_state["last_saved"] = (
            f"Saved {uploaded.name}: {summary.sentence()}." if summary.changed
            # Someone saved the same values since the preview: nothing was left to change.
            else f"Nothing to change: every row of {uploaded.name} is already saved."
        )
        st.session_state["_uploads_saved"] = st.session_state.get("_uploads_saved", 0) + 1
        st.session_state.pop("_plan", None)
        st.session_state.pop("new_teams", None)
        st.session_state.pop(BLANK_CLEARS, None)
        st.rerun()


def change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """What an upload would change, in words a team lead reads: the values to save (a kept
    stored value or comment shows as it is kept) and, where a row updates, what they were."""
    updated = changes["change"] == "updated"
    return pd.DataFrame({
        "Row": changes["row"],
        "Change": changes["change"],
        "Team": changes["unit"],
        "Measure": changes["measure"],
        "Period": pd.to_datetime(changes["period"]).dt.strftime("%d/%m/%Y"),
        "New": _numbers_text(changes["numerator"], changes["denominator"], changes["value"]),
        "Was": _numbers_text(changes["old_numerator"], changes["old_denominator"], changes["old_value"])
        .where(updated, ""),
        "Comment": changes["comment"].fillna(""),
        "Comment was": changes["old_comment"].fillna("").where(updated, ""),
        "Cleared": changes["cleared"].astype("string").fillna(""),
    }).astype({"Row": "string"})


def _numbers_text(numerator: pd.Series, denominator: pd.Series, value: pd.Series) -> pd.Series:
    """'12 / 640' for a numerator and denominator, '7' for a value, '' for a gap."""
    def number(v):
        return "" if pd.isna(v) else f"{v:g}"
    return pd.Series(
        [f"{number(n)} / {number(d)}" if not (pd.isna(n) and pd.isna(d)) else number(v)
         for n, d, v in zip(numerator, denominator, value)],
        index=numerator.index,
    )
