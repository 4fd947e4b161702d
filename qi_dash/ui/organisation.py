"""The organisation at a glance, for directors: headline figures, the teams × measures
variation matrix, and where data is missing. Every read goes through the selection, so
"Show data as it was on" applies here too."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from qi_dash import coverage, icons, periods
from qi_dash.text import natural_key
from qi_dash.ui.selection import Selection
from qi_dash.ui.widgets import icon_uri, table_height


def headline(selection: Selection) -> pd.DataFrame:
    """Teams, measures and the latest month with data; returns the per-team summary."""
    frame = selection.observations()
    definitions = selection.definitions()
    summary = coverage.team_summary(frame, selection.hierarchy, definitions, list(selection.team_codes))
    latest_month = coverage.latest(frame, definitions, "month")
    teams, measures, latest = st.columns(3)
    teams.metric("Teams", len(summary))
    measures.metric("Measures", len(definitions))
    latest.metric("Latest month with data", periods.label(latest_month, "month") if latest_month else "–")
    return summary


def coverage_table(summary: pd.DataFrame) -> None:
    st.dataframe(
        summary.drop(columns=["unit"]),
        hide_index=True,
        width="stretch",
        height=table_height(len(summary)),
        column_config={
            "Missing periods": st.column_config.NumberColumn(
                help="Periods with no data between a team's first period and the latest period any team reported."
            ),
            "Where": st.column_config.TextColumn(width="large"),
        },
    )


def variation_matrix(selection: Selection) -> None:
    """Teams × measures, each cell the measure's variation icon; a link opens the team."""
    matrix = selection.icon_matrix()
    if matrix.empty:
        st.info("No data yet.")
        return
    defs = [d for d in selection.definitions() if d.code in set(matrix["measure"])]
    grid = matrix.pivot(index="unit", columns="measure", values="variation_icon")
    tree = selection.hierarchy
    table = pd.DataFrame({
        "Team": [_team_link(selection, code) for code in grid.index],
        "_order": [(natural_key(tree.name(tree.parent(c))), natural_key(tree.name(c))) for c in grid.index],
    })
    for d in defs:
        # An empty cell: the team does not report this measure.
        table[d.name] = [icon_uri(c, "variation") if isinstance(c, str) else "" for c in grid[d.code]]
    # Teams by directorate, then name: the sidebar narrows to one directorate.
    table = table.sort_values("_order", ignore_index=True).drop(columns="_order")
    config = {
        "Team": st.column_config.LinkColumn("Team", display_text=r"#(.*)$", width="medium"),
        **{d.name: st.column_config.ImageColumn(d.code, help=f"{d.name} · {d.direction_words}", width="small") for d in defs},
    }
    st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table), 48), column_config=config, row_height=48)
    counts = matrix["variation_icon"].value_counts()
    st.caption(" · ".join(
        f"{icons.icon_title(code, kind='variation')}: {counts.get(code, 0)}"
        for code in ("improvement_high", "improvement_low", "concern_high", "concern_low", "neutral_high", "neutral_low", "common_cause")
        if counts.get(code, 0)
    ))


def _team_link(selection: Selection, team: str) -> str:
    """A link to the team's page keeping the rest of the selection (the as-of day too). The
    fragment carries the team's name for the link text; the app ignores it."""
    tree = selection.hierarchy
    query = urlencode({"team": team, "dir": tree.parent(team), **selection.link(team="", dir="")})
    return f"./Team?{query}#{tree.name(team)}"
