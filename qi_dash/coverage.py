"""Where data is missing: which teams report which measures, up to when, and the gaps."""

from __future__ import annotations

import pandas as pd

from qi_dash import periods
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.text import natural_order


def missing_periods(observations: pd.DataFrame, definitions: list[MeasureDefinition]) -> pd.DataFrame:
    """Each team × measure period with no value, from the team's first period to the latest
    period any team reported for that measure (columns unit, measure, period)."""
    frequency = {d.code: d.frequency for d in definitions}
    present = observations[
        observations[["numerator", "denominator", "value"]].notna().any(axis=1)
        & observations["measure"].isin(list(frequency))
    ]
    out = []
    for freq in ("month", "week"):
        rows = present[present["measure"].map(frequency) == freq]
        if rows.empty:
            continue
        rows = rows.assign(_ordinal=periods.ordinals(rows["period"], freq))
        first = rows.groupby(["unit", "measure"])["_ordinal"].min().rename("first").reset_index()
        first["last"] = first["measure"].map(rows.groupby("measure")["_ordinal"].max())
        owner, numbers = periods.ordinal_ranges(first["first"].to_numpy(), first["last"].to_numpy())
        expected = first.loc[owner, ["unit", "measure"]].reset_index(drop=True).assign(_ordinal=numbers)
        gaps = expected.merge(rows[["unit", "measure", "_ordinal"]], how="left", indicator=True)
        gaps = gaps[gaps["_merge"] == "left_only"]
        out.append(pd.DataFrame({
            "unit": gaps["unit"].to_numpy(), "measure": gaps["measure"].to_numpy(),
            "period": periods.from_ordinals(gaps["_ordinal"].to_numpy(), freq),
        }))
    if not out:
        return pd.DataFrame(columns=["unit", "measure", "period"])
    return pd.concat(out, ignore_index=True).sort_values(["unit", "measure", "period"], ignore_index=True)


def latest(observations: pd.DataFrame, definitions: list[MeasureDefinition], frequency: str) -> pd.Timestamp | None:
    """The latest period with data among the measures of one frequency."""
    codes = [d.code for d in definitions if d.frequency == frequency]
    found = observations.loc[observations["measure"].isin(codes), "period"].max()
    return None if pd.isna(found) else pd.Timestamp(found)


def team_summary(
    observations: pd.DataFrame, hierarchy: Hierarchy, definitions: list[MeasureDefinition], team_codes: list[str]
) -> pd.DataFrame:
    """One row per team: directorate, measures reporting, latest month and week, missing periods."""
    teams = [code for code in team_codes if code in hierarchy]
    frequency = {d.code: d.frequency for d in definitions}
    mine = observations[observations["unit"].isin(team_codes)]
    mine = mine.assign(frequency=mine["measure"].map(frequency))
    by_team = mine.groupby("unit")
    latest_by = mine.groupby(["unit", "frequency"])["period"].max().unstack()
    latest_month = latest_by["month"] if "month" in latest_by else pd.Series(dtype="datetime64[ns]")
    latest_week = latest_by["week"] if "week" in latest_by else pd.Series(dtype="datetime64[ns]")
    gaps = missing_periods(mine, definitions)
    gap_frequency = gaps["measure"].map(frequency)
    gaps["label"] = ""
    for freq in ("month", "week"):
        chosen = gap_frequency == freq
        gaps.loc[chosen, "label"] = periods.label(gaps.loc[chosen, "period"], freq)
    where = (
        gaps.groupby(["unit", "measure"])["label"]
        .agg(lambda labels: ", ".join(labels.iloc[:6]) + (" …" if len(labels) > 6 else ""))
        .reset_index()
        .assign(text=lambda f: f["measure"] + ": " + f["label"])
        .groupby("unit")["text"].agg("; ".join)
    )

    def label(stamps: pd.Series, freq: str) -> list[str]:
        found = [stamps.get(code) for code in teams]
        return [periods.label(pd.Timestamp(v), freq) if pd.notna(v) else "–" for v in found]

    measures, missing = by_team["measure"].nunique(), gaps["unit"].value_counts()
    summary = pd.DataFrame({
        "unit": teams,
        "Team": [hierarchy.name(code) for code in teams],
        "Directorate": [hierarchy.name(hierarchy.parent(code)) for code in teams],
        "Measures": [int(measures.get(code, 0)) for code in teams],
        "Latest month": label(latest_month, "month"),
        "Latest week": label(latest_week, "week"),
        "Missing periods": [int(missing.get(code, 0)) for code in teams],
        "Where": [where.get(code, "") for code in teams],
    })
    return summary.sort_values(["Directorate", "Team"], key=natural_order, ignore_index=True)
