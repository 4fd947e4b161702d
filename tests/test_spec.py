"""The shape of a column mapping: ingest/spec.py."""

from __future__ import annotations

import json

import pytest

from qi_dash.ingest import mapping
from qi_dash.ingest.spec import load_spec, validate_spec
from qi_dash.problems import InputError
from tests.test_mapping import EXAMPLES, WIDE_ROWS, WIDE_SPEC, xlsx


def test_the_spec_shape_is_checked_with_plain_messages():
    assert validate_spec(WIDE_SPEC) == []
    bad = {
        "perod": {"column": "Month"},
        "team": {"column": "Ward", "fixed": "W-ASH"},
        "layout": "wide",
        "measures": [{"measure": "FALLS", "value": "Falls", "numerator": "n"}, {"measure": "falls", "value": "x"}],
        "header_row": 0,
    }
    problems = validate_spec(bad)
    assert problems[0].startswith("unknown key 'perod'. Did you mean 'period'? Keys are: name, sheet, header_row,")
    assert problems[1:] == [
        "header_row must be a whole number of at least 1, not 0.",
        'period is required: {"column": HEADING, "form": "auto"}.',
        ('team must be one of {"column": HEADING}, {"columns": [HEADING, ...], "separator": " "}, {"fixed": TEXT} '
         'or {"sheet_name": true}; it has column and fixed.'),
        "measures item 1 takes a value column or a numerator and denominator pair, not both.",
        "measures item 2: measure 'falls' is listed twice.",
    ]
    assert validate_spec({"period": {"column": "M", "form": "weekly"}, "team": {"fixed": "A"},
                                  "layout": "long", "measure_column": "Measure", "numerator": "N"}) == [
        "period.form is 'weekly'; expected one of auto, week_commencing, week_ending, month.",
        "the long layout needs both a numerator and a denominator column.",
    ]
    assert validate_spec([]) == ["a mapping must be a JSON object (a dict), not list."]
    with pytest.raises(InputError) as err:
        mapping.apply(bad, xlsx({"Data": WIDE_ROWS}))
    assert len(err.value.problems) == len(problems)


def test_load_spec_reads_json_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "ward.json"
    good.write_text(json.dumps(WIDE_SPEC))
    assert load_spec(good) == WIDE_SPEC
    broken = tmp_path / "broken.json"
    broken.write_text("{'sheet': 'Data'}")
    with pytest.raises(InputError, match="broken.json: is not valid JSON"):
        load_spec(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"period": {"column": "Month"}, "measures": []}))
    with pytest.raises(InputError) as err:
        load_spec(wrong)
    assert [p.message for p in err.value.problems] == [
        'mapping: team is required, e.g. {"column": "Team"}, {"fixed": "Ash Ward"} or {"sheet_name": true}.',
        'mapping: measures must list at least one measure, e.g. [{"measure": "FALLS", "value": "Falls"}].',
    ]


def test_the_example_mappings_are_valid():
    for name in ("ae_mapping.json", "ons_mapping.json"):
        assert validate_spec(load_spec(EXAMPLES / name)) == []
