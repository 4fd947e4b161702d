"""The Story page: for a unit and a measure, the chart with its PDSA cycles, then each cycle in the
order it was tried — what was tried, the prediction, what happened, what was learned and the
decision — written to be read by others and printed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qi_dash import charts
from qi_dash.pdsa import decision_label, on_measure
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text
from qi_dash.vocabulary import PDSA_STEP_WORDS, PDSA_STEPS

# A fixed size, so the chart prints as it shows: within an A4 page's width.
CHART_WIDTH = 760
CHART_HEIGHT = 440
# In print: no sidebar, header or toolbar; the page uses the paper's width; no cycle split across pages.
PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], [data-testid="stPageLink"] { display: none !important; }
  [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  .js-plotly-plot, [data-testid="stVerticalBlockBorderWrapper"] { break-inside: avoid; }
}
</style>"""


def improvement_story(selection: Selection) -> None:
    definition = selection.definition()
    if definition is None:
        st.title("The improvement story")
        st.info("No measures are defined yet. Add one on the Measures page.")
        return
    st.html(PRINT_CSS)
    st.title(f"{markdown_text(selection.name())}: {markdown_text(definition.name)}")
    st.caption("The improvement story: the chart with its PDSA cycles, then each cycle in the order it was tried.")
    cycles = on_measure(selection.pdsa_cycles(), definition.code)
    (view,) = selection.views((definition.code,))
    if view.has_data:
        figure = charts.spc_figure(view.points, view.result.phases, definition, changes=cycles, height=CHART_HEIGHT)
        figure.update_layout(width=CHART_WIDTH)
        st.plotly_chart(figure, key="story_chart", width="content", config={"displaylogo": False, "displayModeBar": False})
        st.caption(markdown_text(view.result.summary))
    else:
        st.info(view.message or "No data yet.")
    if cycles.empty:
        st.info("No PDSA cycles are linked to this measure yet. Add one under the charts on the Team page.")
        return
    st.header("What we tried, in order")
    for cycle in cycles.to_dict("records"):
        chapter(cycle)


def chapter(cycle: dict) -> None:
    """One cycle as a short story: each part in the team's own words."""
    with st.container(border=True):
        st.subheader(f"{cycle['number']}. {markdown_text(cycle['title'])} ({decision_label(cycle['decision'])})")
        dates = [f"{PDSA_STEP_WORDS[step]} {cycle[f'{step}_date']:%d/%m/%Y}" for step in PDSA_STEPS
                 if pd.notna(cycle[f"{step}_date"])]
        whose = [markdown_text(cycle["whose"])] if cycle.get("whose") else []
        st.caption(" · ".join(whose + dates))
        parts = (
            ("What we tried", [cycle["change_idea"], cycle["plan_notes"]]),
            ("What we predicted", [cycle["prediction"]]),
            ("What happened", [cycle["do_notes"], cycle["study_notes"]]),
            ("What we learned", [cycle["learned"]]),
            (f"Decision: {decision_label(cycle['decision'])}", [cycle["act_notes"]]),
        )
        for heading, texts in parts:
            said = " ".join(markdown_text(t) for t in texts if isinstance(t, str) and t.strip())
            if said or heading.startswith("Decision"):
                st.markdown(f"**{heading}.** {said}")
