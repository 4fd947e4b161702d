"""Saved column mappings on the Upload page: listed, downloaded, renamed, deleted, edited
and imported, each change a version kept in the mapping's history; and the mapping that read
the file being uploaded — a saved one recognised, or one proposed for it — which the user may
set aside for that file to map it themselves."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from qi_dash.ingest.detect import Proposal
from qi_dash.ingest.recognise import imported_signature, spec_headings
from qi_dash.ingest.spec import load_spec_bytes, spec_file_text
from qi_dash.problems import InputError
from qi_dash.access import NotAllowed, Right, can
from qi_dash.store import StoreConflict, StoreError
from qi_dash.ui import session, signin
from qi_dash.upload import UploadPlan
from qi_dash.ui.widgets import markdown_text

_SET_ASIDE = "_mappings_set_aside"  # file ids whose recognised or proposed mapping the user set aside
_CHOOSE = "_mapping_choose"  # the mapping to select on the next run (e.g. after a rename)
_DONE = "_mapping_done"  # what the last change did, shown once after the rerun
_PROPOSALS = "_mapping_proposals"  # file id → the proposal set aside to correct it in the form


def recognising(uploaded) -> bool:
    """Whether saved mappings may be recognised for this file (not once set aside)."""
    return uploaded.file_id not in st.session_state.get(_SET_ASIDE, set())


def set_aside_proposal(uploaded) -> Proposal | None:
    """The proposal the user set aside for this file to correct it: the form opens with it."""
    return st.session_state.get(_PROPOSALS, {}).get(uploaded.file_id)


def _set_aside(uploaded, proposal: Proposal | None = None) -> None:
    st.session_state[_SET_ASIDE] = st.session_state.get(_SET_ASIDE, set()) | {uploaded.file_id}
    if proposal is not None:
        st.session_state[_PROPOSALS] = {**st.session_state.get(_PROPOSALS, {}), uploaded.file_id: proposal}
    st.rerun()


def proposed_mapping(uploaded, plan: UploadPlan) -> None:
    """How a file not in the template was read: each guess with how sure it is and why, so
    the team lead checks them against the preview below, or maps the file themselves."""
    if plan.proposal is None:
        return
    proposal = plan.proposal
    st.info(
        f"**{markdown_text(uploaded.name)}** is not in the upload template, so its layout was worked out. "
        "Check the guesses and the preview below; nothing is saved until you press Save."
    )
    st.dataframe(
        pd.DataFrame({
            "Guess": list(proposal.confidence),
            "How sure": [f"{c:.0%}" for c in proposal.confidence.values()],
            "Why": [proposal.why[name] for name in proposal.confidence],
        }),
        hide_index=True, width="stretch", row_height=56,
        column_config={"Why": st.column_config.TextColumn(width="large")},
    )
    if st.button("Correct the mapping", key=f"correct_mapping_{uploaded.file_id}",
                 help="Say yourself which columns hold the period, the team and each measure."):
        _set_aside(uploaded, proposal)


def recognised_mapping(uploaded, plan: UploadPlan) -> None:
    """Which saved mapping read the file, with the way to set it aside for this file."""
    if plan.recognised is None:
        return
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.markdown(f"Recognised as mapping '{markdown_text(plan.recognised)}'.")
    if button.button("Not this mapping", key=f"not_this_mapping_{uploaded.file_id}",
                     help="Map this file's columns yourself; the saved mapping stays for other files."):
        _set_aside(uploaded)


def mappings_panel() -> None:
    """The saved mappings, and what can be done with each."""
    with st.expander("Saved column mappings"):
        if _DONE in st.session_state:
            st.success(st.session_state.pop(_DONE))
        current = session.store().mappings()
        may = can(signin.current(), Right.MAPPINGS)
        if not may:
            st.caption(signin.refusal(Right.MAPPINGS))
        if current.empty:
            st.caption("No saved mappings yet. Name a mapping when you map a file's columns, or upload a mapping file.")
        else:
            st.dataframe(_table(current), hide_index=True, width="stretch")
            if _CHOOSE in st.session_state:
                st.session_state["mapping_choice"] = st.session_state.pop(_CHOOSE)
            name = st.selectbox("Mapping", current["name"].tolist(), key="mapping_choice")
            _one_mapping(current[current["name"] == name].iloc[0], current, may)
        if may:
            _import(current)


def _table(current: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Name": current["name"],
        "Version": current["version"],
        "Saved": pd.to_datetime(current["saved_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "By": current["saved_by"].fillna(""),
        "Headings it reads": [", ".join(spec_headings(spec)) for spec in current["spec"]],
    })


def _done(message: str, choose: str | None = None) -> None:
    st.session_state[_DONE] = message
    if choose is not None:
        st.session_state[_CHOOSE] = choose
    st.rerun()


def _write(change, *args, **kwargs) -> bool | None:
    """Run a store change: whether it changed anything (only a save may not), or None once
    why it was refused is shown."""
    try:
        changed = change(*args, **kwargs)
    except (StoreError, StoreConflict, NotAllowed) as err:
        st.error(markdown_text(str(err)))
        return None
    return changed is not False


def _one_mapping(row: pd.Series, current: pd.DataFrame, may: bool) -> None:
    store = session.store()
    name = row["name"]
    st.download_button("Download (JSON)", spec_file_text(row["spec"], name),
                       file_name=f"{re.sub(r'[^A-Za-z0-9_-]+', '_', name).strip('_') or 'mapping'}.json",
                       mime="application/json", key="mapping_download")
    if may:
        _rename_or_delete(store, name)
    _versions(store, name)
    if may:
        text = st.text_area("Edit the mapping (JSON); saving it makes a new version",
                            spec_file_text(row["spec"], name), height=300,
                            key=f"mapping_edit_{name}_{row['version']}")
        if st.button("Save as a new version", key="mapping_edit_save"):
            _save(_read_spec(text.encode(), "the edited mapping"), name, current)


def _rename_or_delete(store, name: str) -> None:
    rename, delete = st.columns(2)
    # Keyed by the mapping, so a name typed or a deletion confirmed for one is not carried to another.
    new_name = rename.text_input("New name", key=f"mapping_new_name_{name}").strip()
    if rename.button("Rename", key="mapping_rename", disabled=not new_name):
        if _write(store.rename_mapping, name, new_name, by=signin.current()):
            _done(f"Renamed mapping '{markdown_text(name)}' to '{markdown_text(new_name)}'.", new_name)
    confirm = delete.checkbox("Yes, delete this mapping (its history is kept)",
                              key=f"mapping_delete_confirm_{name}")
    if delete.button("Delete", key="mapping_delete", disabled=not confirm):
        if _write(store.delete_mapping, name, by=signin.current()):
            _done(f"Deleted mapping '{markdown_text(name)}'. Its versions are kept.")


def _versions(store, name: str) -> None:
    with st.container(border=True):
        st.markdown("**Version history**")
        versions = store.mapping_versions(name)
        st.dataframe(pd.DataFrame({
            "Version": versions["version"],
            "Change": versions["change"],
            "Name": versions["name"],
            "Saved": pd.to_datetime(versions["saved_at"]).dt.strftime("%d/%m/%Y %H:%M"),
            "By": versions["saved_by"].fillna(""),
        }), hide_index=True, width="stretch")


def _import(current: pd.DataFrame) -> None:
    st.markdown("**Upload a mapping file (.json)**")
    uploaded = st.file_uploader("A mapping file (.json)", type=["json"], key="mapping_import_file",
                                label_visibility="collapsed")
    if uploaded is None:
        return
    spec = _read_spec(uploaded.getvalue(), uploaded.name)
    if spec is None:
        return
    name = st.text_input("Save it as", spec.get("name", ""), key=f"mapping_import_name_{uploaded.file_id}").strip()
    if st.button("Save this mapping", key="mapping_import_save", disabled=not name):
        _save(spec, name, current)


def _save(spec: dict | None, name: str, current: pd.DataFrame) -> None:
    """Save a spec made without a file (edited or imported) as the next version of ``name``."""
    if spec is None:
        return
    spec = {**spec, "name": name}
    saved = _write(session.store().save_mapping, name, imported_signature(spec, current, name), spec, saved_by=signin.current())
    if saved:
        _done(f"Saved mapping '{markdown_text(name)}'.", name)
    elif saved is False:
        st.info(f"Mapping '{markdown_text(name)}' is already saved as it is; nothing was saved.")


def _read_spec(data: bytes, where: str) -> dict | None:
    """The mapping in a JSON text; None once every problem with it is shown."""
    try:
        return load_spec_bytes(data, where)
    except InputError as err:
        for problem in err.problems:
            st.error(markdown_text(str(problem)))
        return None
