"""NHS financial years on screen: a range of periods chosen by financial year as well as period
by period, and a measure's figures per financial year (``qi_dash.financial_years``)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from qi_dash import chart_data, periods
from qi_dash.analysis import MeasureView
from qi_dash.financial_years import financial_years, fy_range

ANY = ""  # the financial-year choice that leaves the periods as the slider has them


def period_range(label: str, choices: list[pd.Timestamp], frequency: str, *, key: str,
                 default: tuple[pd.Timestamp, pd.Timestamp], help: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A range of ``choices`` (period starts, in order): a financial year ("2024/25": its
    periods among the choices) or any first and last period on the slider. Choosing a year
    moves the slider; moving the slider off a year's periods clears the year."""
    # The widgets' keys name the span of choices: other choices (another day's data) start afresh.
    key = f"{key}_{choices[0]:%Y%m%d}_{choices[-1]:%Y%m%d}"
    year_key = f"{key}_fy"
    years = financial_years(choices)
    if st.session_state.get(year_key) not in [ANY, *years]:
        st.session_state[year_key] = ANY

    def year_chosen() -> None:
        span = fy_range(choices, st.session_state[year_key]) if st.session_state[year_key] else None
        if span is not None:
            st.session_state[key] = span

    def periods_moved() -> None:
        chosen = st.session_state[year_key]
        if chosen and tuple(st.session_state[key]) != fy_range(choices, chosen):
            st.session_state[year_key] = ANY

    year, span = st.columns([2, 3], vertical_alignment="bottom")
    year.selectbox("Financial year", [ANY, *years], key=year_key, on_change=year_chosen,
                   format_func=lambda y: y or "Any")
    first, last = span.select_slider(label, options=choices, value=default, key=key,
                                     on_change=periods_moved, format_func=_labeller(frequency),
                                     help=f"{help} Or choose an NHS financial year (1 April to 31 March; a week "
                                          "belongs to the year of the Monday it commences).")
    return first, last


def _labeller(frequency: str) -> Callable[[pd.Timestamp], str]:
    return lambda p: periods.label(p, frequency)


def year_table(view: MeasureView) -> None:
    """The measure per NHS financial year: periods with data, the year's value and how it is
    worked out (pooled, total or mean, as the measure's definition says)."""
    table = chart_data.fy_table(view)
    if table.empty:
        return
    st.markdown("**By NHS financial year** (1 April to 31 March)")
    st.dataframe(table.drop(columns=["How"]), hide_index=True, width="stretch",
                 column_config={"From": st.column_config.DateColumn(format="DD/MM/YYYY"),
                                "To": st.column_config.DateColumn(format="DD/MM/YYYY")})
    st.caption(f"Each year's value is {table['How'].iloc[0]}; a year with fewer periods with data than periods "
               "in the year is a part year. Each period follows.")
