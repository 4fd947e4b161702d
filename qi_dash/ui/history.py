"""Every upload — who, when, which file, what changed — with undo and redo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import access
from qi_dash.access import NotAllowed, Right
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session, signin
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


def _allowed(uploads: pd.DataFrame, selection: Selection, what: str) -> pd.DataFrame:
    """The uploads the signed-in user may undo or redo (``access.can_undo``), saying why if
    some are left out."""
    actor = signin.current()
    mine = uploads[[access.can_undo(actor, by if isinstance(by, str) else None, list(teams if teams is not None else []),
                                    selection.hierarchy) for by, teams in zip(uploads["uploaded_by"], uploads["teams"])]]
    if len(mine) < len(uploads):
        st.caption(signin.refusal(Right.UPLOAD, f" or {what} uploads") if not actor.grants else
                   f"You can {what} your own uploads for your teams; {len(uploads) - len(mine)} other upload(s) "
                   f"need an administrator to {what}.")
    return mine


def undo_form(uploads: pd.DataFrame, selection: Selection) -> None:
    if "undo_done" in st.session_state:
        st.success(st.session_state.pop("undo_done"))
    # An upload that changed no values (older databases recorded such) has nothing to undo.
    undoable = uploads[uploads["kind"].isin(UNDOABLE) & (uploads["status"] != "undone") & uploads["wrote_values"]]
    undoable = _allowed(undoable, selection, "undo")
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
        _act(lambda: session.store().undo_upload(chosen, undone_by=signin.current()), "undo_done",
             f"Undid upload {chosen}")


def redo_form(uploads: pd.DataFrame, selection: Selection) -> None:
    """Redo an undone upload: its values back exactly as it saved them, unless a row has been
    written since the undo (the store then says which, and nothing changes)."""
    if "redo_done" in st.session_state:
        st.success(st.session_state.pop("redo_done"))
    undone = _allowed(uploads[uploads["kind"].isin(UNDOABLE) & (uploads["status"] == "undone")], selection, "redo")
    if undone.empty:
        return
    st.subheader("Redo an undone upload")
    labels = {int(r.upload_id): f"{int(r.upload_id)}: {r.file_name} (undone by upload {int(r.undone_by)})"
              for r in undone.itertuples()}
    chosen = st.selectbox("Upload to redo", list(labels), format_func=labels.get, key="redo_choice")
    if st.button("Redo upload", key="redo_upload"):
        _act(lambda: session.store().redo_upload(chosen, redone_by=signin.current()), "redo_done",
             f"Redid upload {chosen}")


def _act(action, done_key: str, done: str) -> None:
    """Run an undo or redo: what it did is shown once the page has been drawn again, or why it
    could not be done, now."""
    try:
        summary = action()
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return
    st.session_state[done_key] = f"{done}: {summary.sentence()}."
    st.rerun()
