"""How to read the charts and icons, and the choices behind them, in plain words."""

from __future__ import annotations

import streamlit as st

from qi_dash import glossary, guide


def reading_guide() -> None:
    """How to read the charts and icons, and the choices behind them, in plain words."""
    with st.expander("How to read these charts"):
        st.markdown(glossary.linked(guide.reading_guide()))
        st.markdown(f"Every word the charts use is explained in the {glossary.page_link('glossary')}.")
