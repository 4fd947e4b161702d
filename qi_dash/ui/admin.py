"""The Admin page's roles: who holds which role over which unit, edited as a table or loaded
from a CSV (identity, role, unit), downloaded as one, with every grant and revocation kept."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import access
from qi_dash.access import AccessError, NotAllowed, Right, Role
from qi_dash.store import StoreConflict
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text, table_height

_DONE = "grants_done"
ROLE_WORDS = {
    Role.VIEWER: "sees every chart",
    Role.MEMBER: "of a team: uploads, PDSA cycles and phase changes for it",
    Role.LEAD: "of a directorate: the same for its teams, and its aims, targets and people",
    Role.ADMINISTRATOR: "everything: definitions, hierarchy, mappings, roles, undo of anyone's upload",
}


def may_administer() -> bool:
    """Whether the user is an administrator; if not, says so (the page shows nothing else)."""
    if can_administer := access.can(signin.current(), Right.ADMINISTER):
        return can_administer
    st.info(signin.refusal(Right.ADMINISTER))
    return False


def roles_section(selection: Selection) -> None:
    """The grants in force as an editable table, saved as the new set (each change a version)."""
    if _DONE in st.session_state:
        st.success(st.session_state.pop(_DONE))
    if not signin.sign_in_configured():
        st.caption(markdown_text(signin.LOCAL_MODE) + " Roles take effect once sign-in is configured.")
    st.markdown("  \n".join(f"**{r.value}**: {w}" for r, w in ROLE_WORDS.items()))
    grants = session.store().grants()
    tree = selection.hierarchy
    units = ["", *tree.directorates, *tree.teams]
    # Text columns even with no grant yet (a new install): empty, pandas would make them numbers,
    # which the editor's text columns refuse.
    table = pd.DataFrame({"identity": [g.identity for g in grants], "role": [g.role.value for g in grants],
                          "unit": [g.unit for g in grants]}, columns=list(access.CSV_COLUMNS), dtype="str")
    edited = st.data_editor(
        table, num_rows="dynamic", hide_index=True, width="stretch", key=f"grants_{selection.version}",
        column_config={
            "identity": st.column_config.TextColumn("Identity (sign-in email)", required=True),
            "role": st.column_config.SelectboxColumn("Role", options=[r.value for r in Role], required=True),
            "unit": st.column_config.SelectboxColumn(
                "Unit (a member's team, a lead's directorate)", options=units,
                help="Empty for a viewer or an administrator."),
        },
    )
    if st.button("Save roles", type="primary", key="grants_save"):
        rows = [{c: "" if pd.isna(v) else str(v) for c, v in row.items()} for row in edited.to_dict("records")]
        _save(lambda: access.check_grants(rows, tree, "the roles table"))


def roles_file(selection: Selection) -> None:
    """The grants as a CSV to download, and a CSV to load as the new set."""
    st.download_button("Download the roles (CSV)", access.grants_csv(session.store().grants()),
                       file_name="roles.csv", mime="text/csv")
    uploaded = st.file_uploader("A roles CSV (identity, role, unit) to replace the roles with", type=["csv"],
                                key="grants_file")
    if uploaded is not None and st.button("Replace the roles with this file", key="grants_file_save"):
        _save(lambda: access.read_grants_csv(uploaded.getvalue(), selection.hierarchy, uploaded.name))


def _save(read) -> None:
    """Check the grants ``read()`` gives and save them as the set in force; every problem is shown."""
    try:
        granted, revoked = session.store().save_grants(read(), by=signin.current())
    except AccessError as err:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {markdown_text(p)}" for p in err.problems))
        return
    except (NotAllowed, StoreConflict) as err:
        st.error(markdown_text(str(err)))
        return
    st.session_state[_DONE] = f"Roles saved: {granted} granted, {revoked} revoked."
    st.rerun()


def grant_history() -> None:
    versions = session.store().grant_versions()
    if versions.empty:
        st.caption("No roles granted yet.")
        return
    shown = pd.DataFrame({
        "When": pd.to_datetime(versions["recorded_at"]).dt.tz_convert("Europe/London").dt.strftime("%d/%m/%Y %H:%M"),
        "Identity": versions["identity"], "Role": versions["role"], "Unit": versions["unit"],
        "What": ["revoked" if r else "granted" for r in versions["revoked"]],
        "By": versions["recorded_by"].fillna(""),
    })
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)))
