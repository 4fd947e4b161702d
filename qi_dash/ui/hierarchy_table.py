"""The organisation's structure on screen: every team with its directorate, and the CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import hierarchy
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import table_height


def hierarchy_table(selection: Selection) -> None:
    """The organisation's structure in full, and as a CSV to edit or keep."""
    units = selection.units
    names = dict(zip(units["code"], units["name"]))
    teams = units[units["level"] == "team"]
    st.dataframe(
        pd.DataFrame({
            "Team": teams["name"], "Code": teams["code"],
            "Directorate": [names.get(p, p) for p in teams["parent"]],
        }).sort_values(["Directorate", "Team"]),
        hide_index=True, width="stretch", height=table_height(len(teams)),
    )
    st.download_button(
        "Download the hierarchy (CSV)", data=hierarchy.write_hierarchy(units).encode("utf-8"),
        file_name="hierarchy.csv", mime="text/csv",
    )
