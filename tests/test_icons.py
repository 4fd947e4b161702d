"""The MDC icons are valid, accessible SVG in the MDC colours, with NHS words as titles."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from qi_dash.icons import (
    ASSURANCE_ICONS,
    COMMON_CAUSE,
    CONCERN,
    IMPROVEMENT,
    NEUTRAL,
    VARIATION_ICONS,
    badge_svg,
    icon_svg,
    icon_title,
)

SVG = "{http://www.w3.org/2000/svg}"

EXPECTED = {
    ("variation", "common_cause"): (COMMON_CAUSE, "Common cause variation", ""),
    ("variation", "improvement_high"): (IMPROVEMENT, "Special cause improvement — higher is better", "H"),
    ("variation", "improvement_low"): (IMPROVEMENT, "Special cause improvement — lower is better", "L"),
    ("variation", "concern_high"): (CONCERN, "Special cause concern — higher is worse", "H"),
    ("variation", "concern_low"): (CONCERN, "Special cause concern — lower is worse", "L"),
    ("variation", "neutral_high"): (NEUTRAL, None, "H"),
    ("variation", "neutral_low"): (NEUTRAL, None, "L"),
    ("variation", "none"): (COMMON_CAUSE, None, ""),
    ("assurance", "pass"): (IMPROVEMENT, "Consistently passing the target", "P"),
    ("assurance", "fail"): (CONCERN, "Consistently failing the target", "F"),
    ("assurance", "hit_and_miss"): (COMMON_CAUSE, "Hit and miss: the target lies within the process limits", "?"),
    ("assurance", "none"): (COMMON_CAUSE, "No target / not enough data", ""),
}


def test_every_code_the_engine_returns_has_an_icon():
    assert set(VARIATION_ICONS) == {"common_cause", "improvement_high", "improvement_low", "concern_high",
                                    "concern_low", "neutral_high", "neutral_low", "none"}
    assert set(ASSURANCE_ICONS) == {"pass", "fail", "hit_and_miss", "none"}
    assert set(EXPECTED) == {("variation", c) for c in VARIATION_ICONS} | {("assurance", c) for c in ASSURANCE_ICONS}


@pytest.mark.parametrize(("kind", "code"), sorted(EXPECTED))
def test_icon_is_valid_accessible_svg_with_colour_title_and_letter(kind, code):
    colour, title, letter = EXPECTED[(kind, code)]
    root = ET.fromstring(icon_svg(code, 40, kind=kind))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == root.get("height") == "40"
    expected_title = title or icon_title(code, kind=kind)
    assert root.find(f"{SVG}title").text == expected_title == root.get("aria-label")
    ring = root.find(f"{SVG}circle")
    assert ring.get("stroke") == colour
    letters = [t.text for t in root.iter(f"{SVG}text")]
    assert letters == ([letter] if letter else [])


def test_none_is_an_empty_dotted_circle():
    root = ET.fromstring(icon_svg("none"))
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 1
    assert circles[0].get("fill") == "none" and circles[0].get("stroke-dasharray")


def test_special_cause_icons_colour_their_last_dots():
    root = ET.fromstring(icon_svg("concern_low"))
    dots = [c.get("fill") for c in root.iter(f"{SVG}circle")][1:]
    assert dots == [COMMON_CAUSE] * 3 + [CONCERN] * 2


def test_bare_none_has_the_general_title():
    assert icon_title("none") == "No target / not enough data"
    assert icon_title("none", kind="variation") == "Not enough data for a variation icon"
    assert icon_title("pass") == "Consistently passing the target"


@pytest.mark.parametrize("code", ["", "improvement", "PASS", "amber"])
def test_unknown_code_raises(code):
    with pytest.raises(ValueError):
        icon_svg(code)
    with pytest.raises(ValueError):
        icon_title(code)


def test_a_code_of_the_other_kind_raises():
    with pytest.raises(ValueError):
        icon_svg("pass", kind="variation")
    with pytest.raises(ValueError):
        icon_title("common_cause", kind="assurance")
    with pytest.raises(ValueError):
        icon_svg("pass", kind="board")


@pytest.mark.parametrize(("kind", "code"), sorted(EXPECTED))
def test_badge_is_a_ring_of_the_icon_colour_around_its_letter(kind, code):
    colour, _, letter = EXPECTED[(kind, code)]
    root = ET.fromstring(badge_svg(code, kind))
    (ring,) = root.iter(f"{SVG}circle")
    assert ring.get("stroke") == colour
    assert bool(ring.get("stroke-dasharray")) == (code == "none")  # no icon: a dotted ring
    (glyph,) = root.iter(f"{SVG}text")
    assert glyph.get("fill") == colour
    assert glyph.text == (letter or {"common_cause": "~", "none": "·"}[code])


def test_a_badge_needs_its_kind():
    with pytest.raises(ValueError):
        badge_svg("none", "board")
    with pytest.raises(ValueError):
        badge_svg("pass", "variation")
