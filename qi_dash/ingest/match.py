"""Matching a file's texts (headings, row labels, sheet names, cell values) to measures and teams.

Used by ``detect`` to propose a mapping. A text matches a measure by its code, its name, the
words of its numerator and denominator, and the unit and kind its words imply: ``%`` points
to a proportion, ``per 1000`` to a rate, and common NHS abbreviations are spelled out (OBD =
occupied bed days), so "Restraint per 1000 OBD" matches "Restrictive practice incidents per
1,000 occupied bed days". Scores are 0–1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from dataclasses import dataclass

from qi_dash.definitions import MeasureDefinition
from qi_dash.hierarchy import Hierarchy
from qi_dash.vocabulary import RATIO_KINDS

# Abbreviations seen in NHS trackers and warehouse extracts, as the words a definition uses.
ABBREVIATIONS = {
    "obd": "occupied bed days", "obds": "occupied bed days", "wte": "whole time equivalent",
    "pct": "percent", "perc": "percent", "no": "number", "nos": "number", "adm": "admissions",
    "adms": "admissions", "att": "attendances", "atts": "attendances", "ed": "emergency department",
    "los": "length of stay", "hrs": "hours", "hr": "hours", "pts": "patients", "pt": "patient",
    "inc": "incidents", "incs": "incidents", "wk": "week", "mth": "month",
}
_STOPWORDS = frozenset(
    "of the a an in on for with and to by from per at as or is are was number count total".split()
)
# Words that say what kind of number a column holds rather than what it counts.
_PROPORTION_WORDS = frozenset({"percent", "percentage", "proportion"})
_RATE_WORDS = frozenset({"rate", "ratio"})
NUMERATOR_WORDS = frozenset({"num", "numerator", "numer", "n"})
DENOMINATOR_WORDS = frozenset({"denom", "denominator", "den", "d"})
_WORD = re.compile(r"[a-z0-9&]+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
# A total row's label ("Cedar Ward Total", "Grand Total") names no team, however like one it reads.
_TOTAL = re.compile(r"\b(?:sub-?)?totals?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Words:
    """A text as matched: the words naming what is counted, and the kind its words imply."""

    words: frozenset[str]
    kind: str | None  # "proportion", "rate" or None
    multiplier: int | None  # the "1000" of "per 1000"
    part: str | None  # "numerator" or "denominator" when the text says so


@lru_cache(maxsize=4096)
def words(text: str) -> Words:
    """A text's words: lower case, "1,000" as "1000", abbreviations spelled out, plurals cut."""
    lowered = _THOUSANDS.sub("", str(text).casefold().replace("%", " percent "))
    raw: list[str] = []
    for word in _WORD.findall(lowered):
        raw.extend(ABBREVIATIONS.get(word, word).split())
    kind, multiplier, part = None, None, None
    kept = set()
    for word in raw:
        if word in _PROPORTION_WORDS:
            kind = "proportion"
        elif word in _RATE_WORDS:
            kind = kind or "rate"
        elif word.isdigit() and word in ("100", "1000", "10000", "100000"):
            multiplier = int(word)
            kind = "rate" if word != "100" else kind
        elif word in NUMERATOR_WORDS:
            part = "numerator"
        elif word in DENOMINATOR_WORDS:
            part = "denominator"
        elif word not in _STOPWORDS:
            kept.add(_stem(word))
    return Words(frozenset(kept), kind, multiplier, part)


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _same(a: str, b: str) -> float:
    """1 for the same word; half for five letters in common at the start ("restraint" and
    "restrictive" practice), which may be a different word."""
    if a == b:
        return 1.0
    return 0.5 if len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5] else 0.0


def overlap(text: frozenset[str], target: frozenset[str]) -> float:
    """How well a text's words cover a target's: mostly the text's own words (a heading is
    short), a little the target's."""
    if not text or not target:
        return 0.0
    found = sum(max(_same(a, b) for b in target) for a in text)
    covered = sum(max(_same(b, a) for a in text) for b in target)
    return 0.65 * found / len(text) + 0.35 * covered / len(target)


def key(text: object) -> str:
    """Text as a lookup key: case, spacing and punctuation do not matter."""
    return " ".join(re.findall(r"[a-z0-9&%]+", str(text).casefold()))


@lru_cache(maxsize=16384)
def name_score(text: str, definition: MeasureDefinition) -> float:
    """How well a text names a measure (code, name or the unit's words), 0–1, before kind is weighed."""
    if key(text) in (key(definition.code), key(definition.name)):
        return 1.0
    said = words(text).words
    code_words = words(definition.code.replace("_", " ")).words
    # The unit names what is counted too ("doses per month"), less surely than the name.
    unit_words = words(definition.unit).words - {"month", "week"}
    return max(overlap(said, words(definition.name).words), 0.95 * overlap(said, code_words),
               0.7 * overlap(said, unit_words))


def measure_score(text: str, definition: MeasureDefinition, paired: bool) -> float:
    """How well a text names a measure whose data comes as a value (``paired`` False) or as a
    numerator and denominator (True); 0 when the measure's kind cannot take such data."""
    if paired != (definition.kind in RATIO_KINDS):
        return 0.0
    said = words(text)
    score = name_score(text, definition)
    if said.kind is not None:
        if not paired and score < 1.0:
            # A percentage or rate column is worked out from others: never a count or value.
            return 0.0
        unit = words(definition.unit)
        agrees = said.kind == definition.kind and (said.multiplier in (None, int(definition.multiplier)))
        agrees = agrees or (said.kind == "proportion" and unit.kind == "proportion")
        score = min(1.0, score + 0.1) if agrees else score * 0.7
    elif said.multiplier is not None and paired:
        score = min(1.0, score + 0.05) if said.multiplier == int(definition.multiplier) else score * 0.7
    return score


def part_score(text: str, definition: MeasureDefinition, part: str) -> float:
    """How well a text names a ratio measure's numerator or denominator (its definition's words)."""
    said = words(text).words
    described = words(getattr(definition, part)).words
    if part == "denominator":
        return overlap(said, described)
    # A rate's name says what is counted before "per": "incidents per 1,000 bed days". The
    # name is what tells measures apart; a description also says how it is recorded ("on the
    # incident system"), words that many measures share, so it counts for less.
    counted = re.split(r"\bper\b", definition.name, maxsplit=1)[0]
    return max(0.85 * overlap(said, described), 0.95 * overlap(said, words(counted).words))


def ranked(scores: dict[str, float]) -> tuple[str | None, float, float]:
    """(best, its score, a confidence): the score less how close the runner-up comes."""
    if not scores:
        return None, 0.0, 0.0
    order = sorted(scores.items(), key=lambda kv: -kv[1])
    best, score = order[0]
    second = order[1][1] if len(order) > 1 else 0.0
    return best, score, max(0.0, score - max(0.0, 0.15 - (score - second)))


def is_total(text: str) -> bool:
    """Whether a text labels a total ("Total", "Cedar Ward Total", "Grand Total", "Subtotal")."""
    return bool(_TOTAL.search(text))


def team_code(text: str, hierarchy: Hierarchy) -> str | None:
    """The team a text means: its code or name (``Hierarchy.resolve``), else the one team whose
    name holds every word of the text ("Ash" → Ash Ward). A total's label is no team."""
    found = hierarchy.resolve(text)
    if found is not None or is_total(text):
        return found
    said = words(text).words - {"ward", "team", "unit"}
    if not said:
        return None
    hits = [code for code in hierarchy.teams if said <= words(hierarchy.name(code)).words]
    return hits[0] if len(hits) == 1 else None


def team_values(texts: Iterable[str] | Mapping[str, int], hierarchy: Hierarchy) -> tuple[dict[str, str], int]:
    """(values, resolved): the texts that name a team only loosely, mapped to its code (a
    part's ``"values"``), and how many texts name a team at all — counted by the rows each
    stands for when ``texts`` maps each text to its rows."""
    values, resolved = {}, 0
    for text in texts:
        code = team_code(text, hierarchy)
        if code is None:
            continue
        resolved += texts[text] if isinstance(texts, Mapping) else 1
        if hierarchy.resolve(text) is None:
            values[text] = code
    return values, resolved
