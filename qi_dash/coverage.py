"""Where data is missing: which teams report which measures, up to when, and the gaps."""

from __future__ import annotations

import pandas as pd

from qi_dash import periods
from qi_dash.definitions import MeasureDefinition


def missing_periods(observations: pd.DataFrame, definitions: list[MeasureDefinition]) -> pd.DataFrame:
    """Each team × measure period with no value, from the team's first period to the latest
    period any team reported for that measure (columns unit, measure, period)."""
    out = []
    frequency = {d.code: d.frequency for d in definitions}
    present = observations[observations[["numerator", "denominator", "value"]].notna().any(axis=1)]
    for measure, rows in present.groupby("measure"):
        if measure not in frequency:
            continue
        last = pd.Timestamp(rows["period"].max())
        for unit, team_rows in rows.groupby("unit"):
            expected = periods.period_range(pd.Timestamp(team_rows["period"].min()), last, frequency[measure])
            gaps = pd.DatetimeIndex(expected).difference(pd.DatetimeIndex(team_rows["period"]))
            out.append(pd.DataFrame({"unit": unit, "measure": measure, "period": gaps}))
    if not out:
        return pd.DataFrame(columns=["unit", "measure", "period"])
    return pd.concat(out, ignore_index=True).sort_values(["unit", "measure", "period"], ignore_index=True)


def latest(observations: pd.DataFrame, definitions: list[MeasureDefinition], frequency: str) -> pd.Timestamp | None:
    """The latest period with data among the measures of one frequency."""
    codes = [d.code for d in definitions if d.frequency == frequency]
    found = observations.loc[observations["measure"].isin(codes), "period"].max()
    return None if pd.isna(found) else pd.Timestamp(found)


def team_summary(
    observations: pd.DataFrame, units: pd.DataFrame, definitions: list[MeasureDefinition], team_codes: list[str]
) -> pd.DataFrame:
    """One row per team: directorate, measures reporting, latest month and week, missing periods."""
    teams = units[units["code"].isin(team_codes)]
    names = dict(zip(units["code"], units["name"]))
    frequency = {d.code: d.frequency for d in definitions}
    gaps = missing_periods(observations, definitions)
    rows = []
    for team in teams.itertuples(index=False):
        mine = observations[observations["unit"] == team.code]
        latest = {
            f: mine.loc[mine["measure"].map(frequency) == f, "period"].max() for f in ("month", "week")
        }
        team_gaps = gaps[gaps["unit"] == team.code]
        rows.append({
            "team": team.code,
            "Team": team.name,
            "Directorate": names.get(team.parent, team.parent),
            "Measures": mine["measure"].nunique(),
            "Latest month": periods.label(latest["month"], "month") if pd.notna(latest["month"]) else "–",
            "Latest week": periods.label(latest["week"], "week") if pd.notna(latest["week"]) else "–",
            "Missing periods": len(team_gaps),
            "Where": "; ".join(
                f"{m}: " + ", ".join(periods.label(p, frequency[m]) for p in g["period"][:6])
                + (" …" if len(g) > 6 else "")
                for m, g in team_gaps.groupby("measure")
            ),
        })
    columns = ["team", "Team", "Directorate", "Measures", "Latest month", "Latest week", "Missing periods", "Where"]
    return pd.DataFrame(rows, columns=columns).sort_values(["Directorate", "Team"], ignore_index=True)
