"""Matching a file's texts to measures and teams: words, abbreviations, kind and unit."""

from __future__ import annotations

import pytest

from qi_dash import bootstrap
from qi_dash.definitions import read_definitions
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.ingest import match


@pytest.fixture(scope="module")
def library() -> dict:
    return {d.code: d for d in read_definitions(bootstrap.STANDARD_MEASURES)}


@pytest.fixture(scope="module")
def hierarchy() -> Hierarchy:
    return Hierarchy(read_hierarchy(bootstrap.DEMO_HIERARCHY))


def test_words_spell_out_abbreviations_and_read_kind_and_unit():
    said = match.words("Restraint per 1,000 OBDs")
    assert said.words == {"restraint", "occupied", "bed", "day"}
    assert (said.kind, said.multiplier) == ("rate", 1000)
    assert match.words("Safety plan %").kind == "proportion"
    assert match.words("Safety plan denom").part == "denominator"
    assert match.words("Num").part == "numerator"
    assert match.words("PRN doses").kind is None


def _best(text: str, library: dict, paired: bool) -> tuple[str, float]:
    scores = {code: match.measure_score(text, d, paired) for code, d in library.items()}
    best = max(scores, key=scores.get)
    return best, scores[best]


def test_a_rate_per_1000_obd_matches_the_restrictive_practice_rate(library):
    assert _best("Restraint per 1000 OBD", library, paired=True)[0] == "RP_RATE"
    rp = match.measure_score("Restraint per 1000 OBD", library["RP_RATE"], paired=True)
    assaults = match.measure_score("Restraint per 1000 OBD", library["ASSAULT"], paired=True)
    assert rp > assaults > 0


def test_a_percentage_matches_a_proportion_by_its_code_words(library):
    assert _best("Safety plan %", library, paired=True) == ("SAFETY_PLAN", 1.0)


def test_kind_decides_what_a_text_may_match(library):
    # A count's column is never offered for a ratio measure, nor a pair for a count.
    assert match.measure_score("Physical restraints", library["RESTRAINT"], paired=True) == 0.0
    assert match.measure_score("Safety plan", library["SAFETY_PLAN"], paired=False) == 0.0
    # A column of worked-out rates is not a count, however alike the words.
    assert match.measure_score("Restraint rate", library["RESTRAINT"], paired=False) == 0.0
    assert match.measure_score("Restraints", library["RESTRAINT"], paired=False) > 0.9


def test_a_code_or_a_name_is_an_exact_match(library):
    assert match.name_score("prn", library["PRN"]) == 1.0
    assert match.name_score("  physical   RESTRAINTS ", library["RESTRAINT"]) == 1.0


def test_parts_of_a_ratio_match_its_numerator_and_denominator_words(library):
    rp = library["RP_RATE"]
    assert match.part_score("Occupied bed days", rp, "denominator") > 0.6
    assert match.part_score("Restrictive practice incidents", rp, "numerator") > 0.6
    assert match.part_score("Occupied bed days", rp, "numerator") < match.part_score("Occupied bed days", rp, "denominator")


def test_ranked_lowers_confidence_when_the_runner_up_is_close():
    assert match.ranked({"A": 0.9, "B": 0.2}) == ("A", 0.9, 0.9)
    best, score, sure = match.ranked({"A": 0.9, "B": 0.85})
    assert best == "A" and sure == pytest.approx(0.8)
    assert match.ranked({}) == (None, 0.0, 0.0)


def test_team_texts_resolve_by_code_name_or_a_unique_word(hierarchy):
    assert match.team_code("W-ASH", hierarchy) == "W-ASH"
    assert match.team_code("birch ward", hierarchy) == "W-BIR"
    assert match.team_code("Hazel", hierarchy) == "W-HAZ"
    # "North" is in one team's name only; "Community" in several: no guess.
    assert match.team_code("North", hierarchy) == "CMHT-N"
    assert match.team_code("Community", hierarchy) is None
    assert match.team_code("Ward 12", hierarchy) is None
    values, resolved = match.team_values(["Ash", "Ash Ward", "W-BIR", "Nowhere"], hierarchy)
    assert values == {"Ash": "W-ASH"} and resolved == 3


def test_the_unit_names_what_is_counted_less_surely_than_the_name(library):
    assert _best("Doses", library, paired=False)[0] == "PRN"
    assert match.name_score("Doses", library["PRN"]) < match.name_score("PRN doses", library["PRN"])


def test_a_bare_incidents_heading_is_the_rate_whose_name_counts_incidents(library):
    # RP_RATE's name counts "restrictive practice incidents"; ASSAULT's description says its
    # assaults are recorded "on the incident system". The name decides, not the boilerplate.
    rp, assault = library["RP_RATE"], library["ASSAULT"]
    assert match.part_score("Incidents", rp, "numerator") > match.part_score("Incidents", assault, "numerator") + 0.1
    assert match.part_score("Assaults", assault, "numerator") > match.part_score("Assaults", rp, "numerator")
    assert match.part_score("Restraint incidents", rp, "numerator") > match.part_score("Restraint incidents", assault,
                                                                                       "numerator")


def test_a_total_label_names_no_team(hierarchy):
    assert match.team_code("Cedar Ward", hierarchy) == "W-CED"
    for text in ("Cedar Ward Total", "Grand Total", "Subtotal", "Totals"):
        assert match.is_total(text)
        assert match.team_code(text, hierarchy) is None
    assert not match.is_total("Totally new ward")


def test_team_values_count_rows_when_given_each_texts_rows(hierarchy):
    values, resolved = match.team_values({"Ash": 6, "Birch Ward": 6, "Source: RiO audit tool": 1}, hierarchy)
    assert values == {"Ash": "W-ASH"} and resolved == 12
