"""Detect, then ask: a complete mapping proposed for any file, with how sure each guess is.

``propose`` reads a workbook's top rows and distinct cells (``profile``) and matches its
texts to the hierarchy and the measure library (``match``). It finds the headings row, the
layout — long (a measure column), wide (a column per measure), ``periods_across`` (a column
per period, measures down the side), a sheet per team, a sheet per measure — the period
column and how its dates are written, the team, and the measures. Each guess has a
confidence (0–1) and a sentence saying why; a guess below ``SURE`` is the user's to check,
and a measure guessed that weakly is left out of the spec. A file in the upload template
needs no mapping: its proposal's spec is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qi_dash import periods
from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.ingest import match, profile
from qi_dash.ingest.canonical import REQUIRED_COLUMNS
from qi_dash.ingest.profile import Column
from qi_dash.ingest.spec import heading_key
from qi_dash.ingest.workbook import Sheet, Workbook
from qi_dash.vocabulary import RATIO_KINDS

SURE = 0.5
# A measure matched less well than this is not offered at all.
_OFFER = 0.3
_TEAM_WORDS = frozenset({"team", "ward", "unit", "org", "organisation", "site", "trust", "provider", "service",
                         "department", "code", "location"})
_COMMENT_WORDS = frozenset({"comment", "comments", "note", "notes", "narrative", "remarks"})
_LABEL_WORDS = frozenset({"measure", "measures", "indicator", "indicators", "metric", "metrics", "kpi"})
_VALUE_WORDS = frozenset({"value", "values", "count", "actual", "result", "score", "figure", "amount"})


@dataclass(frozen=True)
class Proposal:
    """A proposed mapping spec, and per guess a confidence (0–1) and a sentence saying why.

    Guesses are named "sheet", "header_row", "table_end" (only when a second table lies below
    the data), "layout", "period", "team", "directorate" and
    "measure:CODE"; "unmapped" lists the texts no measure was found for. The spec is empty
    for a file in the upload template (``template``), and for one with no visible sheet or
    no headings row, where there is nothing to propose."""

    spec: dict
    confidence: dict[str, float]
    why: dict[str, str]
    template: bool = False  # the file is in the upload template: no mapping needed

    def lines(self) -> list[str]:
        """Each guess as a line: its confidence and why."""
        return [f"{self.confidence[name]:4.0%}  {name}: {self.why[name]}" for name in self.confidence]


class _Guesses:
    def __init__(self) -> None:
        self.confidence: dict[str, float] = {}
        self.why: dict[str, str] = {}

    def add(self, name: str, confidence: float, why: str) -> None:
        self.confidence[name] = round(float(min(1.0, max(0.0, confidence))), 2)
        self.why[name] = why if confidence >= SURE else why + " Not sure: left for you to check."


def propose(workbook: Workbook, hierarchy: Hierarchy, definitions: list[MeasureDefinition]) -> Proposal:
    """The mapping this file most likely needs (see the module docstring)."""
    guesses = _Guesses()
    spec: dict = {}
    with_data = [s for s in workbook.sheets if not s.hidden and s.filled().any()]
    if not with_data:
        guesses.add("sheet", 0.0, "No visible sheet holds data.")
        return Proposal({}, guesses.confidence, guesses.why)

    team_sheets = {s.name: match.team_code(s.name, hierarchy) for s in with_data}
    team_sheets = {name: code for name, code in team_sheets.items() if code is not None}
    measure_sheets = {}
    if len(team_sheets) < 2:
        for s in with_data:
            code, score, _ = match.ranked({d.code: match.name_score(s.name, d) for d in definitions})
            if score >= 0.75:
                measure_sheets[s.name] = code
    if len(team_sheets) >= 2:
        sheets = [s for s in with_data if s.name in team_sheets]
        spec["sheet"] = [s.name for s in sheets]
        guesses.add("sheet", len(sheets) / len(with_data) * 0.3 + 0.65,
                    f"{len(sheets)} sheet(s) are named after teams: {', '.join(spec['sheet'])}.")
    elif len(measure_sheets) >= 2:
        sheets = [s for s in with_data if s.name in measure_sheets]
        spec["sheet"] = [s.name for s in sheets]
        guesses.add("sheet", 0.8, f"{len(sheets)} sheet(s) are named after measures: {', '.join(spec['sheet'])}.")
    else:
        sheets = with_data[:1]
        spec["sheet"] = None if sheets[0] is next(s for s in workbook.sheets if not s.hidden) else sheets[0].name
        sure = 0.95 if len(with_data) == 1 else 0.6
        guesses.add("sheet", sure, f"sheet '{sheets[0].name}' is read"
                    + ("." if len(with_data) == 1 else f", the first of {len(with_data)} sheets with data."))
    sheet = sheets[0]

    header = profile.header_row(sheet)
    if header is None:
        guesses.add("header_row", 0.0, f"No row of sheet '{sheet.name}' looks like headings.")
        return Proposal({}, guesses.confidence, guesses.why)
    headings = profile.headings(sheet, header.row)
    keys = {heading_key(h) for h in headings if h is not None}
    if header.row == 1 and "measure" in keys and len(keys & set(REQUIRED_COLUMNS)) >= 2:
        guesses.add("layout", 1.0, "The file is in the upload template (team, measure, period): it needs no mapping.")
        return Proposal({}, guesses.confidence, guesses.why, template=True)
    spec["header_row"] = header.row
    guesses.add("header_row", header.confidence, header.why)
    end = profile.table_end(sheet, header.row)
    if end is not None:
        spec["table_end"] = "first_blank_row"
        guesses.add("table_end", 0.75, end.why)

    across = _period_headings(headings)
    last = None if end is None else end.blank_row
    if len(across) >= 2:
        # Only the columns left of the periods are read: the labels are there.
        cols = profile.columns(sheet, header.row, upto=min(across), end=last)
        _periods_across(spec, guesses, cols, [headings[i] for i in across], definitions, hierarchy)
    else:
        cols = profile.columns(sheet, header.row, end=last)
        _by_rows(spec, guesses, cols, definitions, hierarchy, len(measure_sheets) >= 2 and len(team_sheets) < 2,
                 measure_sheets)
    # Sheets named after teams name them unless a column does so surely.
    if "team" not in spec or (len(team_sheets) >= 2 and guesses.confidence["team"] < SURE):
        _team_from_sheets(spec, guesses, sheets, team_sheets, hierarchy)
    comment = next((c for c in cols if set(match.key(c.heading).split()) & _COMMENT_WORDS), None)
    spec["comment"] = comment.label if comment is not None and spec.get("layout") != "periods_across" else None
    return Proposal(spec, guesses.confidence, guesses.why)


def _period_headings(headings: list[object]) -> list[int]:
    """The positions of the headings that are periods (date cells, Apr-23, April 2023)."""
    return np.flatnonzero(profile.cell_kinds(np.array(headings, dtype=object)) == "date").tolist()


def _team_from_sheets(spec: dict, guesses: _Guesses, sheets: list[Sheet], team_sheets: dict[str, str],
                      hierarchy: Hierarchy) -> None:
    named = [s.name for s in sheets if s.name in team_sheets]
    if named:
        values, _ = match.team_values(named, hierarchy)
        spec["team"] = {"sheet_name": True} | ({"values": values} if values else {})
        guesses.add("team", 0.9 if len(named) == len(sheets) else 0.6,
                    "each sheet is one team, named by the sheet ("
                    + ", ".join(f"{n} → {hierarchy.name(team_sheets[n])}" for n in named[:4]) + ").")
    else:
        spec["team"] = {"sheet_name": True}
        guesses.add("team", 0.2, f"no team column was found, and the sheet name '{sheets[0].name}' is not a team: "
                    "the sheet's name is taken as the team.")


def _periods_across(spec: dict, guesses: _Guesses, cols: list[Column], across: list[object],
                    definitions: list[MeasureDefinition], hierarchy: Hierarchy) -> None:
    stamps = periods.parse_periods(pd.Series(across, dtype=object)).timestamps
    form, frequency, how = profile.period_form(stamps.dropna())
    spec["layout"] = "periods_across"
    guesses.add("layout", 0.9, f"{len(across)} headings are periods ({periods.label(stamps.iloc[0], frequency or 'month')} …): "
                "a column per period, measures down the side.")
    spec["period"] = {"form": form}
    guesses.add("period", 0.9 if frequency else 0.6, f"the period headings are {how}.")
    labels = [c for c in cols if c.number_share < 0.5 and c.texts]
    if not labels:
        guesses.add("unmapped", 0.0, "no column left of the periods holds row labels.")
        spec["label_column"], spec["rows"] = cols[0].label, []
        return
    label = next((c for c in labels if set(match.key(c.heading).split()) & _LABEL_WORDS), labels[-1])
    spec["label_column"] = label.label
    spec["rows"] = _assign(label.texts, definitions, frequency, guesses, "row")
    _team_column(spec, guesses, [c for c in labels if c is not label], hierarchy, None, label)


def _assign(texts: list[str], definitions: list[MeasureDefinition], frequency: str | None, guesses: _Guesses,
            what: str) -> list[dict]:
    """Measures for headings or row labels: each text as a value, or two as a numerator and
    denominator pair; the best-scored first, each measure and each numerator once. A text that
    duplicates a measure already mapped (a formula rate, a total) is left out."""
    usable = [d for d in definitions if frequency is None or d.frequency == frequency]
    options: list[tuple[float, str, dict]] = []
    for d in usable:
        if d.kind in RATIO_KINDS:
            options.extend(_pairs(texts, d))
        else:
            scores = {t: match.measure_score(t, d, paired=False) for t in texts}
            options.extend((s, d.code, {"value": t}) for t, s in scores.items() if s >= _OFFER)
    options.sort(key=lambda o: -o[0])
    taken, used, chosen = set(), set(), []
    for score, code, columns in options:
        primary = columns.get("value", columns.get("numerator"))
        # A denominator may serve several measures; a value or numerator only one.
        if code in taken or primary in used:
            continue
        rivals = [s for s, c, cols in options if c != code and cols.get("value", cols.get("numerator")) == primary
                  and c not in taken]
        sure = score - max(0.0, 0.15 - (score - max(rivals, default=0.0)))
        taken.add(code)
        parts = " over ".join(f"{what} '{v}'" for v in columns.values())
        if sure < SURE:
            guesses.add(f"measure:{code}", sure, f"{code} ({_name(usable, code)}) might be {parts}.")
            continue
        used.add(primary)
        chosen.append({"measure": code} | columns)
        guesses.add(f"measure:{code}", sure, f"{parts} is {code} ({_name(usable, code)}).")
    left = [t for t in texts if t not in used and not any(t in c.values() for c in chosen)]
    if left:
        which = {"week": "weekly ", "month": "monthly "}.get(frequency or "", "")
        guesses.why["unmapped"] = (f"not mapped ({len(left)}): " + ", ".join(f"'{t}'" for t in left[:8])
                                   + (" …" if len(left) > 8 else "") + f" (totals, rates worked out from others, "
                                   f"or texts no {which}measure matches).")
        guesses.confidence["unmapped"] = 1.0
    return chosen


def _pairs(texts: list[str], d: MeasureDefinition) -> list[tuple[float, str, dict]]:
    """A ratio measure's numerator and denominator among texts: texts saying num/denom with a
    common stem that names the measure, else texts matching its numerator's and denominator's words."""
    said = {t: match.words(t) for t in texts}
    found = []
    for num in (t for t, w in said.items() if w.part == "numerator"):
        for den in (t for t, w in said.items() if w.part == "denominator" and w.words == said[num].words):
            score = match.measure_score(" ".join(sorted(said[num].words)) or num, d, paired=True)
            if score >= _OFFER:
                found.append((min(1.0, score + 0.05), d.code, {"numerator": num, "denominator": den}))
    plain = [t for t, w in said.items() if w.part is None and w.kind is None]
    nums = {t: match.part_score(t, d, "numerator") for t in plain}
    dens = {t: match.part_score(t, d, "denominator") for t in plain}
    # The best pair of two different texts, from each part's few best.
    # A pair is as good as its weaker part, and a little better when both are good.
    pairs = [((min(nums[n], dens[m]) + (nums[n] + dens[m]) / 2) / 2, n, m) for n in sorted(nums, key=nums.get)[-3:] for m in sorted(dens, key=dens.get)[-3:]
             if n != m and min(nums[n], dens[m]) >= _OFFER]
    if pairs:
        score, num, den = max(pairs)
        if _worked_out_after(texts, num, den, d):
            score = min(1.0, score + 0.1)
        found.append((score, d.code, {"numerator": num, "denominator": den}))
    return found


def _worked_out_after(texts: list[str], num: str, den: str, d: MeasureDefinition) -> bool:
    """Whether two texts side by side are followed by a worked-out figure of the measure's kind
    (Plans, Audited, then "% with plan"): trackers keep a pair next to the figure made from it."""
    first, second = sorted((texts.index(num), texts.index(den)))
    if second != first + 1 or second + 1 >= len(texts):
        return False
    after = match.words(texts[second + 1])
    return after.kind == d.kind and after.multiplier in (None, int(d.multiplier))


def _name(definitions: list[MeasureDefinition], code: str) -> str:
    return next(d.name for d in definitions if d.code == code)


def _by_rows(spec: dict, guesses: _Guesses, cols: list[Column], definitions: list[MeasureDefinition],
             hierarchy: Hierarchy, per_measure_sheet: bool, measure_sheets: dict[str, str]) -> None:
    """Long and wide layouts: a period column, a team column, and measures by column or by row."""
    period, frequency = _period_column(spec, guesses, cols)
    rest = [c for c in cols if c is not period]
    numeric = [c for c in rest if c.number_share >= 0.9]
    text = [c for c in rest if c.number_share < 0.9 and c.texts]
    measure_column = None
    if not per_measure_sheet:
        measure_column = _measure_column(text, definitions)
    if per_measure_sheet or measure_column is not None:
        spec["layout"] = "long"
        _long(spec, guesses, measure_column, numeric, definitions, frequency, measure_sheets)
        text = [c for c in text if c is not measure_column]
    else:
        spec["layout"] = "wide"
        guesses.add("layout", 0.8 if numeric else 0.3, f"a column per measure ({len(numeric)} number columns).")
        chosen = _assign([c.label for c in numeric], definitions, frequency, guesses, "column")
        spec["measures"] = chosen
    _team_column(spec, guesses, text, hierarchy, period, measure_column)


def _period_column(spec: dict, guesses: _Guesses, cols: list[Column]) -> tuple[Column | None, str | None]:
    best, best_score, best_stamps = None, 0.0, None
    for c in cols:
        share, stamps = c.periods()
        score = share * (1.0 if c.heading_says_period() or c.number_share < 0.5 else 0.8)
        if score > best_score:
            best, best_score, best_stamps = c, score, stamps
    if best is None or best_score < 0.5:
        fallback = cols[0]
        spec["period"] = {"column": fallback.label, "form": "auto"}
        guesses.add("period", 0.1, f"no column holds dates or months; '{fallback.label}' is a placeholder.")
        return None, None
    form, frequency, how = profile.period_form(best_stamps, best.label)
    spec["period"] = {"column": best.label, "form": form}
    guesses.add("period", best_score * (0.95 if frequency else 0.7), f"column '{best.label}' holds {how}.")
    return best, frequency


def _measure_column(text: list[Column], definitions: list[MeasureDefinition]) -> Column | None:
    """The text column whose values name measures (most of its distinct values)."""
    best, best_share = None, 0.0
    for c in text:
        if len(c.texts) > 100:
            continue
        hits = sum(max((max(match.measure_score(t, d, p) for p in (False, True)) for d in definitions),
                       default=0.0) >= 0.6 for t in c.texts)
        share = hits / len(c.texts)
        if share > best_share:
            best, best_share = c, share
    return best if best_share >= 0.5 else None


def _long(spec: dict, guesses: _Guesses, measure_column: Column | None, numeric: list[Column],
          definitions: list[MeasureDefinition], frequency: str | None, measure_sheets: dict[str, str]) -> None:
    if measure_column is None:
        spec["measure_from_sheet"] = True
        texts = list(measure_sheets)
        guesses.add("layout", 0.8, "each sheet is one measure, named by the sheet.")
    else:
        spec["measure_column"] = measure_column.label
        texts = measure_column.texts
        guesses.add("layout", 0.85, f"a row per team × measure × period: column '{measure_column.label}' names "
                    "the measure.")
    parts = {"numerator": None, "denominator": None, "value": None}
    for c in numeric:
        said = match.words(c.label)
        role = said.part or ("value" if set(match.key(c.label).split()) & _VALUE_WORDS else None)
        if role and parts[role] is None:
            parts[role] = c
    if parts["value"] is None and parts["numerator"] is None and numeric:
        unnamed = [c for c in numeric if c not in parts.values()]
        if len(unnamed) >= 2 and parts["denominator"] is None and _mostly_ratios(texts, definitions):
            # Measures that need a numerator and a denominator, and two number columns with
            # other names (Met, Total): the first counts, the second is what it is out of.
            parts["numerator"], parts["denominator"] = unnamed[:2]
        else:
            parts["value"] = numeric[0]
    spec.update({k: c.label for k, c in parts.items() if c is not None})
    paired = {t: _has_pair(measure_column, t, parts) for t in texts}
    # A sheet per measure: each sheet has its own periods, so the first sheet's frequency
    # says nothing of the others' (a weekly sheet beside monthly ones).
    usable = [d for d in definitions if frequency is None or measure_column is None or d.frequency == frequency]
    values = {}
    for t in texts:
        scores = {d.code: match.measure_score(t, d, paired[t]) for d in usable}
        code, score, sure = match.ranked(scores)
        if code is None or score < _OFFER:
            continue
        guesses.add(f"measure:{code}", sure, f"'{t}' is {code} ({_name(usable, code)}).")
        if sure >= SURE and match.key(t) not in (match.key(code), match.key(_name(usable, code))):
            values[t] = code
    if values:
        spec["measure_values"] = values


def _mostly_ratios(texts: list[str], definitions: list[MeasureDefinition]) -> bool:
    """Whether most texts name a proportion or rate measure better than any other."""
    def ratio(text: str) -> bool:
        best = {p: max((match.measure_score(text, d, p) for d in definitions), default=0.0) for p in (False, True)}
        return best[True] >= _OFFER and best[True] > best[False]
    return bool(texts) and sum(map(ratio, texts)) > len(texts) / 2


def _has_pair(measure_column: Column | None, text: str, parts: dict) -> bool:
    """Whether the rows naming a measure fill the numerator column (else they hold a value)."""
    if parts["numerator"] is None or parts["denominator"] is None:
        return False
    if parts["value"] is None or measure_column is None:
        return True
    rows = measure_column.distinct.rows(measure_column.distinct.texts) == text
    numerators = parts["numerator"].cells[rows]
    return bool(pd.notna(numerators).any())


def _team_column(spec: dict, guesses: _Guesses, text: list[Column], hierarchy: Hierarchy,
                 period: Column | None, measure_column: Column | None) -> None:
    """The column (or columns) naming the team: the one whose values are teams, else one whose
    heading says so. When that column repeats within a period, a second column completes it
    (an organisation and a department type: the first names the directorate)."""
    best, best_share, values = None, 0.0, {}
    for c in text:
        if c is measure_column or set(match.key(c.heading).split()) & _COMMENT_WORDS:
            continue
        # Weighed by rows, totals left out: a few footnotes or a total row under the table are
        # not what the column holds.
        rows = {t: n for t, n in list(c.text_rows().items())[:500] if not match.is_total(t)}
        if not rows:
            continue
        found, resolved = match.team_values(rows, hierarchy)
        share = resolved / sum(rows.values())
        if share > best_share:
            best, best_share, values = c, share, found
    if best is not None and best_share >= 0.5:
        above = _written_once_per_group(best, measure_column if measure_column is not None else period)
        spec["team"] = ({"column": best.label} | ({"values": values} if values else {})
                        | ({"empty": "above"} if above else {}))
        guesses.add("team", 0.5 + 0.45 * best_share, f"column '{best.label}' names teams "
                    f"({best_share:.0%} of its values are in the hierarchy)"
                    + ("; a row with data but no team is the team above's, as in a pivot table." if above else "."))
        _directorate_column(spec, guesses, [c for c in text if c is not best and c is not measure_column], hierarchy)
        return
    said = [c for c in text if c is not measure_column and set(match.key(c.heading).split()) & _TEAM_WORDS]
    if not said:
        return
    first = said[0]
    others = [c for c in text if c is not first and c is not measure_column
              and not set(match.key(c.heading).split()) & _COMMENT_WORDS]
    second = _completing(first, others, period, measure_column)
    if second is None:
        spec["team"] = {"column": first.label}
        guesses.add("team", 0.45, f"column '{first.label}' is headed like a team column, but none of its values is "
                    "a team in the hierarchy yet (new teams are placed after the upload is checked).")
        return
    spec["team"] = {"columns": [first.label, second.label], "separator": f" {second.label} "}
    spec["directorate"] = {"column": first.label}
    guesses.add("team", 0.45, f"columns '{first.label}' and '{second.label}' together name a team ('{first.label}' "
                f"repeats within a period); '{first.label}' is taken as its directorate. None is in the hierarchy yet.")


def _written_once_per_group(team: Column, key: Column | None) -> bool:
    """Whether a team is written once at the top of its rows (a pivot table): many rows with a
    measure or period (a third or more) have no team, and each lies below a row that has one.
    A few blank team cells in a flat table are mistakes for the check to show, not a pattern."""
    if key is None:
        return False
    written = ~team.distinct.empty
    data = ~key.distinct.empty
    gaps = np.flatnonzero(team.distinct.empty & data)
    return (bool(gaps.size) and bool(written.any()) and gaps[0] > np.argmax(written)
            and gaps.size >= data.sum() / 3)


def _completing(first: Column, others: list[Column], period: Column | None,
                measure_column: Column | None) -> Column | None:
    """A column that, with ``first``, makes each row's team unique within its period (and
    measure); None when ``first`` alone already does."""
    keys = [c.distinct.codes for c in (period, measure_column) if c is not None]
    base = _combined(keys + [first.distinct.codes])
    if len(np.unique(base)) == len(base):
        return None
    for c in sorted(others, key=lambda c: len(c.texts)):
        joined = _combined([base, c.distinct.codes])
        if len(np.unique(joined)) == len(joined):
            return c
    return None


def _combined(codes: list[np.ndarray]) -> np.ndarray:
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for part in codes:
        combined, _ = pd.factorize(combined * (int(part.max()) + 2) + part + 1)
    return combined


def _directorate_column(spec: dict, guesses: _Guesses, text: list[Column], hierarchy: Hierarchy) -> None:
    """A column whose values are directorates: where teams new to the hierarchy go."""
    for c in text:
        named = sum(hierarchy.resolve(t, level="directorate") is not None for t in c.texts[:100])
        if c.texts and named / len(c.texts[:100]) >= 0.5:
            spec["directorate"] = {"column": c.label}
            guesses.add("directorate", 0.5 + 0.45 * named / len(c.texts[:100]),
                        f"column '{c.label}' names directorates: new teams are placed in them.")
            return
