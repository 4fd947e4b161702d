"""A measure's series for a unit, analysed as its definition says.

The glue between the store's observations, the hierarchy, the measure definitions and the SPC
engine: pages ask for "this measure for this unit" and get the series, the engine's result
and the words that go with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from qi_dash import aggregate, charts, periods
from qi_dash.aims import Aim
from qi_dash.definitions import MeasureDefinition
from qi_dash.phases import PhaseChange, active_changes, engine_phases
from qi_dash.spc import SPCResult, analyse
from qi_dash.targets import Trajectory


@dataclass
class MeasureView:
    definition: MeasureDefinition
    series: pd.DataFrame  # one row per period, gaps included (aggregate.SERIES_COLUMNS)
    result: SPCResult | None  # the SPC engine's result (its points keep numerators and denominators); None without data
    message: str = ""
    trajectory: Trajectory | None = None  # the targets over time the unit follows (None: the definition's one)
    aims: tuple[Aim, ...] = ()  # the unit's own aims on this measure, drawn as goal lines
    phase_changes: tuple[PhaseChange, ...] = ()  # the unit's own, in force, that the result used

    @property
    def has_data(self) -> bool:
        return self.result is not None

    @property
    def points(self) -> pd.DataFrame | None:
        """The engine's points with each period's comment from the series (a team's own
        comments; none for a pooled series), as charts and tables show them."""
        if self.result is None:
            return None
        comments = self.series.set_index("period")["comment"]
        return self.result.points.assign(comment=self.result.points["period"].map(comments))

    @property
    def latest(self) -> pd.Series | None:
        """The last period with data, as charted (period, value, …)."""
        if self.result is None:
            return None
        points = self.result.points
        present = points[points["value"].notna()]
        return None if present.empty else present.iloc[-1]


def analyse_series(
    series: pd.DataFrame,
    definition: MeasureDefinition,
    *,
    trajectory: Trajectory | None = None,
    phase_changes: Sequence[PhaseChange] = (),
) -> SPCResult:
    """Run the engine on a gap-filled series with the definition's chart and settings, the
    unit's phase changes in force, and the target in force at each period when the target
    changes over time."""
    settings = definition.spc_settings()
    if trajectory is not None and trajectory.changes:
        settings = replace(settings, target=tuple(trajectory.at(series["period"])))
    phased = engine_phases(phase_changes)
    given = {"settings": settings, "phase_starts": phased.phase_starts, "frozen_from": phased.frozen_from}
    if definition.has_denominator:
        return analyse(
            series["period"],
            numerators=series["numerator"].to_numpy(dtype=float),
            denominators=series["denominator"].to_numpy(dtype=float),
            **given,
        )
    return analyse(series["period"], values=series["value"].to_numpy(dtype=float), **given)


def data_table(view: MeasureView) -> pd.DataFrame:
    """The measure's data in words a team reads: period, value, numerator and denominator
    (for a proportion or rate), comment and signal, one row per period, gaps included."""
    d = view.definition
    points = view.points
    if points is None:
        return pd.DataFrame(columns=["Period", "Value", "Comment", "Signal"])
    table = pd.DataFrame({
        "Period": periods.label(points["period"], d.frequency),
        f"Value ({d.unit})" if d.unit.strip() else "Value":
            [charts.format_value(v, d, with_unit=False) for v in points["value"]],
    })
    if d.has_denominator:
        table["Numerator"] = points["numerator"].to_numpy(dtype=float)
        table["Denominator"] = points["denominator"].to_numpy(dtype=float)
    reporting = view.series.set_index("period")["teams_reporting"]
    if reporting.max() > 1:  # a pooled series: how many teams each period combines
        table["Teams reporting"] = points["period"].map(reporting).fillna(0).astype(int).to_numpy()
    table["Comment"] = points["comment"].fillna("").astype(str).to_numpy()
    table["Signal"] = points["reason"].where(points["signal"], "").fillna("").to_numpy()
    return table.reset_index(drop=True)


def measure_view(
    observations: pd.DataFrame,
    definition: MeasureDefinition,
    team_codes: list[str],
    *,
    trajectory: Trajectory | None = None,
    aims: tuple[Aim, ...] = (),
    phase_changes: Sequence[PhaseChange] = (),
) -> MeasureView:
    """The measure for the teams given (one team, or all teams under a unit), with the
    phase changes in force recorded on that unit for this measure (a pooled series has
    only its own unit's, never its teams'), against the unit's targets over time and with
    its aims."""
    try:
        series = aggregate.series(observations, definition, team_codes)
    except aggregate.NotAggregated as err:
        return MeasureView(definition, pd.DataFrame(columns=aggregate.SERIES_COLUMNS), None, str(err), trajectory, aims)
    values = series[["numerator", "denominator", "value"]].to_numpy(dtype=float)
    if series.empty or np.isnan(values).all():
        return MeasureView(definition, series, None, "No data yet.", trajectory, aims)
    changes = tuple(phase_changes)
    return MeasureView(definition, series, analyse_series(series, definition, trajectory=trajectory, phase_changes=changes), "",
                       trajectory, aims, changes)


def unit_views(
    observations: pd.DataFrame,
    definitions: Sequence[MeasureDefinition],
    team_codes: Sequence[str],
    unit: str,
    measure_codes: Sequence[str],
    *,
    targets: Callable[[str, str], Trajectory],
    aims: Sequence[Aim],
    phase_changes: pd.DataFrame | None,
) -> list[MeasureView]:
    """The measures of the teams given as ``unit``'s charts show them: against the targets over
    time ``unit`` follows (``targets(unit, measure)``), with its own aims and its phase changes
    in force (``phase_changes``: the store's frame)."""
    by_code = {d.code: d for d in definitions}
    return [measure_view(observations, by_code[code], list(team_codes), trajectory=targets(unit, code),
                         aims=tuple(a for a in aims if a.unit == unit and a.measure == code),
                         phase_changes=active_changes(phase_changes, unit, code))
            for code in measure_codes]
