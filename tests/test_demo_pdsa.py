"""The demo's PDSA cycles tell its stories (qi_dash/demo_pdsa.py against qi_dash/demo.py's events)."""

from __future__ import annotations

from collections import Counter

from qi_dash import demo
from qi_dash.demo_pdsa import DEMO_PDSA_CYCLES
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.bootstrap import DEMO_HIERARCHY, STANDARD_MEASURES
from qi_dash.definitions import read_definitions


def test_every_change_a_team_tested_has_the_cycle_that_made_it_done_on_its_day():
    done = {(c.unit, c.do_date) for c in DEMO_PDSA_CYCLES}
    tested = [e for e in demo._EVENTS if e.tested]
    assert tested and all((e.team, e.day) in done for e in tested)


def test_the_demo_cycles_are_a_dozen_across_teams_and_levels_with_every_decision():
    assert len(DEMO_PDSA_CYCLES) == 12
    decisions = Counter(c.decision for c in DEMO_PDSA_CYCLES)
    assert decisions[None] == 1 and all(decisions[d] >= 2 for d in ("adopt", "adapt", "abandon"))
    tree = Hierarchy(read_hierarchy(DEMO_HIERARCHY))
    levels = Counter(tree.level(c.unit) for c in DEMO_PDSA_CYCLES)
    assert levels["directorate"] == 1 and len({c.unit for c in DEMO_PDSA_CYCLES}) >= 5


def test_every_demo_cycle_can_be_saved_and_its_measures_are_reported_by_its_team():
    known = {d.code for d in read_definitions(STANDARD_MEASURES)}
    for cycle in DEMO_PDSA_CYCLES:
        assert cycle.problems(known) == [], cycle.title
        assert cycle.prediction and cycle.change_idea
        if cycle.unit in demo.DEMO_TEAM_MEASURES:
            assert set(cycle.measures) <= set(demo.DEMO_TEAM_MEASURES[cycle.unit]), cycle.title
        if cycle.decision is not None:
            assert cycle.learned and cycle.study_date, cycle.title
