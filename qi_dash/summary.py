"""The per-series summary the overview views read: one row per unit × measure with its latest
point, centre line, limits and Making Data Count icons.

Every team's own series and the pooled series of every directorate and organisation above it
(combined as the measure's definition says, ``aggregate.combine``) go through
``spc.analyse_many`` together. The store keeps the result in a table the upload's transaction
refreshes for the series it touched (``store.summary.refresh``), so no view recomputes every
series; "as it was on" views compute it from the observations of that day.
"""

from __future__ import annotations

import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.spc import analyse_many

SUMMARY_COLUMNS = [
    "unit", "measure", "points", "latest_period", "latest_value", "centre", "lower", "upper",
    "variation_icon", "assurance_icon", "target",
]
_SEP = "\x1f"  # joins unit and measure into one series key (neither holds a control character)
_WANTED = ["unit", "measure", "period", "numerator", "denominator", "value"]


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in SUMMARY_COLUMNS})


def _dtype(column: str) -> str:
    if column == "points":
        return "int64"
    if column == "latest_period":
        return "datetime64[ns]"
    return "str" if column in ("unit", "measure", "variation_icon", "assurance_icon") else "float64"


def ancestors(hierarchy: Hierarchy, teams: list[str]) -> pd.DataFrame:
    """One row per team and unit above it (columns team, unit): whose series a team feeds."""
    pairs = [(team, above) for team in teams if team in hierarchy for above in hierarchy.path_to(team)[:-1]]
    return pd.DataFrame(pairs, columns=["team", "unit"])


def affected(hierarchy: Hierarchy, series: pd.DataFrame) -> pd.DataFrame:
    """The unit × measure series that change when the team series ``series`` (unit, measure)
    change: those series and the pooled series of every unit above them."""
    teams = series[["unit", "measure"]].drop_duplicates()
    up = ancestors(hierarchy, teams["unit"].unique().tolist())
    above = teams.merge(up, left_on="unit", right_on="team", suffixes=("_team", ""))[["unit", "measure"]]
    return pd.concat([teams, above], ignore_index=True).drop_duplicates(ignore_index=True)


def summarise(
    observations: pd.DataFrame,
    definitions: list[MeasureDefinition],
    hierarchy: Hierarchy,
    series: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary (SUMMARY_COLUMNS) of the team series in ``series`` (unit, measure; None:
    every team series in ``observations``) and of the pooled series above them.

    ``observations`` must hold every team under those units for those measures (a pooled
    series reads all its teams). A measure whose definition says it is not combined across
    teams has no pooled rows; a series with no data at all has ``points`` 0 and no icons.
    """
    by_code = {d.code: d for d in definitions}
    observations = observations.loc[observations["measure"].isin(list(by_code)), _WANTED]
    if series is None:
        series = observations[["unit", "measure"]].drop_duplicates()
    wanted = affected(hierarchy, series)
    own = observations.merge(series[["unit", "measure"]].drop_duplicates(), on=["unit", "measure"])
    parts = [own]
    pooled_units = wanted.merge(ancestors(hierarchy, hierarchy.teams), on="unit")  # unit, measure, team
    for code, needed in pooled_units.groupby("measure", sort=False):
        definition = by_code[code]
        if definition.aggregation == "none":
            continue
        rows = observations[observations["measure"] == code].merge(
            needed[["team", "unit"]].rename(columns={"unit": "above"}), left_on="unit", right_on="team")
        if rows.empty:
            continue
        combined = aggregate.combine(rows, definition, by=["above"]).rename(columns={"above": "unit"})
        parts.append(combined.assign(measure=code)[_WANTED])
    return analyse(pd.concat(parts, ignore_index=True), by_code)


def analyse(frame: pd.DataFrame, by_code: dict[str, MeasureDefinition]) -> pd.DataFrame:
    """Every unit × measure series of a long frame (``_WANTED`` columns) analysed at once:
    gaps made explicit per the measure's frequency, then ``analyse_many``."""
    if frame.empty:
        return empty()
    frequency = frame["measure"].map({c: d.frequency for c, d in by_code.items()})
    frame = pd.concat(
        [aggregate.fill_gaps_many(frame.loc[frequency == f, _WANTED], f, ["unit", "measure"])
         for f in frequency.unique()],
        ignore_index=True,
    )
    ratio = frame["measure"].map({c: d.has_denominator for c, d in by_code.items()}).astype(bool)
    # Run and XmR charts of a proportion or rate chart the ratio itself.
    frame["value"] = frame["value"].where(~ratio, frame["numerator"] / frame["denominator"])
    frame["series"] = frame["unit"] + _SEP + frame["measure"]
    keys = frame.drop_duplicates("series")
    settings = {code: d.spc_settings() for code, d in by_code.items()}
    batch = analyse_many(
        frame[["series", "period", "value", "numerator", "denominator"]],
        {s: settings[m] for s, m in zip(keys["series"], keys["measure"])},
    )
    latest = batch.latest
    latest[["unit", "measure"]] = latest["series"].str.split(_SEP, n=1, expand=True)
    latest = latest.rename(columns={"period": "latest_period", "value": "latest_value"})
    return latest[SUMMARY_COLUMNS].sort_values(["unit", "measure"], ignore_index=True)
