"""Measure definitions: the shared language every team's data is checked against.

A definition is data, loaded from a human-editable CSV (``data/measures.csv``) and kept in
the store with every dated version. This module is the one home of the concept: its fields,
how a file of them is read and checked, and the engine settings it gives; the values a field
may take are the chart vocabulary's (``qi_dash.vocabulary``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

import pandas as pd

from qi_dash import names
from qi_dash.periods import FREQUENCIES
from qi_dash.spc import SpcSettings
from qi_dash.text import restored
from qi_dash.vocabulary import (
    AGGREGATIONS,
    CHART_NAMES,
    CHARTS,
    DIRECTION_WORDS,
    DIRECTIONS,
    FAMILIES,
    KINDS,
    PROPORTION_CHARTS,
    RATIO_CHARTS,
    RATIO_KINDS,
    RUN_RULES,
)

@dataclass(frozen=True)
class MeasureDefinition:
    """One version of a measure's operational definition.

    ``kind`` says what a period's data is: a proportion (numerator ≤ denominator), a rate
    (numerator per denominator, e.g. incidents per occupied bed day), a count, or a value.
    Proportions and rates carry numerator and denominator; counts and values carry value.
    """

    code: str
    name: str
    family: str
    kind: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    multiplier: float
    frequency: str
    direction: str
    chart: str
    aggregation: str
    target: float | None = None
    run_rules: str = "ihi"
    baseline_points: int | None = None
    screen_moving_ranges: bool = False
    valid_from: date = date(2000, 1, 1)

    @property
    def has_denominator(self) -> bool:
        return self.kind in RATIO_KINDS

    @property
    def direction_words(self) -> str:
        return DIRECTION_WORDS[self.direction]

    @property
    def chart_name(self) -> str:
        return CHART_NAMES[self.chart]

    def spc_settings(self) -> SpcSettings:
        """The SPC engine's settings for this measure, as one value."""
        return SpcSettings(
            chart=self.chart,
            direction=self.direction,
            target=self.target,
            run_rules=self.run_rules,
            baseline_points=self.baseline_points,
            screen_moving_ranges=self.screen_moving_ranges,
            multiplier=self.multiplier,
        )

    def as_row(self) -> dict:
        return asdict(self)


FIELD_NAMES = tuple(f.name for f in fields(MeasureDefinition))


def _one_of(values: tuple[str, ...]) -> str:
    """The values in words: "a, b or c"."""
    return f"{', '.join(values[:-1])} or {values[-1]}"


FIELD_HELP = {
    "code": "Short stable identifier used in uploads, e.g. RP_RATE.",
    "name": "Name shown to people.",
    "family": f"{_one_of(FAMILIES)}.",
    "kind": f"{_one_of(KINDS)}.",
    "definition": "The operational definition in words.",
    "numerator": "What is counted (for a proportion or rate), or what the value is.",
    "denominator": "What it is divided by (proportion or rate); empty otherwise.",
    "unit": "Unit shown on charts, e.g. '%' or 'per 1,000 occupied bed days'.",
    "multiplier": "Applied to numerator/denominator, e.g. 100 for %, 1000 for per 1,000.",
    "frequency": "week (week commencing Monday) or month (first of the month).",
    "direction": f"{_one_of(DIRECTIONS)}: which way is improvement.",
    "chart": f"{_one_of(CHARTS)}.",
    "aggregation": "Up the hierarchy: pooled (sum numerators and denominators), sum, mean or none.",
    "target": "Optional target on the charted scale (after the multiplier).",
    "run_rules": f"Rules for run charts: {_one_of(RUN_RULES)}.",
    "baseline_points": "Optional: freeze the centre line and limits on the first k points.",
    "screen_moving_ranges": "true to screen large moving ranges (off matches the MDC Excel tool).",
    "valid_from": "Date this version of the definition applies from (YYYY-MM-DD).",
}


class DefinitionError(ValueError):
    """A definitions file or form has problems; ``problems`` lists every one."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def parse_definition(raw: dict, where: str = "") -> MeasureDefinition:
    """Build a definition from text fields (a CSV row or a form), checking every field."""
    problems: list[str] = []
    prefix = f"{where}: " if where else ""

    def choice(key: str, allowed: tuple[str, ...]) -> str:
        value = _text(raw, key).lower()
        if value not in allowed:
            problems.append(f"{prefix}{key} is '{_text(raw, key)}'; expected one of {', '.join(allowed)}")
        return value

    def number(key: str, optional: bool) -> float | None:
        value = _text(raw, key)
        if value == "":
            if not optional:
                problems.append(f"{prefix}{key} is empty; a number is required")
            return None
        try:
            return float(value.replace(",", ""))
        except ValueError:
            problems.append(f"{prefix}{key} is '{value}'; expected a number")
            return None

    for key in ("code", "name", "definition", "numerator", "unit"):
        if not _text(raw, key):
            problems.append(f"{prefix}{key} is empty")
    for key in ("code", "name"):
        hidden = names.hidden_problem(_text(raw, key))
        if hidden:
            problems.append(f"{prefix}{key}: {hidden}")
    family = choice("family", FAMILIES)
    kind = choice("kind", KINDS)
    frequency = choice("frequency", FREQUENCIES)
    direction = choice("direction", DIRECTIONS)
    chart = choice("chart", CHARTS)
    aggregation = choice("aggregation", AGGREGATIONS)
    run_rules = _text(raw, "run_rules").lower() or "ihi"
    if run_rules not in RUN_RULES:
        problems.append(f"{prefix}run_rules is '{run_rules}'; expected {_one_of(RUN_RULES)}")
    multiplier = number("multiplier", optional=True)
    target = number("target", optional=True)
    baseline = number("baseline_points", optional=True)
    if baseline is not None and (baseline < 2 or baseline != int(baseline)):
        problems.append(f"{prefix}baseline_points must be a whole number of at least 2")
    screen = _text(raw, "screen_moving_ranges").lower() in ("true", "yes", "1", "y")
    valid_from = date(2000, 1, 1)
    if _text(raw, "valid_from"):
        try:
            valid_from = date.fromisoformat(_text(raw, "valid_from")[:10])
        except ValueError:
            problems.append(f"{prefix}valid_from is '{_text(raw, 'valid_from')}'; expected YYYY-MM-DD")
    if kind in RATIO_KINDS and not _text(raw, "denominator"):
        problems.append(f"{prefix}a {kind} needs a denominator definition")
    if chart in RATIO_CHARTS and kind not in RATIO_KINDS:
        problems.append(f"{prefix}a {chart} chart needs a proportion or rate measure")
    if chart in PROPORTION_CHARTS and kind != "proportion":
        problems.append(f"{prefix}a {chart} chart needs a proportion measure")
    if aggregation == "pooled" and kind not in RATIO_KINDS:
        problems.append(f"{prefix}pooled aggregation needs a proportion or rate measure")
    if kind in RATIO_KINDS and aggregation in ("sum", "mean"):
        problems.append(f"{prefix}a {kind} aggregates as pooled (or none), never by {aggregation} of team rates")
    if problems:
        raise DefinitionError(problems)
    return MeasureDefinition(
        code=names.normalised(_text(raw, "code")),
        name=names.normalised(_text(raw, "name")),
        family=family,
        kind=kind,
        definition=_text(raw, "definition"),
        numerator=_text(raw, "numerator"),
        denominator=_text(raw, "denominator"),
        unit=_text(raw, "unit"),
        multiplier=1.0 if multiplier is None else multiplier,
        frequency=frequency,
        direction=direction,
        chart=chart,
        aggregation=aggregation,
        target=target,
        run_rules=run_rules,
        baseline_points=None if baseline is None else int(baseline),
        screen_moving_ranges=screen,
        valid_from=valid_from,
    )


def read_definitions(source: str | Path | bytes, name: str = "measures.csv") -> list[MeasureDefinition]:
    """Read a definitions CSV; raise DefinitionError listing every problem with its row."""
    text = Path(source).read_text(encoding="utf-8-sig") if isinstance(source, (str, Path)) else source.decode("utf-8-sig")
    if isinstance(source, (str, Path)):
        name = Path(source).name
    # A download put an apostrophe in front of formula-like text; it is taken off again here.
    rows = [{k: v if k is None or not isinstance(v, str) else restored(v) for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(text))]
    problems: list[str] = []
    definitions: list[MeasureDefinition] = []
    missing = [f for f in ("code", "name", "family", "kind", "chart", "frequency", "direction") if rows and f not in rows[0]]
    if missing:
        raise DefinitionError([f"{name}: missing column(s) {', '.join(missing)}"])
    seen: set[tuple[str, date]] = set()
    for i, raw in enumerate(rows, start=2):
        try:
            definition = parse_definition(raw, where=f"{name} row {i}")
        except DefinitionError as err:
            problems.extend(err.problems)
            continue
        key = (definition.code, definition.valid_from)
        if key in seen:
            problems.append(f"{name} row {i}: measure {definition.code} is defined twice from {definition.valid_from}")
        seen.add(key)
        definitions.append(definition)
    if problems:
        raise DefinitionError(problems)
    return definitions


def definitions_frame(definitions: list[MeasureDefinition]) -> pd.DataFrame:
    """Definitions as the table their CSV holds, every field as the text ``read_definitions`` reads."""
    rows = []
    for d in definitions:
        row = d.as_row()
        row["target"] = "" if d.target is None else f"{d.target:g}"
        row["baseline_points"] = "" if d.baseline_points is None else str(d.baseline_points)
        row["multiplier"] = f"{d.multiplier:g}"
        row["screen_moving_ranges"] = "true" if d.screen_moving_ranges else "false"
        row["valid_from"] = d.valid_from.isoformat()
        rows.append({k: "" if v is None else str(v) for k, v in row.items()})
    return pd.DataFrame(rows, columns=list(FIELD_NAMES), dtype=object)


def write_definitions(definitions: list[MeasureDefinition]) -> str:
    """The CSV text of definitions, in the same columns ``read_definitions`` reads (a download
    is ``exports.definitions_csv``, safe to open in a spreadsheet)."""
    return definitions_frame(definitions).to_csv(index=False, lineterminator="\n")
