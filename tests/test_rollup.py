"""The roll-up matrix's logic: directorates' counts of teams by icon, why a cell has no icon,
filters, sort and the table people download."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from qi_dash import exports, overview, summary
from qi_dash.store import UploadMeta

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def _cells(store, unit="ORG", definitions=None):
    tree = store.hierarchy()
    rows = overview.rows_of(tree, unit)
    definitions = definitions or store.definitions()
    series = summary.summarise(store.observations(), definitions, tree)
    return overview.cells(series, definitions, tree, rows), tree, series


def test_a_directorate_counts_its_teams_by_icon_and_shows_its_pooled_icons(demo_store):
    frame, tree, series = _cells(demo_store)
    assert set(frame["unit"]) == set(tree.children("ORG"))
    teams = series[series["unit"].map(tree.level) == "team"]
    for cell in frame.to_dict("records"):
        mine = teams[(teams["measure"] == cell["measure"]) & teams["unit"].isin(tree.teams_under(cell["unit"]))]
        assert cell["teams"] == len(tree.teams_under(cell["unit"]))
        assert cell["improvement"] == mine["variation_icon"].isin(["improvement_high", "improvement_low"]).sum()
        assert cell["concern"] == mine["variation_icon"].isin(["concern_high", "concern_low"]).sum()
        assert cell["common_cause"] == (mine["variation_icon"] == "common_cause").sum()
        assert cell["pass"] == (mine["assurance_icon"] == "pass").sum()
        assert cell["fail"] == (mine["assurance_icon"] == "fail").sum()
        # Teams that do not report the measure have no icon, so every team is counted once.
        assert sum(cell[g] for g in overview.VARIATION_GROUPS) == cell["teams"]
        assert sum(cell[g] for g in overview.ASSURANCE_GROUPS) == cell["teams"]
        pooled = series[(series["unit"] == cell["unit"]) & (series["measure"] == cell["measure"])]
        if not pooled.empty:
            assert cell["variation_icon"] == pooled["variation_icon"].iloc[0]


def test_the_demo_story_shows_in_the_counts(demo_store):
    frame, _, _ = _cells(demo_store)
    acute = frame.set_index(["unit", "measure"]).loc[("DIR-ACU", "RP_RATE")]
    # Ash Ward's restrictive practice fell after Safewards; Cedar Ward's rose.
    assert acute["improvement"] >= 1 and acute["concern"] >= 1


def test_why_no_icon_is_worked_out_from_data_and_definition(demo_store):
    frame, _, _ = _cells(demo_store, "DIR-ACU")
    cell = frame.set_index(["unit", "measure"])
    # No target, a neutral direction, a run chart: each its own reason.
    assert cell.loc[("W-ASH", "RESTRAINT"), "assurance_why"] == "no_target"
    assert cell.loc[("W-ASH", "ADMISSIONS"), "assurance_why"] == "neutral"
    assert cell.loc[("W-ASH", "SECL_HRS"), "assurance_why"] in ("run_chart", "no_data")
    # A team that does not report a measure has no data; one with an icon has no reason.
    community_only = frame[(frame["points"] == 0)]
    assert (community_only["variation_why"] == "no_data").all() and (community_only["assurance_why"] == "no_data").all()
    assert (frame.loc[frame["variation_icon"] != "none", "variation_why"] == "").all()


def test_too_few_points_is_told_apart_from_no_data(empty_store):
    rows = pd.DataFrame({
        "unit": "W-ASH", "measure": "SAFE_SCORE", "period": pd.to_datetime(["2025-01-06"]),
        "numerator": np.nan, "denominator": np.nan, "value": [7.0], "comment": pd.NA,
    })
    empty_store.commit_upload(rows, UploadMeta("one.csv", "d" * 64))
    frame, _, _ = _cells(empty_store, "DIR-ACU")
    cell = frame.set_index(["unit", "measure"])
    assert cell.loc[("W-ASH", "SAFE_SCORE"), "points"] == 1
    assert cell.loc[("W-ASH", "SAFE_SCORE"), "variation_why"] == "too_few_points"
    assert cell.loc[("W-CED", "SAFE_SCORE"), "variation_why"] == "no_data"
    words = overview.legend(frame)
    assert {"too few points for process limits", "no data"} <= set(words["why"])


def test_a_measure_not_combined_says_so_above_team_level(demo_store):
    definitions = [replace(d, aggregation="none") if d.code == "PRN" else d for d in demo_store.definitions()]
    frame, _, _ = _cells(demo_store, definitions=definitions)
    prn = frame[frame["measure"] == "PRN"]
    assert (prn["variation_why"] == "not_combined").all()
    assert prn["teams"].sum() > 0  # its teams are still counted


def test_measures_are_grouped_by_family_and_filtered_by_family_and_name(demo_store):
    definitions = demo_store.definitions()
    families = [d.family for d in overview.measures(definitions)]
    assert families == sorted(families, key=["outcome", "process", "balancing"].index)
    assert {d.family for d in overview.measures(definitions, "balancing")} == {"balancing"}
    assert [d.code for d in overview.measures(definitions, name="RESTRAINT")] == ["RESTRAINT"]
    assert overview.measures(definitions, "process", name="restraint") == []


def test_filters_keep_only_rows_with_the_signal_and_sort_puts_most_first(demo_store):
    frame, tree, _ = _cells(demo_store, "DIR-ACU")
    codes = [d.code for d in demo_store.definitions()]
    concern = overview.arrange(frame, tree, codes, only=("concern",))
    assert concern and set(concern) < set(frame["unit"])
    for unit in concern:
        assert frame[(frame["unit"] == unit)]["variation_icon"].isin(["concern_high", "concern_low"]).any()
    ordered = overview.arrange(frame, tree, codes, sort="concern")
    score = overview.signal_score(frame, "concern")
    assert [score[u] for u in ordered] == sorted((score[u] for u in ordered), reverse=True)
    by_name = overview.arrange(frame, tree, codes)
    assert [tree.name(u) for u in by_name] == sorted((tree.name(u) for u in by_name), key=str.casefold)
    # Filtering to one measure's columns narrows the rows to those showing the signal there.
    only_rp = overview.arrange(frame, tree, ["RP_RATE"], only=("concern",))
    assert only_rp == [u for u in by_name if frame.set_index(["unit", "measure"]).loc[(u, "RP_RATE"), "variation_icon"]
                       in ("concern_high", "concern_low")]


def test_the_download_says_each_cell_in_words_and_neutralises_formulas(demo_store):
    units = demo_store.units()
    demo_store.save_units(units[units["code"] == "DIR-ACU"].assign(name="=HYPERLINK(\"http://x\")"))
    frame, tree, _ = _cells(demo_store)
    definitions = overview.measures(demo_store.definitions())
    order = overview.arrange(frame, tree, [d.code for d in definitions])
    table = overview.table(frame, definitions, tree, order)
    assert list(table.columns[:3]) == ["Unit", "Code", "Level"] and len(table) == len(order)
    acute = table[table["Code"] == "DIR-ACU"].iloc[0]
    assert "Of 4 teams:" in acute["Restrictive practice incidents per 1,000 occupied bed days"]
    assert "No assurance icon: no target" in acute["Physical restraints"]
    read_back = pd.read_csv(io.BytesIO(exports.table_csv(table)))
    assert "'=HYPERLINK(\"http://x\")" in set(read_back["Unit"])
    sheet = load_workbook(io.BytesIO(exports.table_xlsx(table, "matrix"))).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str))
