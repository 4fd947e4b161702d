"""Every team × measure at once: the organisation's Making Data Count icon matrix.

Directors compare variation across teams here: each cell is a team's measure summarised by
its variation and assurance icons, all series analysed together by ``spc.analyse_many``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition
from qi_dash.phases import active_changes, engine_phases
from qi_dash.spc import analyse_many
from qi_dash.targets import Trajectory


def icon_matrix(
    observations: pd.DataFrame,
    definitions: list[MeasureDefinition],
    *,
    targets: Callable[[str, str], Trajectory] | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per team and measure with data: unit, measure, variation_icon, assurance_icon.
    ``targets(unit, measure)`` gives a team's targets over time; the assurance icon uses the
    one in force at the series' latest point. ``phase_changes`` (the store's frame) are the
    teams' phase changes: each series is analysed with its own, as its chart is, so the
    icons agree with the charts."""
    by_code = {d.code: d for d in definitions}
    observations = observations[observations["measure"].isin(list(by_code))]
    columns = ["unit", "measure", "variation_icon", "assurance_icon"]
    if observations.empty:
        return pd.DataFrame(columns=columns)
    wanted = ["unit", "measure", "period", "numerator", "denominator", "value"]
    frequency = observations["measure"].map({c: d.frequency for c, d in by_code.items()})
    frame = pd.concat(
        [aggregate.fill_gaps_many(observations.loc[frequency == f, wanted], f, ["unit", "measure"])
         for f in frequency.unique()],
        ignore_index=True,
    )
    ratio = frame["measure"].map({c: d.has_denominator for c, d in by_code.items()}).astype(bool)
    # Run and XmR charts of a proportion or rate chart the ratio itself.
    frame["value"] = frame["value"].where(~ratio, frame["numerator"] / frame["denominator"])
    frame["series"] = frame["unit"] + "\x1f" + frame["measure"]
    keys = frame.drop_duplicates("series")
    settings = {code: d.spc_settings() for code, d in by_code.items()}
    chosen = {s: settings[m] for s, m in zip(keys["series"], keys["measure"])}
    if targets is not None:
        latest = frame.dropna(subset=["value"]).groupby("series")["period"].max()
        for key, unit, measure in zip(keys["series"], keys["unit"], keys["measure"]):
            trajectory = targets(unit, measure)
            if trajectory.changes and key in latest.index:
                chosen[key] = replace(chosen[key], target=float(trajectory.at(latest[key])[0]))
    phased = {}
    if phase_changes is not None:
        for unit, measure in phase_changes[["unit", "measure"]].drop_duplicates().itertuples(index=False):
            phased[f"{unit}\x1f{measure}"] = engine_phases(active_changes(phase_changes, unit, measure))
    batch = analyse_many(
        frame[["series", "period", "value", "numerator", "denominator"]],
        chosen,
        phase_starts={key: p.phase_starts for key, p in phased.items()},
        frozen_from={key: p.frozen_from for key, p in phased.items()},
    )
    icons = batch.icons
    icons[["unit", "measure"]] = icons["series"].str.split("\x1f", expand=True)
    return icons[columns]
