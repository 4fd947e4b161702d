"""The upload wizard: template, checks, new teams placed, a preview of every change, save.

The page follows ``UploadPlan.next_step``; this module draws each step. Nothing is written
before the team lead presses Save, and a failed check says where every problem is.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from qi_dash import access, exports
from qi_dash.access import NotAllowed, Right
from qi_dash.problems import SAMPLE_PER_KIND, group_problems, problem_count, problem_table
from qi_dash.hierarchy import DIRECTORATE_PREFIX, lookup_key
from qi_dash.store import StalePreview, StoreConflict
from qi_dash.ui import session, signin
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text, table_height
from qi_dash.upload import AUTO, Step, UploadPlan, commit, plan_upload

SHOWN_CHANGES = 5000  # rows of the preview table; more are counted, not drawn
SHOWN_GROUPS = 20  # kinds of problem listed; the CSV has every problem
SHOWN_NOTES = 12  # notes on reading the file; more are counted
SHOWN_PROBLEMS = 200  # rows of the problem table
PROBLEM_ROW = 80  # pixels: three lines of a wrapped message
BLANK_CLEARS = "blank_clears"  # the preview's checkbox, read when the plan is made
STALE = "_stale_preview"  # why the preview on screen is a new one
SAVE_FAILED = "_save_failed"


def may_upload(selection: Selection) -> bool:
    """Whether the current user may upload for any team; says for which, or why not."""
    actor = signin.current()
    if access.can(actor, Right.UPLOAD, None):
        return True
    teams = access.units_for(actor, Right.UPLOAD, selection.hierarchy)
    if not teams:
        st.info(signin.refusal(Right.UPLOAD))
        return False
    st.caption("You can upload for " + ", ".join(markdown_text(selection.name(t)) for t in teams)
               + "; rows for other teams are refused.")
    return True


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


def plan_for(uploaded, mapping: dict | None = None, recognise: bool = True) -> UploadPlan:
    """The plan for an uploaded file, kept while the file, placements and data are unchanged.
    Without a mapping, a file that is neither the template nor a saved layout is read with a
    proposed one, unless the user set proposals and saved mappings aside (``recognise``)."""
    store = session.store()
    if mapping is None and recognise:
        mapping = AUTO
    if st.session_state.get("placement_for") != uploaded.file_id:
        # Teams placed for another file are not this file's.
        st.session_state.pop("placement", None)
        st.session_state["placement_for"] = uploaded.file_id
    placement = st.session_state.get("placement", {})
    # The preview's "blank cells clear stored values" choice.
    blank_clears = bool(st.session_state.get(BLANK_CLEARS, False))
    actor = signin.current()
    key = (uploaded.file_id, repr(sorted(placement.items())), repr(mapping), recognise, store.data_version(),
           blank_clears, actor)
    cached = st.session_state.get(session.UPLOAD_PLAN)
    if cached is None or cached[0] != key:
        # The old plan goes before the new one is made: a session holds one upload at a time.
        session.forget_upload()
        with st.spinner("Checking the file…"):
            plan = plan_upload(store, uploaded.getvalue(), uploaded.name, mapping=mapping, recognise=recognise,
                               blank_clears=blank_clears, actor=actor, **placement)
        if plan.next_step is not Step.MAP:
            plan.workbook = None  # only the mapping form reads the file's cells
        st.session_state[session.UPLOAD_PLAN] = (key, plan)
    return st.session_state[session.UPLOAD_PLAN][1]


def show_notes(plan: UploadPlan) -> None:
    """What reading the file noticed (rows skipped, formulas, hidden sheets), in one box."""
    if not plan.notes:
        return
    shown = [f"- {markdown_text(note)}" for note in plan.notes[:SHOWN_NOTES]]
    if len(plan.notes) > SHOWN_NOTES:
        shown.append(f"- … and {len(plan.notes) - SHOWN_NOTES:,} more notes")
    st.info(f"Reading **{markdown_text(plan.file_name)}**:\n\n" + "\n".join(shown))


def show_problems(plan: UploadPlan) -> None:
    """The problems grouped into things to do, the first of them located by sheet, row and
    column, all of them as a CSV; and the promise that nothing changed."""
    problems = plan.problems
    total = problem_count(problems)
    st.error(
        f"**{markdown_text(plan.file_name)}** was not saved: {total:,} problem(s) to fix. "
        "Nothing has been changed. What to do about each kind of problem:"
    )
    groups = group_problems(problems)
    st.markdown("\n".join(
        f"- **{g.label}**: {markdown_text(g.problem)} → {markdown_text(g.action)}"
        + (f" (first: {markdown_text(g.first)})" if g.first else "")
        for g in groups.head(SHOWN_GROUPS).itertuples(index=False)
    ))
    if len(groups) > SHOWN_GROUPS:
        st.caption(f"… and {len(groups) - SHOWN_GROUPS:,} more kinds of problem, all in the CSV below.")
    table = problem_table(problems)[["Sheet", "Row", "Column", "Problem"]]
    st.dataframe(
        table.head(SHOWN_PROBLEMS), hide_index=True, width="stretch",
        height=table_height(min(len(table), SHOWN_PROBLEMS), row=PROBLEM_ROW, most=8),
        row_height=PROBLEM_ROW,  # taller than 4rem, so Streamlit wraps each message instead of cutting it off
        column_config={"Problem": st.column_config.TextColumn(width="large")},
    )
    if len(table) > SHOWN_PROBLEMS:
        st.caption(f"The first {SHOWN_PROBLEMS:,} of {total:,} problems are shown.")
    listed = len(problems)
    st.download_button(
        "Download all problems (CSV)" if listed == total else f"Download {listed:,} of the {total:,} problems (CSV)",
        data=exports.problems_csv(problems),
        file_name=f"{Path(plan.file_name).stem or 'upload'}-problems.csv", mime="text/csv",
    )
    if listed < total:
        st.caption(
            f"The CSV lists the first {SAMPLE_PER_KIND:,} problems of each kind ({listed:,} in all); the counts "
            "above cover every one. Fix each kind's cause and upload the file again to see any that remain.")


NEW_DIRECTORATE = "+new"  # the directorate choice "a new directorate…"; no code has a '+'


def place_new_teams(plan: UploadPlan, selection: Selection) -> None:
    """One form for every team new to the hierarchy: its code (generated, editable) and its
    directorate (an existing one, or a new one named here); the plan is then made again.
    Other problems with the file are shown once the teams are placed."""
    tree = selection.hierarchy
    placement = st.session_state.get("placement", {})
    teams = sorted(set(plan.unknown_teams) | set(placement.get("new_teams", {})))
    if teams:  # else only the organisation is missing: the file places its teams itself
        st.warning(
            f"This file introduces {len(teams)} team(s) that are not in the hierarchy yet. "
            "Give each a code and place it in its directorate (or a new one) to add it, "
            "or correct the team names in the file."
        )
    for problem in plan.placement_problems:
        st.error(markdown_text(problem.message))
    proposed = tree.new_codes(teams)
    choices = ["", *tree.directorates, NEW_DIRECTORATE]
    organisation = ("", "")
    if not tree.organisations:
        st.caption("There is no organisation yet: name yours, the top of the hierarchy, and the teams' "
                   "directorates will belong to it.")
        name_column, code_column, _ = st.columns(3)
        organisation = (name_column.text_input("Your organisation's name",
                                               key="new_organisation").strip(),
                        code_column.text_input("Its code (blank: made from the name)",
                                               key="new_organisation_code").strip())
    rows = []
    for team in teams[:50]:
        code_column, directorate_column, new_column = st.columns(3)
        code = code_column.text_input(markdown_text(f"Code for '{team}'"), value=proposed[team], key=f"code_{team}")
        directorate = directorate_column.selectbox(
            markdown_text(f"Directorate for the new team '{team}'"), choices,
            format_func=lambda c: "— choose —" if not c else "a new directorate…" if c == NEW_DIRECTORATE else tree.name(c),
            key=f"place_{team}",
        )
        new_name = new_code = ""
        if directorate == NEW_DIRECTORATE:
            new_name = new_column.text_input("Name of the new directorate", key=f"new_directorate_{team}")
            new_code = new_column.text_input("Its code (blank: made from the name)", key=f"new_directorate_code_{team}")
        rows.append((team, code, directorate, new_name.strip(), new_code.strip()))
    if len(teams) > 50:
        st.caption(f"The first 50 of {len(teams)} new teams are shown; place them, then the rest.")
    if st.button("Add these teams to the preview", type="primary"):
        st.session_state["placement"] = _placement(tree, rows, organisation)
        st.rerun()


def _placement(tree, rows: list[tuple[str, str, str, str, str]],
               organisation: tuple[str, str] = ("", "")) -> dict[str, dict[str, str]]:
    """The form's rows (and a new organisation's name and code) as ``plan_upload``'s placement
    arguments. Rows naming a new directorate by the same name (ignoring case and spacing)
    share it; unplaced rows are left out."""
    names = [name for _, _, directorate, name, _ in rows if directorate == NEW_DIRECTORATE and name]
    generated = tree.new_codes(names, prefix=DIRECTORATE_PREFIX)
    by_name: dict[str, str] = {}
    new_teams, team_codes, new_directorates = {}, {}, {}
    for team, code, directorate, name, new_code in rows:
        if directorate == NEW_DIRECTORATE:
            if not name:
                continue
            directorate = by_name.setdefault(lookup_key(name), new_code or generated[name])
            new_directorates.setdefault(directorate, name)
        if directorate:
            new_teams[team], team_codes[team] = directorate, code
    placement = {"new_teams": new_teams, "team_codes": team_codes, "new_directorates": new_directorates}
    name, code = organisation
    if name:
        placement["new_organisation"] = {code or tree.new_codes([name])[name]: name}
    return placement


NEW_UNITS_IN_WORDS = 12  # more new units than this are counted, and listed in a table
PLURALS = {"team": "teams", "directorate": "directorates", "organisation": "organisations"}


def _new_units(units: pd.DataFrame) -> None:
    """The units the upload adds: named in a sentence when few; when a file brings hundreds
    (a warehouse extract), counted by level with the list in a table to open."""
    units = units.sort_values("level", ascending=False)
    if len(units) <= NEW_UNITS_IN_WORDS:
        st.markdown("New teams to add: " + ", ".join(
            f"{markdown_text(u.name)} ({markdown_text(u.code)}, {markdown_text(u.level)})" if u.level != "team"
            else f"{markdown_text(u.name)} ({markdown_text(u.code)})" for u in units.itertuples(index=False)))
        return
    counts = units["level"].value_counts()
    words = [f"{counts[level]:,} {level if counts[level] == 1 else PLURALS[level]}"
             for level in ("team", "directorate", "organisation") if level in counts]
    with st.expander("New units to add: " + ", ".join(words)):
        st.dataframe(units[["name", "code", "level", "parent"]], hide_index=True, width="stretch",
                     height=table_height(len(units)))


def preview_and_save(uploaded, plan: UploadPlan) -> None:
    changes = plan.changes
    added, updated, unchanged = (plan.count(c) for c in ("added", "updated", "unchanged"))
    st.subheader(f"Preview: {markdown_text(uploaded.name)}")
    for message in (st.session_state.pop(STALE, None), st.session_state.pop(SAVE_FAILED, None)):
        if message:
            st.warning(markdown_text(message))
    a, u, n = st.columns(3)
    a.metric("Rows to add", f"{added:,}")
    u.metric("Rows to update", f"{updated:,}")
    n.metric("Rows unchanged", f"{unchanged:,}")
    if plan.new_units is not None and not plan.new_units.empty:
        _new_units(plan.new_units)
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
    # The plan saved is the one on screen, bound to the button as it is drawn: by the time the
    # click is handled the page may hold a newer plan the user has not seen.
    st.button(f"Save {added + updated} change(s)", type="primary", key="save_upload", on_click=_save,
              args=(plan, uploaded.name))


def _save(plan: UploadPlan, file_name: str) -> None:
    """Save the previewed plan as the signed-in user (the button's callback, before the page
    runs again). If the data changed since the preview, nothing is saved and the page shows
    the new preview."""
    try:
        summary = commit(session.store(), plan, uploaded_by=signin.current())
    except StalePreview as err:
        st.session_state[STALE] = f"{err}; here is the new preview — nothing was saved. Check it and save again."
        return
    except (StoreConflict, NotAllowed) as err:
        st.session_state[SAVE_FAILED] = str(err)
        return
    st.session_state["last_saved"] = (
        f"Saved {markdown_text(file_name)}: {summary.sentence()}." if summary.changed
        # Someone saved the same values since the preview: nothing was left to change.
        else f"Nothing to change: every row of {markdown_text(file_name)} is already saved."
    )
    # A fresh uploader, and the saved file's plan, placements and choice released.
    st.session_state["_uploads_saved"] = st.session_state.get("_uploads_saved", 0) + 1
    session.forget_upload()
    st.session_state.pop("placement", None)
    st.session_state.pop(BLANK_CLEARS, None)


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
