"""The funnel plot area: choose a proportion or rate measure and months, see every team of the
unit against the unit's overall value with 95 % and 99.8 % limits, and open a team's chart by
clicking its point or its link."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from qi_dash import comparison, periods
from qi_dash.chart_funnel import funnel_figure
from qi_dash.definitions import MeasureDefinition
from qi_dash.text import summarise
from qi_dash.ui import compare, financial_years
from qi_dash.ui.compare import Compared
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import markdown_text

OPEN_AFTER = 20  # more teams outside than this are listed folded away, so the page stays short


def funnel_view(selection: Selection) -> None:
    top = compare.header(selection, comparison.funnel_measures(selection.definitions()), key="funnel_measure",
                         none="A funnel plot compares proportions and rates; no measure here is one.", widths=[3, 3, 2])
    if top is None:
        return
    group, definition, (middle, right) = top
    frame = compare.observations(selection, group)
    choices = comparison.measure_periods(frame, definition)
    if not choices:
        compare.no_data(selection, group, definition)
        return
    with middle:
        first, last = _months(choices, definition)
    overdispersion = right.toggle(
        "Overdispersion", value=False,
        help="Widen the limits for the variation between teams that chance alone does not explain (additive "
             "random effects with winsorised z-scores, as NHS indicators do). Use it when most teams are outside.",
    )
    data = comparison.funnel_frame(frame, definition, list(group.team_codes), group.names, first, last,
                                   overdispersion=overdispersion)
    during = f"{periods.label(first, definition.frequency)} to {periods.label(last, definition.frequency)}"
    subtitle = f"{selection.name(group.unit)}: its {len(group.team_codes)} teams, {during}"
    event = st.plotly_chart(funnel_figure(data, definition, subtitle=subtitle), key="funnel_chart", on_select="rerun",
                            selection_mode="points", config={"displaylogo": False})
    team = compare.clicked_team(event)
    if team:
        compare.open_measure(selection, team, definition.code)
    _method(data)
    _outside(selection, group, definition, data)
    learn = compare.teams_to_learn(selection, group, definition, funnel=data, funnel_period=during)
    compare.learning_list(selection, group, definition, learn)


def _months(choices: list[pd.Timestamp], definition: MeasureDefinition) -> tuple[pd.Timestamp, pd.Timestamp]:
    if len(choices) == 1:
        return choices[0], choices[0]
    return financial_years.period_range(
        "Periods", choices, definition.frequency, key=f"funnel_periods_{definition.code}",
        default=comparison.default_range(choices, definition.frequency),
        help="Each team's numerators and denominators are added up over these periods. The last 12 months by default.",
    )


def _method(data: pd.DataFrame) -> None:
    attrs = data.attrs
    if attrs.get("method") == "overdispersed":
        st.caption(
            f"Limits adjusted for overdispersion: the teams vary {attrs['phi']:.1f} times as much as chance "
            f"alone would make them (φ), so the limits are widened by a between-team variance τ² = "
            f"{attrs['tau2']:.3g} on the variance-stabilised scale (Spiegelhalter 2005, additive random effects, "
            "z-scores winsorised at 10%/90%)."
        )
    else:
        st.caption(
            "Limits from the exact binomial (proportions) or Poisson (rates) distribution for each team's size "
            "(Spiegelhalter 2005): a team between the 95% and 99.8% lines may differ by chance; beyond the "
            "99.8% lines it is unlikely to be chance alone."
        )
    empty = data.loc[data["value"].isna(), "name"].tolist()
    if empty:
        st.caption(f"No data in these periods, so not on the chart: {markdown_text(summarise(empty, 8))}.")


def _outside(selection: Selection, group: Compared, definition: MeasureDefinition, data: pd.DataFrame) -> None:
    """Every team outside the 99.8 % limits as a link to its chart, higher then lower."""
    lines = []
    for side, words in (("high", "Above the 99.8% limits"), ("low", "Below the 99.8% limits")):
        rows = data[data["outside"] == side].sort_values("z", ascending=side == "low", kind="stable")
        if not rows.empty:
            links = ", ".join(compare.team_link(selection, group, u, definition.code) for u in rows["unit"])
            lines.append(f"<p><b>{html.escape(words)} ({len(rows)}):</b> {links}</p>")
    if not lines:
        st.caption("Every team is within the 99.8% limits.")
    elif (data["outside"] != "").sum() > OPEN_AFTER:
        with st.expander(f"Teams outside the 99.8% limits ({(data['outside'] != '').sum()})"):
            st.markdown("".join(lines), unsafe_allow_html=True)
    else:
        st.markdown("".join(lines), unsafe_allow_html=True)
