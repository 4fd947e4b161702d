"""Home: the organisation at a glance — teams, measures, latest periods and missing data."""

import streamlit as st

from qi_dash.ui import downloads, matrix, organisation, pack
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import as_of_notice, page
from qi_dash.ui.widgets import markdown_text

with failures_told():
    selection = page("Home")
    pack.board_pack(selection)
    st.title(markdown_text(selection.name(selection.org)) or "qi-dash")
    st.markdown(
        "Every team's quality-improvement measures in one place, with the same definitions, "
        "run charts and SPC for all — to learn from variation, not to judge."
    )
    as_of_notice(selection)
    organisation.headline(selection)

    st.subheader("Variation across teams")
    matrix.rollup_matrix(selection)

    st.subheader("Teams and where data is missing")
    organisation.coverage_section(selection)
    downloads.all_data_downloads(selection)
