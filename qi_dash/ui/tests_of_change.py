"""A team's tests of change (PDSA cycles): listed, recorded, and marked on its charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash.ui import session
from qi_dash.ui.selection import Selection


def test_of_change_form(selection: Selection) -> None:
    """Record a test of change so it is marked on the team's charts."""
    changes = selection.tests_of_change()
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
                session.store().add_tests_of_change(
                    pd.DataFrame({"unit": [selection.team], "date": [when], "title": [title.strip()], "detail": [detail.strip() or None]}),
                    recorded_by=who.strip() or None,
                )
                st.rerun()
