"""PDSA cycles (qi_dash/pdsa.py): what a cycle must say, and which cycles each unit's chart shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.bootstrap import DEMO_HIERARCHY
from qi_dash.pdsa import (PdsaCycle, PdsaError, cycles_for_unit, decision_label, in_story_order, on_measure,
                          related_units)
from qi_dash.vocabulary import DECISION_SYMBOLS, DECISIONS

TREE = Hierarchy(read_hierarchy(DEMO_HIERARCHY))
CYCLE = PdsaCycle(title="Twice-daily safety huddles", unit="W-ASH", plan_date=date(2023, 4, 24),
                  do_date=date(2023, 5, 1), study_date=date(2023, 5, 29), act_date=date(2023, 6, 5),
                  measures=("HUDDLES",), decision="adopt")


def frame(*cycles: PdsaCycle) -> pd.DataFrame:
    rows = [dict(c.as_dict(), cycle_id=i) for i, c in enumerate(cycles, start=1)]
    out = pd.DataFrame(rows)
    for column in ("plan_date", "do_date", "study_date", "act_date"):
        out[column] = pd.to_datetime(out[column])
    return out


def test_a_complete_cycle_has_no_problems_and_is_trimmed():
    assert CYCLE.problems({"HUDDLES"}) == []
    checked = replace(CYCLE, title="  Huddles  ", learned=" Timing ", recorded_by="  ").checked({"HUDDLES"})
    assert (checked.title, checked.learned, checked.recorded_by) == ("Huddles", "Timing", None)


def test_a_cycle_needs_a_title_and_a_plan_date():
    problems = replace(CYCLE, title="   ", plan_date=None, do_date=None).problems()
    assert problems == ["Give the cycle a short title.", "Give the date planning started (the Plan date)."]


def test_steps_must_be_dated_in_order_where_given():
    # Do is missing: Study is checked against Plan; Act before Study is named too.
    cycle = replace(CYCLE, do_date=None, study_date=date(2023, 4, 1), act_date=date(2023, 3, 1))
    assert cycle.problems() == [
        "The Study date (01/04/2023) is before the Plan date (24/04/2023): a cycle's steps come in the order plan, do, study, act.",
        "The Act date (01/03/2023) is before the Study date (01/04/2023): a cycle's steps come in the order plan, do, study, act.",
    ]
    assert replace(CYCLE, do_date=CYCLE.plan_date).problems() == []  # the same day is in order


def test_the_decision_is_a_word_of_the_vocabulary_or_none():
    assert DECISIONS == ("adopt", "adapt", "abandon")
    assert replace(CYCLE, decision=None).problems() == []
    assert replace(CYCLE, decision="keep").problems() == [
        "The decision is 'keep'; expected one of adopt, adapt, abandon, or none while the cycle is still running."]


def test_linked_measures_must_exist_and_checked_raises_with_every_problem():
    with pytest.raises(PdsaError) as err:
        replace(CYCLE, title="", measures=("HUDDLES", "NOPE")).checked({"HUDDLES"})
    assert err.value.problems == ["Give the cycle a short title.", "No measure has the code NOPE."]


def test_each_decision_is_told_by_a_symbol_as_well_as_a_word():
    assert [decision_label(d) for d in (*DECISIONS, None, float("nan"))] == [
        "✓ adopt", "↻ adapt", "✗ abandon", "… still running", "… still running"]
    assert len(set(DECISION_SYMBOLS.values())) == 3


def test_a_cycle_survives_a_row_of_a_frame():
    row = frame(CYCLE).iloc[0]
    assert PdsaCycle.from_row(row) == CYCLE
    assert PdsaCycle.from_row(row).cycle_id == 1


def test_a_team_chart_shows_its_own_and_its_directorate_and_organisation_cycles():
    assert related_units("W-ASH", TREE) == ["ORG", "DIR-ACU", "W-ASH"]
    cycles = frame(CYCLE, replace(CYCLE, unit="DIR-ACU", title="Debriefs"), replace(CYCLE, unit="ORG", title="Trust-wide"),
                   replace(CYCLE, unit="W-HAZ", title="Hazel's"), replace(CYCLE, unit="DIR-COM", title="Community"))
    shown = cycles_for_unit(cycles, "W-ASH", TREE)
    assert shown["title"].tolist() == ["Twice-daily safety huddles", "Debriefs", "Trust-wide"]
    assert shown["whose"].tolist() == ["", "Adult Acute Inpatients", "Riverside NHS Foundation Trust"]


def test_a_directorate_chart_shows_its_own_and_its_teams_cycles_naming_whose():
    cycles = frame(replace(CYCLE, unit="W-HAZ", title="Hazel's"), replace(CYCLE, unit="DIR-ACU", title="Debriefs"),
                   replace(CYCLE, unit="ORG", title="Trust-wide"), replace(CYCLE, unit="CMHT-N", title="North's"))
    shown = cycles_for_unit(cycles, "DIR-ACU", TREE)
    assert dict(zip(shown["title"], shown["whose"])) == {"Hazel's": "Hazel Ward (PICU)", "Debriefs": ""}
    everything = cycles_for_unit(cycles, "ORG", TREE)
    assert set(everything["title"]) == {"Hazel's", "Debriefs", "Trust-wide", "North's"}


def test_cycles_are_numbered_in_the_order_they_were_tried():
    later = replace(CYCLE, title="Later", plan_date=date(2023, 1, 1), do_date=date(2024, 1, 1))
    planned_only = replace(CYCLE, title="Planned", plan_date=date(2023, 6, 1), do_date=None, study_date=None,
                           act_date=None)
    shown = cycles_for_unit(frame(later, CYCLE, planned_only), "W-ASH", TREE)
    assert list(zip(shown["number"], shown["title"])) == [
        (1, "Twice-daily safety huddles"), (2, "Planned"), (3, "Later")]
    assert in_story_order(shown)["title"].tolist() == shown["title"].tolist()


def test_a_cycle_linked_to_measures_is_only_on_their_charts_and_one_linked_to_none_on_all():
    cycles = frame(CYCLE, replace(CYCLE, title="Everything", measures=()),
                   replace(CYCLE, title="Safewards", measures=("RP_RATE", "RESTRAINT")))
    assert on_measure(cycles, "HUDDLES")["title"].tolist() == ["Twice-daily safety huddles", "Everything"]
    assert on_measure(cycles, "RESTRAINT")["title"].tolist() == ["Everything", "Safewards"]


def test_no_cycles_on_a_measure_keeps_the_columns():
    none = pd.DataFrame({"unit": pd.Series([], dtype=object), "title": pd.Series([], dtype=object),
                         "measures": pd.Series([], dtype=object)})
    assert on_measure(none, "RP_RATE").columns.tolist() == ["unit", "title", "measures"]
