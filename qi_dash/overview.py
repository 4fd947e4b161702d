"""Every team × measure at once: the organisation's Making Data Count icon matrix.

Directors compare variation across teams here: each cell is a team's measure summarised by
its variation and assurance icons, all series analysed together by ``spc.analyse_many``.
"""

from __future__ import annotations

import pandas as pd

from qi_dash import aggregate
from qi_dash.definitions import MeasureDefinition
from qi_dash.spc import analyse_many


def icon_matrix(observations: pd.DataFrame, definitions: list[MeasureDefinition]) -> pd.DataFrame:
    """One row per team and measure with data: unit, measure, variation_icon, assurance_icon."""
    by_code = {d.code: d for d in definitions}
    series = []
    for (unit, code), rows in observations.groupby(["unit", "measure"], sort=True):
        definition = by_code.get(code)
        if definition is None:
            continue
        filled = aggregate.fill_gaps(rows.assign(teams_reporting=1), definition.frequency)
        if definition.has_denominator:
            # Run and XmR charts of a proportion or rate chart the ratio itself.
            filled["value"] = filled["numerator"] / filled["denominator"]
        series.append(filled.assign(series=f"{unit}\x1f{code}", unit=unit, measure=code))
    columns = ["unit", "measure", "variation_icon", "assurance_icon"]
    if not series:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(series, ignore_index=True)
    keys = frame.drop_duplicates("series")
    setting = {s: by_code[m] for s, m in zip(keys["series"], keys["measure"])}
    batch = analyse_many(
        frame[["series", "period", "value", "numerator", "denominator"]],
        chart={s: d.chart for s, d in setting.items()},
        direction={s: d.direction for s, d in setting.items()},
        target={s: d.target for s, d in setting.items()},
        run_rules={s: d.run_rules for s, d in setting.items()},
        baseline_points={s: d.baseline_points for s, d in setting.items()},
        screen_moving_ranges={s: d.screen_moving_ranges for s, d in setting.items()},
        multiplier={s: d.multiplier for s, d in setting.items()},
    )
    icons = batch.icons
    icons[["unit", "measure"]] = icons["series"].str.split("\x1f", expand=True)
    return icons[columns]
