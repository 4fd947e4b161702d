"""The directors' roll-up matrix: units × measures, each cell a unit's Making Data Count icons,
and for a unit above team level the counts of its teams by icon.

Everything here reads the series summary (``qi_dash.summary``: one row per unit × measure),
so drawing the matrix recomputes no series. A cell without an icon says why, worked out from
the data and the definition: no data, too few points, no target, and so on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from qi_dash import periods, summary
from qi_dash.charts import format_value
from qi_dash.icons import icon_title
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.targets import Trajectory
from qi_dash.text import natural_key
from qi_dash.vocabulary import FAMILIES

# Why a cell has no icon: a code per reason and the words shown on hover and in the legend.
WHY = {
    "no_data": "no data",
    "not_combined": "not combined across teams (the measure's definition says so)",
    "too_few_points": "too few points for process limits",
    "neutral": "neither higher nor lower is better, so nothing to assure",
    "run_chart": "a run chart has no process limits to compare with a target",
    "no_target": "no target",
}
# Icons grouped as a director counts them; counts of each group are columns of a pooled row.
VARIATION_GROUPS = {
    "improvement": ("improvement_high", "improvement_low"),
    "concern": ("concern_high", "concern_low"),
    "neither": ("neutral_high", "neutral_low"),
    "common_cause": ("common_cause",),
    "no_variation_icon": ("none",),
}
ASSURANCE_GROUPS = {
    "pass": ("pass",), "fail": ("fail",), "hit_and_miss": ("hit_and_miss",), "no_assurance_icon": ("none",),
}
COUNT_COLUMNS = [*VARIATION_GROUPS, *ASSURANCE_GROUPS]
CELL_COLUMNS = [
    "unit", "measure", "level", "variation_icon", "assurance_icon", "variation_why", "assurance_why",
    "points", "latest_period", "latest_value", "teams", *COUNT_COLUMNS,
]


def icon_matrix(
    observations: pd.DataFrame,
    definitions: list[MeasureDefinition],
    *,
    targets: Callable[[str, str], Trajectory] | None = None,
    phase_changes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per team and measure with data: unit, measure, variation_icon, assurance_icon,
    all series analysed together (``summary.summarise`` without a hierarchy above teams).
    ``targets(unit, measure)`` gives a team's targets over time (the assurance icon uses the
    one in force at the series' latest point) and ``phase_changes`` (the store's frame) the
    teams' phase changes, so the icons agree with the charts."""
    return summary.summarise(observations, definitions, Hierarchy(_NO_UNITS), targets=targets,
                             phase_changes=phase_changes)[["unit", "measure", "variation_icon", "assurance_icon"]]


_NO_UNITS = pd.DataFrame(columns=["code", "name", "level", "parent"])


def measures(definitions: list[MeasureDefinition], family: str | None = None, name: str = "") -> list[MeasureDefinition]:
    """The matrix's columns: measures by family (outcome, process, balancing), then name;
    narrowed to one family and to names containing ``name`` (any case)."""
    order = {f: i for i, f in enumerate(FAMILIES)}
    chosen = [d for d in definitions if (family is None or d.family == family)
              and (not name.strip() or name.strip().casefold() in d.name.casefold())]
    return sorted(chosen, key=lambda d: (order[d.family], d.name.casefold()))


def rows_of(hierarchy: Hierarchy, unit: str) -> list[str]:
    """The matrix's rows for a selected unit: an organisation's directorates, a directorate's
    teams, a team itself."""
    if hierarchy.level(unit) == "team":
        return [unit]
    return hierarchy.children(unit)


def cells(
    series: pd.DataFrame, definitions: list[MeasureDefinition], hierarchy: Hierarchy, rows: list[str]
) -> pd.DataFrame:
    """One row per matrix row unit × measure (CELL_COLUMNS): its own icons (why none, in
    WHY codes) and, for a unit above team level, how many of its teams show each icon group.

    ``series`` is the summary (``summary.SUMMARY_COLUMNS``) of the rows and their teams."""
    by_code = {d.code: d for d in definitions}
    codes = list(by_code)
    grid = pd.MultiIndex.from_product([rows, codes], names=["unit", "measure"]).to_frame(index=False)
    own = grid.merge(series, on=["unit", "measure"], how="left")
    own["level"] = [hierarchy.level(u) for u in own["unit"]]
    own["points"] = own["points"].fillna(0).astype(np.int64)
    own["variation_icon"] = own["variation_icon"].fillna("none")
    own["assurance_icon"] = own["assurance_icon"].fillna("none")
    own["variation_why"], own["assurance_why"] = _why(own, by_code)
    counts = _team_counts(series, hierarchy, [r for r in rows if hierarchy.level(r) != "team"], codes)
    out = own.merge(counts, on=["unit", "measure"], how="left")
    for column in ["teams", *COUNT_COLUMNS]:
        out[column] = out[column].fillna(0).astype(np.int64)
    return out[CELL_COLUMNS]


def _why(frame: pd.DataFrame, by_code: dict[str, MeasureDefinition]) -> tuple[pd.Series, pd.Series]:
    """Why each cell has no variation and no assurance icon ("" where it has one)."""
    definition = frame["measure"].map(by_code)
    no_data = frame["points"].eq(0)
    not_combined = frame["level"].ne("team") & definition.map(lambda d: d.aggregation == "none")
    variation = np.select(
        [frame["variation_icon"].ne("none"), not_combined, no_data], ["", "not_combined", "no_data"], "too_few_points")
    no_limits = frame["lower"].isna() | frame["upper"].isna()
    assurance = np.select(
        [frame["assurance_icon"].ne("none"), not_combined, no_data,
         definition.map(lambda d: d.direction == "neutral"), definition.map(lambda d: d.chart == "run"),
         frame["target"].isna(), no_limits],
        ["", "not_combined", "no_data", "neutral", "run_chart", "no_target", "too_few_points"],
        "no_target",
    )
    return pd.Series(variation, index=frame.index), pd.Series(assurance, index=frame.index)


def _team_counts(series: pd.DataFrame, hierarchy: Hierarchy, units: list[str], codes: list[str]) -> pd.DataFrame:
    """Per unit × measure: teams under the unit, and how many show each icon group (a team
    with no data for the measure counts as no icon). Worked on as a teams × measures grid
    of group numbers, so a directorate's counts are sums over its teams' rows."""
    columns = ["unit", "measure", "teams", *COUNT_COLUMNS]
    if not units:
        return pd.DataFrame(columns=columns)
    teams = sorted({t for u in units for t in hierarchy.teams_under(u)})
    team_at = pd.Index(teams)
    code_at = pd.Index(codes)
    mine = series[series["unit"].isin(teams) & series["measure"].isin(codes)]
    i, j = team_at.get_indexer(mine["unit"]), code_at.get_indexer(mine["measure"])
    # Which teams each unit holds, as a units × teams 0/1 matrix: counts are matrix products.
    position = {team: k for k, team in enumerate(teams)}
    member = np.zeros((len(units), len(teams)), dtype=np.int64)
    for k, unit in enumerate(units):
        member[k, [position[t] for t in hierarchy.teams_under(unit)]] = 1
    out = pd.DataFrame({
        "unit": np.repeat(units, len(codes)), "measure": np.tile(codes, len(units)),
        "teams": np.repeat(member.sum(axis=1), len(codes)),
    })
    for groups, icon_column in ((VARIATION_GROUPS, "variation_icon"), (ASSURANCE_GROUPS, "assurance_icon")):
        group_of = {icon: g for g, (_, icons) in enumerate(groups.items()) for icon in icons}
        grid = np.full((len(teams), len(codes)), group_of["none"], dtype=np.int64)
        grid[i, j] = mine[icon_column].map(group_of).to_numpy(dtype=np.int64)
        for g, name in enumerate(groups):
            out[name] = (member @ (grid == g).astype(np.int64)).ravel()
    return out[columns]


SORTS = ("name", "concern", "failing", "improvement")
SORT_WORDS = {
    "name": "Name",
    "concern": "Most special cause concern",
    "failing": "Most failing the target",
    "improvement": "Most special cause improvement",
}
_SORT_SCORE = {"concern": ("concern_high", "concern_low"), "failing": ("fail",),
               "improvement": ("improvement_high", "improvement_low")}
_COUNT_OF = {"concern": "concern", "failing": "fail", "improvement": "improvement"}


def signal_score(frame: pd.DataFrame, signal: str) -> pd.Series:
    """Per row unit: how many cells show ``signal`` (concern, failing, improvement) — its own
    icons, plus its teams' for a unit above team level."""
    own_column = "assurance_icon" if signal == "failing" else "variation_icon"
    own = frame[own_column].isin(_SORT_SCORE[signal]).astype(np.int64)
    total = own + frame[_COUNT_OF[signal]]
    return total.groupby(frame["unit"], sort=False).sum()


def arrange(
    frame: pd.DataFrame,
    hierarchy: Hierarchy,
    measure_codes: list[str],
    *,
    sort: str = "name",
    only: tuple[str, ...] = (),
) -> list[str]:
    """The row units to show, in order: only rows where a shown measure has every signal in
    ``only`` (concern, failing, improvement), sorted by name or by most of a signal."""
    shown = frame[frame["measure"].isin(measure_codes)]
    units = list(dict.fromkeys(shown["unit"]))
    for signal in only:
        score = signal_score(shown, signal)
        units = [u for u in units if score.get(u, 0) > 0]
    by_name = sorted(units, key=lambda u: _name_key(hierarchy, u))
    if sort == "name":
        return by_name
    score = signal_score(shown, sort)
    return sorted(by_name, key=lambda u: -int(score.get(u, 0)))


def _name_key(hierarchy: Hierarchy, unit: str) -> tuple:
    return natural_key(hierarchy.name(unit)), natural_key(unit)


def legend(frame: pd.DataFrame) -> pd.DataFrame:
    """How many cells have no icon, and why (kind, why, cells), most common first."""
    rows = []
    for kind in ("variation", "assurance"):
        reasons = frame.loc[frame[f"{kind}_why"].ne(""), f"{kind}_why"].value_counts()
        rows += [(kind, WHY[code], int(n)) for code, n in reasons.items()]
    return pd.DataFrame(rows, columns=["kind", "why", "cells"])


_GROUP_WORDS = {
    "improvement": "special cause improvement", "concern": "special cause concern",
    "neither": "special cause neither better nor worse", "common_cause": "common cause",
    "no_variation_icon": "no variation icon", "pass": "consistently passing",
    "fail": "consistently failing", "hit_and_miss": "hit and miss", "no_assurance_icon": "no assurance icon",
}


def cell_words(cell: dict, definition: MeasureDefinition) -> str:
    """A cell in words, for its hover text and the download: the unit's own icons (or why
    none), its latest point, and for a unit above team level how its teams stand."""
    variation = (icon_title(cell["variation_icon"], kind="variation") if not cell["variation_why"]
                 else f"No variation icon: {WHY[cell['variation_why']]}")
    assurance = (icon_title(cell["assurance_icon"], kind="assurance") if not cell["assurance_why"]
                 else f"No assurance icon: {WHY[cell['assurance_why']]}")
    words = [f"{variation}. {assurance}."]
    if cell["points"] > 0 and pd.notna(cell["latest_period"]) and pd.notna(cell["latest_value"]):
        when = periods.label(pd.Timestamp(cell["latest_period"]), definition.frequency)
        words.append(f"Latest {when}: {format_value(cell['latest_value'], definition)}.")
    if cell["level"] != "team" and cell["teams"]:
        def counted(groups) -> str:
            return ", ".join(f"{int(cell[g])} {_GROUP_WORDS[g]}" for g in groups if cell[g])
        words.append(f"Of {int(cell['teams'])} teams: {counted(VARIATION_GROUPS)}; {counted(ASSURANCE_GROUPS)}.")
    return " ".join(words)


def table(frame: pd.DataFrame, definitions: list[MeasureDefinition], hierarchy: Hierarchy, units: list[str]) -> pd.DataFrame:
    """The matrix as a table people take away: one row per unit (in ``units`` order), one
    column per measure (by name), each cell in words (``cell_words``)."""
    by_cell = {(r["unit"], r["measure"]): r for r in frame.to_dict("records")}
    out = pd.DataFrame({
        "Unit": [hierarchy.name(u) for u in units],
        "Code": units,
        "Level": [hierarchy.level(u) for u in units],
    })
    for d in definitions:
        out[d.name] = [cell_words(by_cell[(u, d.code)], d) for u in units]
    return out
