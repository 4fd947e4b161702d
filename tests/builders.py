"""Builders of valid upload data for the demo organisation, shared by the tests and the
ingest benchmark (``benchmarks/ingest_bench.py`` imports them from here).

The hostile and awkward files (and ``write_xlsx``) are in ``fixtures_hostile.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from qi_dash import bootstrap, periods
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import read_hierarchy

CANONICAL_COLUMNS = ["team", "measure", "period", "numerator", "denominator", "value", "comment"]
CSV_HEADER = ",".join(CANONICAL_COLUMNS) + "\n"
LATEST_MONTH = date(2025, 10, 1)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    """A canonical-template CSV file: the header, then ``lines``."""
    return (CSV_HEADER + "".join(f"{line}\n" for line in lines)).encode(encoding)


def demo_rows(n_rows: int, seed: int = 2024) -> pd.DataFrame:
    """``n_rows`` valid canonical rows for the demo's teams and measures, with unique
    team × measure × period keys: every team and measure from ``LATEST_MONTH`` back, as many
    months back as it takes (weekly measures give about 4⅓ rows a month, monthly ones 1).

    Columns as the template; ``period`` is a date. Rows are in team, measure, period order,
    as an export is.
    """
    teams = read_hierarchy(bootstrap.DEMO_HIERARCHY).query("level == 'team'")["code"].tolist()
    definitions = read_definitions(bootstrap.STANDARD_MEASURES)
    weekly = sum(d.frequency == "week" for d in definitions)
    per_month = len(teams) * (len(definitions) - weekly + 4 * weekly)  # at least, per month back
    start = max(pd.Timestamp(LATEST_MONTH) - pd.DateOffset(months=n_rows // per_month + 1), periods.EARLIEST)
    months = pd.date_range(start, LATEST_MONTH, freq="MS")
    mondays = pd.date_range(months[0], months[-1] + pd.offsets.MonthEnd(0), freq="W-MON")
    parts = [
        pd.DataFrame({"measure": d.code, "kind": d.kind, "period": months if d.frequency == "month" else mondays})
        for d in definitions
    ]
    keys = pd.concat(parts, ignore_index=True).merge(pd.DataFrame({"team": teams}), how="cross")
    keys = keys.sort_values("period", ascending=False, kind="stable").head(n_rows)
    keys = keys.sort_values(["team", "measure", "period"], kind="stable").reset_index(drop=True)
    if len(keys) < n_rows:
        raise ValueError(f"periods from {periods.EARLIEST:%Y} on give only {len(keys):,} unique rows")

    rng = np.random.default_rng(seed)
    n = len(keys)
    kind = keys["kind"].to_numpy()
    ratio = np.isin(kind, ["rate", "proportion"])
    denominator = np.where(kind == "rate", rng.integers(300, 900, n), rng.integers(10, 40, n)).astype(float)
    numerator = np.where(kind == "rate", rng.integers(0, 20, n), np.floor(rng.random(n) * (denominator + 1)))
    value = np.where(kind == "count", rng.integers(0, 30, n), np.round(rng.random(n) * 10, 1))
    comments = np.array([None, "+1 agency nurse", "Ward closed for deep clean", "=SUM(A1)"], dtype=object)
    comment = comments[np.where(np.arange(n) % 997 == 0, np.arange(n) // 997 % 3 + 1, 0)]
    return pd.DataFrame({
        "team": keys["team"],
        "measure": keys["measure"],
        "period": keys["period"].dt.date,
        "numerator": np.where(ratio, numerator, np.nan),
        "denominator": np.where(ratio, denominator, np.nan),
        "value": np.where(ratio, np.nan, value),
        "comment": comment,
    })


def frame_cells(frame: pd.DataFrame) -> list[list[object]]:
    """The header, then the frame's rows as spreadsheet cells: NaN and None are empty cells."""
    cells = frame.astype(object).where(frame.notna(), None)
    return [list(frame.columns), *cells.values.tolist()]


def canonical_csv(path: Path, rows: pd.DataFrame) -> Path:
    rows.to_csv(path, index=False, lineterminator="\n")
    return path


def many_teams(n_teams: int, n_directorates: int, months: int, measures: list[str], seed: int = 11) -> tuple[str, pd.DataFrame]:
    """An organisation of ``n_teams`` teams in ``n_directorates`` directorates (the hierarchy
    CSV's text) and canonical rows of the standard ``measures`` (proportions and rates) for
    every team and the ``months`` up to ``LATEST_MONTH``: team sizes spread over two orders of
    magnitude, as the A&E example's departments are."""
    directorates = [f"DIR-{d:03d}" for d in range(n_directorates)]
    teams = [f"T-{t:04d}" for t in range(n_teams)]
    lines = ["code,name,level,parent", "ORG,Big Trust,organisation,"]
    lines += [f"{d},Directorate {d[4:]},directorate,ORG" for d in directorates]
    lines += [f"{t},Team {t[2:]},team,{directorates[i % n_directorates]}" for i, t in enumerate(teams)]
    definitions = {d.code: d for d in read_definitions(bootstrap.STANDARD_MEASURES)}
    rng = np.random.default_rng(seed)
    size = np.exp(rng.uniform(np.log(20), np.log(3000), n_teams))  # per month
    periods_ = pd.date_range(end=pd.Timestamp(LATEST_MONTH), periods=months, freq="MS")
    parts = []
    for code in measures:
        d = definitions[code]
        keys = pd.MultiIndex.from_product([range(n_teams), periods_], names=["t", "period"]).to_frame(index=False)
        n = rng.poisson(size[keys["t"]]) + 1
        rate = rng.uniform(0.2, 0.4, n_teams)[keys["t"]] if d.kind == "proportion" else rng.uniform(0.005, 0.02, n_teams)[keys["t"]]
        numerator = rng.binomial(n, rate) if d.kind == "proportion" else rng.poisson(n * rate)
        parts.append(pd.DataFrame({
            "team": np.array(teams)[keys["t"]], "measure": code, "period": keys["period"].dt.date,
            "numerator": numerator.astype(float), "denominator": n.astype(float), "value": np.nan, "comment": None,
        }))
    return "\n".join(lines) + "\n", pd.concat(parts, ignore_index=True)
