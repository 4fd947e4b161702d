"""The chart vocabulary (qi_dash/vocabulary.py) is the one source of names: the definitions, the
engine, the charts and the icons accept and describe exactly its values."""

from __future__ import annotations

from pathlib import Path

import pytest

from qi_dash import vocabulary
from qi_dash.definitions import DefinitionError, parse_definition
from qi_dash.icons import POINT_STYLE
from qi_dash.spc import SpcSettings
from qi_dash.spc.point_types import VARIATION_ICONS

ROW = {
    "code": "X", "name": "X", "family": "outcome", "kind": "count", "definition": "d", "numerator": "n",
    "denominator": "", "unit": "n", "multiplier": "1", "frequency": "month", "direction": "increase",
    "chart": "c", "aggregation": "sum",
}


def test_a_definition_takes_every_chart_of_the_vocabulary_and_no_other():
    for chart in vocabulary.CHARTS:
        kind = "proportion" if chart in vocabulary.RATIO_CHARTS else "count"
        aggregation = "pooled" if kind == "proportion" else "sum"
        row = dict(ROW, chart=chart, kind=kind, denominator="m", aggregation=aggregation)
        assert parse_definition(row).chart == chart
    with pytest.raises(DefinitionError, match="chart is 'i'; expected one of " + ", ".join(vocabulary.CHARTS)):
        parse_definition(dict(ROW, chart="i"))


@pytest.mark.parametrize(
    ("field", "allowed"),
    [("family", vocabulary.FAMILIES), ("kind", vocabulary.KINDS), ("direction", vocabulary.DIRECTIONS),
     ("aggregation", vocabulary.AGGREGATIONS)],
)
def test_a_definition_refuses_a_value_outside_the_vocabulary(field, allowed):
    with pytest.raises(DefinitionError, match=f"expected one of {', '.join(allowed)}"):
        parse_definition(dict(ROW, **{field: "other"}))


def test_the_engine_takes_exactly_the_vocabularys_charts_directions_and_rules():
    for chart in vocabulary.CHARTS:
        for direction in vocabulary.DIRECTIONS:
            for run_rules in vocabulary.RUN_RULES:
                SpcSettings(chart=chart, direction=direction, run_rules=run_rules)
    for bad in ({"chart": "i"}, {"direction": "up"}, {"run_rules": "nelson"}):
        with pytest.raises(ValueError):
            SpcSettings(**bad)


def test_a_definitions_settings_are_its_own():
    definition = parse_definition(dict(ROW, chart="g", direction="decrease", target="4", baseline_points="12"))
    assert definition.spc_settings() == SpcSettings(chart="g", direction="decrease", target=4.0, baseline_points=12)


def test_every_name_has_its_words():
    assert set(vocabulary.CHART_NAMES) == set(vocabulary.CHARTS)
    assert set(vocabulary.DIRECTION_WORDS) == set(vocabulary.DIRECTIONS)
    assert set(vocabulary.FAMILY_TITLES) == set(vocabulary.FAMILIES)
    assert set(vocabulary.AGGREGATION_WORDS) == set(vocabulary.AGGREGATIONS)
    assert set(vocabulary.RULE_SET_NAMES) == {*vocabulary.RUN_RULES, vocabulary.MDC_RULES}
    assert set(POINT_STYLE) == set(vocabulary.POINT_TYPES)
    assert set(VARIATION_ICONS) == set(vocabulary.DIRECTIONS)
    assert {*vocabulary.RATIO_CHARTS, *vocabulary.VALUE_CHARTS, *vocabulary.MEDIAN_CHARTS} <= set(vocabulary.CHARTS)


def spelled(values: tuple[str, ...]) -> str:
    """A tuple of names as written in source: ("a", "b")."""
    return "(" + ", ".join(f'"{v}"' for v in values) + ")"


def test_no_other_module_spells_out_the_lists():
    package = Path(vocabulary.__file__).parent
    lists = [vocabulary.CHARTS, vocabulary.RATIO_CHARTS, vocabulary.VALUE_CHARTS, vocabulary.DIRECTIONS,
             vocabulary.RUN_RULES, vocabulary.POINT_TYPES, vocabulary.FAMILIES, vocabulary.KINDS,
             vocabulary.RATIO_KINDS, vocabulary.AGGREGATIONS]
    for path in package.rglob("*.py"):
        if path.name != "vocabulary.py":
            text = path.read_text(encoding="utf-8")
            assert not [names for names in lists if spelled(names) in text], path
