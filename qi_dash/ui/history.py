"""Every upload — who, when, which file, what changed — and undo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text, table_height

UNDOABLE = ("upload",)  # an undo is undone by redoing its upload; a redo by undoing it


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
            "Status": [_status(k, s, u) for k, s, u in
                       zip(uploads["kind"], uploads["status"], uploads["undoes"].fillna(0).astype(int))],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
    return uploads


def _status(kind: str, status: str, undoes: int) -> str:
    if kind == "undo":
        return f"undo of upload {undoes}" + (" (redone)" if status == "undone" else "")
    if kind == "redo":
        return "redo"
    return "undone" if status == "undone" else "saved"


def undo_form(uploads: pd.DataFrame) -> None:
    if "undo_done" in st.session_state:
        st.success(st.session_state.pop("undo_done"))
    # An upload that changed no values (older databases recorded such) has nothing to undo.
    undoable = uploads[uploads["kind"].isin(UNDOABLE) & (uploads["status"] != "undone") & uploads["wrote_values"]]
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
        _act(lambda: session.store().undo_upload(chosen, undone_by=who or None), "undo_done", f"Undid upload {chosen}")


def redo_form(uploads: pd.DataFrame) -> None:
    """Redo an undone upload: its values back exactly as it saved them, unless a row has been
    written since the undo (the store then says which, and nothing changes)."""
    if "redo_done" in st.session_state:
        st.success(st.session_state.pop("redo_done"))
    undone = uploads[uploads["kind"].isin(UNDOABLE) & (uploads["status"] == "undone")]
    if undone.empty:
        return
    st.subheader("Redo an undone upload")
    labels = {int(r.upload_id): f"{int(r.upload_id)}: {r.file_name} (undone by upload {int(r.undone_by)})"
              for r in undone.itertuples()}
    chosen = st.selectbox("Upload to redo", list(labels), format_func=labels.get, key="redo_choice")
    who = st.text_input("Your name (recorded with the redo)", key="redo_by")
    if st.button("Redo upload", key="redo_upload"):
        _act(lambda: session.store().redo_upload(chosen, redone_by=who or None), "redo_done", f"Redid upload {chosen}")


def _act(action, done_key: str, done: str) -> None:
    """Run an undo or redo: what it did is shown once the page has been drawn again, or why it
    could not be done, now."""
    try:
        summary = action()
    except (StoreError, StoreConflict) as err:
        st.error(markdown_text(str(err)))
        return
    st.session_state[done_key] = f"{done}: {summary.sentence()}."
    st.rerun()
