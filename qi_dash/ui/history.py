"""Every upload — who, when, which file, what changed — and undo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import access
from qi_dash.access import NotAllowed, Right
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text, table_height


def upload_history(selection: Selection) -> pd.DataFrame:
    uploads = session.uploads(selection.path, selection.version)
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


def undo_form(uploads: pd.DataFrame, selection: Selection) -> None:
    if "undo_done" in st.session_state:
        st.success(st.session_state.pop("undo_done"))
    # An upload that changed no values (older databases recorded such) has nothing to undo.
    undoable = uploads[(uploads["kind"] != "undo") & (uploads["status"] != "undone") & uploads["wrote_values"]]
    actor = signin.current()
    mine = undoable[[access.can_undo(actor, by if isinstance(by, str) else None, list(teams if teams is not None else []),
                                     selection.hierarchy) for by, teams in zip(undoable["uploaded_by"], undoable["teams"])]]
    if len(mine) < len(undoable):
        st.caption(signin.refusal(Right.UPLOAD, " or undo uploads") if not actor.grants else
                   f"You can undo your own uploads for your teams; {len(undoable) - len(mine)} other upload(s) "
                   "need an administrator to undo.")
    undoable = mine
    if undoable.empty:
        return
    st.subheader("Undo an upload")
    labels = {
        int(r.upload_id): f"{int(r.upload_id)}: {r.file_name} ({r.rows_added} added, {r.rows_updated} changed)"
        for r in undoable.itertuples()
    }
    chosen = st.selectbox("Upload to undo", list(labels), format_func=labels.get, key="undo_choice")
    confirm = st.checkbox("I understand this reverts the values this upload changed", key="undo_confirm")
    if st.button("Undo upload", disabled=not confirm):
        try:
            summary = session.store().undo_upload(chosen, undone_by=actor)
        except (StoreError, StoreConflict, NotAllowed) as err:
            st.error(markdown_text(str(err)))
            return
        st.session_state["undo_done"] = f"Undid upload {chosen}: {summary.sentence()}."
        st.rerun()
