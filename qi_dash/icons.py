"""The Making Data Count (MDC) variation and assurance icons, and the colours and marker shapes of points.

This module is the one home of the MDC colours (one spec, as users of NHSRplotthedots #196 ask):
charts, icon tables and tiles all read them from here. The icons are drawn by us as small
inline SVGs, after the MDC idea — a coloured circle with a glyph — not copied from MDC files:

* variation icons: a circle in the colour of the latest point's variation, holding a short run
  of dots (flat for common cause; ending high or low for special cause) and the letter H or L;
* assurance icons: a circle holding P (consistently passing), F (consistently failing) or ?
  (hit and miss);
* "none": an empty dotted circle, so a table keeps its layout when there is no icon.

A table of hundreds of cells (the roll-up matrix) shows each icon as a small badge instead
(``badge_svg``): the ring in the icon's colour around its letter, ~ for common cause or · for
none, a few hundred bytes drawn once as an image however many cells show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

COMMON_CAUSE = "#A6A6A6"  # grey
IMPROVEMENT = "#00B0F0"  # blue: "blue for good"
CONCERN = "#E46C0A"  # orange: "orange for bad" — never red/amber/green
NEUTRAL = "#490092"  # purple: special cause on a measure where neither direction is better
TARGET = "#DE1B1B"  # red target line (NHSRplotthedots)
NHS_BLUE = "#005EB8"

# Point type → (colour, Plotly marker symbol, legend label). Every type has its own shape so
# points are told apart without colour: a circle is ordinary; any other shape is a signal —
# a diamond for improvement, a square for concern and, for measures where neither direction
# is better, a triangle pointing the way the process moved.
POINT_STYLE: dict[str, tuple[str, str, str]] = {
    "common_cause": (COMMON_CAUSE, "circle", "Common cause variation"),
    "improvement": (IMPROVEMENT, "diamond", "Special cause improvement"),
    "concern": (CONCERN, "square", "Special cause concern"),
    "neutral_high": (NEUTRAL, "triangle-up", "Special cause, neither better nor worse (higher)"),
    "neutral_low": (NEUTRAL, "triangle-down", "Special cause, neither better nor worse (lower)"),
}


@dataclass(frozen=True)
class Icon:
    title: str
    colour: str
    letter: str  # H / L for variation, P / F / ? for assurance, "" for none
    dots: tuple[int, ...] = ()  # heights (SVG y, 0–100 box) of the run of dots of a variation icon


# A flat wiggle for common cause; three ordinary points then two that moved up or down.
_FLAT = (52, 62, 47, 60, 54)
_HIGH = (70, 73, 68, 54, 50)
_LOW = (52, 50, 55, 68, 72)

VARIATION_ICONS: dict[str, Icon] = {
    "common_cause": Icon("Common cause variation", COMMON_CAUSE, "", _FLAT),
    "improvement_high": Icon("Special cause improvement — higher is better", IMPROVEMENT, "H", _HIGH),
    "improvement_low": Icon("Special cause improvement — lower is better", IMPROVEMENT, "L", _LOW),
    "concern_high": Icon("Special cause concern — higher is worse", CONCERN, "H", _HIGH),
    "concern_low": Icon("Special cause concern — lower is worse", CONCERN, "L", _LOW),
    "neutral_high": Icon("Special cause variation, neither better nor worse — higher", NEUTRAL, "H", _HIGH),
    "neutral_low": Icon("Special cause variation, neither better nor worse — lower", NEUTRAL, "L", _LOW),
    "none": Icon("Not enough data for a variation icon", COMMON_CAUSE, ""),
}
ASSURANCE_ICONS: dict[str, Icon] = {
    "pass": Icon("Consistently passing the target", IMPROVEMENT, "P"),
    "fail": Icon("Consistently failing the target", CONCERN, "F"),
    "hit_and_miss": Icon("Hit and miss: the target lies within the process limits", COMMON_CAUSE, "?"),
    "none": Icon("No target / not enough data", COMMON_CAUSE, ""),
}
ICON_KINDS = ("variation", "assurance")


def _icon(code: str, kind: str | None) -> Icon:
    """The icon of a code. "none" is both a variation and an assurance code; without a kind it
    means the assurance one, whose title ("No target / not enough data") covers both cases."""
    if kind not in (None, *ICON_KINDS):
        raise ValueError(f"unknown icon kind {kind!r}; expected variation or assurance")
    tables = [VARIATION_ICONS] if kind == "variation" else [ASSURANCE_ICONS] if kind == "assurance" else [
        ASSURANCE_ICONS, VARIATION_ICONS]
    for table in tables:
        if code in table:
            return table[code]
    raise ValueError(f"unknown {kind or 'MDC'} icon code {code!r}")


def icon_title(code: str, *, kind: str | None = None) -> str:
    """The icon's meaning in NHS words, e.g. "Consistently passing the target"."""
    return _icon(code, kind).title


def icon_svg(code: str, size: int = 48, *, kind: str | None = None) -> str:
    """A complete, accessible inline ``<svg>`` of the icon, ``size`` pixels square."""
    icon = _icon(code, kind)
    title = escape(icon.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 100 100" '
        + f'role="img" aria-label="{title}"><title>{title}</title>'
    ]
    if not icon.letter and not icon.dots:
        # No icon: keep the space with a quiet dotted ring.
        parts.append(f'<circle cx="50" cy="50" r="44" fill="none" stroke="{icon.colour}" stroke-width="4" '
                     'stroke-dasharray="3 7" stroke-linecap="round"/>')
    else:
        parts.append(f'<circle cx="50" cy="50" r="44" fill="#FFFFFF" stroke="{icon.colour}" stroke-width="7"/>')
    if icon.dots:
        xs = (24, 37, 50, 63, 76)
        line = " ".join(f"{x},{y}" for x, y in zip(xs, icon.dots))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{COMMON_CAUSE}" stroke-width="2.5"/>')
        for i, (x, y) in enumerate(zip(xs, icon.dots)):
            # The last two dots of a special-cause icon take its colour, like the points of a chart.
            fill = icon.colour if icon.letter and i >= 3 else COMMON_CAUSE
            parts.append(f'<circle cx="{x}" cy="{y}" r="5.5" fill="{fill}"/>')
        if icon.letter:
            parts.append(_letter(icon.letter, icon.colour, x=50, y=40, font_size=26))
    elif icon.letter:
        parts.append(_letter(icon.letter, icon.colour, x=50, y=66, font_size=46))
    parts.append("</svg>")
    return "".join(parts)


def _letter(letter: str, colour: str, *, x: int, y: int, font_size: int) -> str:
    return (f'<text x="{x}" y="{y}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-weight="bold" font-size="{font_size}" fill="{colour}">{escape(letter)}</text>')


# A badge's glyph: the MDC letter where MDC has one; the colour says the rest.
_BADGE_GLYPH = {("variation", "common_cause"): "~", ("variation", "none"): "·", ("assurance", "none"): "·"}


def badge_svg(code: str, kind: str) -> str:
    """A small ``<svg>`` badge of an icon (``kind`` variation or assurance): a white disc in a
    ring of the icon's colour, dotted for none, holding its letter (~ common cause, · none)."""
    if kind not in ICON_KINDS:
        raise ValueError(f"unknown icon kind {kind!r}; expected variation or assurance")
    icon = _icon(code, kind)
    glyph = _BADGE_GLYPH.get((kind, code), icon.letter)
    dotted = ' stroke-dasharray="2.2 2.2"' if code == "none" else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20">'
            f'<circle cx="10" cy="10" r="8.6" fill="#FFFFFF" stroke="{icon.colour}" stroke-width="2"{dotted}/>'
            f'<text x="10" y="10" dy="0.36em" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
            f'font-weight="bold" font-size="11" fill="{icon.colour}">{escape(glyph)}'
            f'</text></svg>')
