"""The Glossary page: each term under its own heading, whose anchor the charts' words link to."""

from __future__ import annotations

import streamlit as st

from qi_dash import glossary


def terms() -> None:
    """Every term with its definition, in the order a newcomer meets them."""
    st.title("Glossary")
    st.markdown("The words the charts and pages use, in plain English. Every chart's words link here.")
    contents = " · ".join(f"[{t.term}](#{t.anchor})" for t in glossary.TERMS)
    st.markdown(contents)
    for term in glossary.TERMS:
        st.subheader(term.term, anchor=term.anchor)
        st.markdown(term.definition)
