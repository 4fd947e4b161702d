"""The organisation's structure on screen: every team with its directorate, and the CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import exports
from qi_dash.text import natural_order
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import table_height


def hierarchy_table(selection: Selection) -> None:
    """The organisation's structure in full, and as a CSV to edit or keep."""
    tree = selection.hierarchy
    teams = tree.teams
    st.dataframe(
        pd.DataFrame({
            "Team": [tree.name(c) for c in teams], "Code": teams,
            "Directorate": [tree.name(tree.parent(c)) for c in teams],
        }).sort_values(["Directorate", "Team"], key=natural_order),
        hide_index=True, width="stretch", height=table_height(len(teams)),
    )
    st.download_button(
        "Download the hierarchy (CSV)", data=exports.hierarchy_csv(tree.frame),
        file_name="hierarchy.csv", mime="text/csv",
    )
