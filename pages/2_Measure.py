"""Measure: one measure for the chosen unit — a team's own series, or pooled up the hierarchy."""

import streamlit as st

from qi_dash.ui import aims, downloads, financial_years, pack, panels, pdsa_cycles, phases, reading_guide
from qi_dash.ui.session import failures_told
from qi_dash.ui.selection import breadcrumb, page
from qi_dash.ui.widgets import markdown_text
from qi_dash.vocabulary import AGGREGATION_WORDS

with failures_told():
    selection = page("Measure", pick_measure=True, of_a_unit=True)
    breadcrumb(selection)
    definition = selection.definition()
    if definition is None:
        st.info("No measures are defined yet. Add one on the Measures page.")
        st.stop()

    pack.board_pack(selection, (definition.code,))
    st.title(markdown_text(definition.name))
    st.markdown(f"**{markdown_text(selection.name())}** · {definition.family} measure · {markdown_text(definition.unit)}")
    if selection.level != "team":
        st.caption(f"For a {selection.level}, {AGGREGATION_WORDS[definition.aggregation]}.")
    aims.aims_lines(selection, definition.code)
    controls = st.columns([1, 3], vertical_alignment="center")
    with controls[0]:
        show_2s = st.toggle("Show 2σ lines", value=False)
    with controls[1]:
        reading_guide.reading_guide()
    (view,) = selection.views((definition.code,))
    panels.measure_panel(view, key="measure_chart", show_2s=show_2s, changes=selection.pdsa_cycles(), height=520)
    downloads.chart_data_downloads(selection, view, show_2s=show_2s)
    # The forms that change things follow the chart, so it starts within a 720-pixel-high screen.
    aims.aims_forms(selection, definition.code)
    phases.measure_phases(selection, view)
    pdsa_cycles.cycles_section(selection, measure=definition.code)
    with st.expander("Operational definition"):
        st.markdown(markdown_text(definition.definition))
        st.markdown(f"**Numerator:** {markdown_text(definition.numerator)}")
        if definition.denominator:
            st.markdown(f"**Denominator:** {markdown_text(definition.denominator)}")
    if view.has_data:
        with st.expander("Data"):
            financial_years.year_table(view)
            panels.data_table(view)
