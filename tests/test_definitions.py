"""Measure definitions: read from editable files, checked, written back."""

from __future__ import annotations

import pytest

from qi_dash.bootstrap import STANDARD_MEASURES
from qi_dash.definitions import DefinitionError, read_definitions, write_definitions

HEADER = ("code,name,family,kind,definition,numerator,denominator,unit,multiplier,frequency,direction,"
          "chart,aggregation,target,run_rules,baseline_points,screen_moving_ranges,valid_from\n")


def test_the_standard_measures_round_trip_through_csv():
    definitions = read_definitions(STANDARD_MEASURES)
    assert read_definitions(write_definitions(definitions).encode()) == definitions


def test_every_problem_in_a_definitions_file_is_named_with_its_row():
    bad = HEADER + (
        "A,Alpha,outcome,count,def,things,,n,1,month,up,c,sum,,ihi,,false,2024-01-01\n"
        "B,Beta,process,count,def,things,,n,1,month,increase,p,pooled,,ihi,,false,2024-01-01\n"
    )
    with pytest.raises(DefinitionError) as err:
        read_definitions(bad.encode(), name="m.csv")
    problems = err.value.problems
    assert "m.csv row 2: direction is 'up'; expected one of increase, decrease, neutral" in problems
    assert "m.csv row 3: a p chart needs a proportion or rate measure" in problems
    assert "m.csv row 3: pooled aggregation needs a proportion or rate measure" in problems


def test_a_proportion_is_never_aggregated_as_a_mean_of_team_rates():
    bad = HEADER + "P,Pct,process,proportion,def,num,den,%,100,month,increase,p,mean,,ihi,,false,\n"
    with pytest.raises(DefinitionError, match="never by mean of team rates"):
        read_definitions(bad.encode())
