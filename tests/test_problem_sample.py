"""A refused file's problems in bounded memory: problems.ProblemList keeps the first of each
kind and counts every one, through check_table, the plan and the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qi_dash import problems
from qi_dash.problems import GROUP_LIMIT, SAMPLE_PER_KIND, Problem, ProblemList, Rows, group_problems, problem_count
from qi_dash.upload import plan_upload
from tests.builders import csv_bytes


def negative(row: int, measure: str = "PRN") -> Problem:
    return Problem("f.csv", f"value is negative; {measure} is a count.", None, row, "value", "numbers")


def test_the_first_of_each_kind_are_kept_and_every_one_counted():
    found = ProblemList()
    for row in range(2, 2 + 3 * SAMPLE_PER_KIND):
        found.append(negative(row))
    found.append(Problem("f.csv", "has no sheet called 'x'.", kind="file"))
    assert len(found) == SAMPLE_PER_KIND + 1 and found.total == 3 * SAMPLE_PER_KIND + 1
    assert not found.complete and problem_count(found) == found.total
    assert [p.row for p in found[:2]] == [2, 3]
    groups = group_problems(found)
    assert groups[["count", "label", "first"]].values.tolist() == [
        [3000, "3,000 rows", "row 2, column 'value'"], [1, "1 problem", ""]]


def test_merging_keeps_the_counts_of_problems_not_kept():
    first, second = ProblemList(negative(r) for r in range(2, 1502)), ProblemList(negative(r, "FALLS") for r in range(2, 12))
    merged = ProblemList()
    merged.extend(first)
    merged.extend(second)
    assert merged.total == 1510 and len(merged) == SAMPLE_PER_KIND
    assert group_problems(merged)["count"].tolist() == [1500, 10]
    assert problem_count([negative(2)]) == 1


def test_groups_beyond_the_limit_are_counted_together_by_kind():
    found = ProblemList(Problem("f.csv", "x", None, row, "team", "unknown_team", f"Ward {row}")
                        for row in range(2, 2 + GROUP_LIMIT + 500))
    groups = group_problems(found)
    assert len(groups) == GROUP_LIMIT + 1
    other = groups.iloc[0]
    assert other["count"] == 500 and pd.isna(other["subject"])
    assert other["problem"] == f"team 'Ward {GROUP_LIMIT + 2}' is not in the hierarchy, and more like it, each naming something else"


def test_a_plan_of_a_file_with_thousands_of_problems_keeps_a_sample(empty_store, qi, tmp_path):
    lines = [f"W-ASH,PRN,01/{1 + n % 12:02d}/2024,,,-{n + 1}," for n in range(2400)]
    plan = plan_upload(empty_store, csv_bytes(*lines), "negative.csv")
    # Each row negative, and 2,388 rows repeat a month: two kinds, each kept to the sample.
    assert plan.problems.total == 2400 + 2388
    assert len(plan.problems) == 2 * SAMPLE_PER_KIND
    file = tmp_path / "negative.csv"
    file.write_bytes(csv_bytes(*lines))
    empty_store.close()
    printed = qi("upload", file, "--db", empty_store.path, status=1)
    assert printed.err.count("\n") < 2 * SAMPLE_PER_KIND + 10  # the sample, what to do, the count
    assert "2,400 rows: value is negative; PRN is a count and cannot be below zero." in printed.err
    assert printed.err.endswith("4,788 problem(s); nothing was saved.\n")


def _state(found: ProblemList) -> tuple:
    groups = {key: (g.count, g.first, g.every_row) for key, g in found._groups.items()}
    return list(found), found.total, list(groups.items())


@pytest.mark.parametrize("seed", range(6))
def test_problems_taken_together_are_kept_and_counted_as_one_by_one(monkeypatch, seed):
    # Small limits, so the sample fills and groups overflow; rows repeat (a mapped row's
    # measures share its row) and sheets differ, so the earliest of a group is chosen.
    monkeypatch.setattr(problems, "SAMPLE_PER_KIND", 7)
    monkeypatch.setattr(problems, "GROUP_LIMIT", 6)
    rng = np.random.default_rng(seed)
    n = 300
    rows = Rows(rng.integers(2, 9, n), np.array(rng.choice(["B", "A", "C"], n), dtype=object) if seed % 2 else "S")
    cells = rng.integers(0, 12, n)  # the cell text each position holds
    kinds = ["not_a_number", "bad_period", "numbers"]

    def make(position: int) -> Problem:
        cell, sheet = int(cells[position]), rows.order(position, "value")[0]
        kind = kinds[cell % 3]
        return Problem("f.csv", f"'{cell}' is wrong.", sheet or None, int(rows.numbers[position]), "value", kind,
                       None if kind == "numbers" else str(cell))

    one_by_one, together = ProblemList(), ProblemList()
    for chunk in np.array_split(np.sort(rng.choice(n, 200, replace=False)), 3):
        found = rng.permutation(chunk) if seed % 3 == 0 else chunk
        for position in found:
            one_by_one.append(make(int(position)))
        about = (lambda p: problems._key(make(p))) if seed % 2 else None
        together.extend_found(found, cells[found], make, rows, "value", about)
    assert _state(together) == _state(one_by_one)
    assert group_problems(together).equals(group_problems(one_by_one))
