"""The shared language: every word the charts and pages use, defined once in plain English.

Each term has an anchor on the Glossary page (``./Glossary#run-chart``: relative, so links
hold when the app is served under a base path). ``linked`` turns the first mention of each
term in a piece of markdown into a link there, so the reading guide, the chart summaries and
the signal explanations all lead to the same definitions. The rule
lengths and icon names come from the engine (``guide``, ``spc.rules``, ``icons``), so a
definition cannot drift from what the charts do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from qi_dash.guide import MDC_RULE_WORDS
from qi_dash.icons import ASSURANCE_ICONS, VARIATION_ICONS
from qi_dash.spc.limits import TRIAL_LIMIT_POINTS, XMR_LIMIT
from qi_dash.spc.rules import BEYOND, IHI_SHIFT, IHI_TREND, SHIFT, TREND

PAGE = "Glossary"


@dataclass(frozen=True)
class Term:
    anchor: str
    term: str
    definition: str  # markdown
    also: tuple[str, ...] = ()  # other spellings that link here ("SPC", "common-cause")


def _icons(icons: dict, codes: tuple[str, ...]) -> str:
    return "; ".join(f"*{icons[c].title}*" for c in codes)


TERMS: tuple[Term, ...] = (
    Term("run-chart", "Run chart",
         "A chart of a measure over time with its median as the centre line. Simple rules on runs of "
         "points above or below the median, and on points going up or down, tell a real change from "
         "everyday ups and downs. A good start when there are few points.", ("run charts",)),
    Term("spc-chart", "SPC chart",
         "A statistical process control chart: a measure over time with its mean and *process limits* "
         "worked out from the data. It shows what the process usually does and flags *special cause* "
         "variation. Also called a control chart or Shewhart chart; the kind (XmR, P, U, C …) depends "
         "on what is counted.", ("SPC charts", "SPC", "control chart")),
    Term("common-cause", "Common cause variation",
         "The everyday ups and downs of a stable process, from many small causes. Reacting to each "
         "point (tampering) makes things worse; to move the whole process, change the system. "
         "Grey points on the charts.", ("common cause", "common-cause variation")),
    Term("special-cause", "Special cause variation",
         "A signal that something out of the ordinary happened: a point or a pattern the rules say is "
         "unlikely from common causes alone. Find out why. Blue when it is an improvement, orange when "
         "it is a concern, purple when the measure has no better direction.", ("special cause",)),
    Term("variation-icon", "Variation icon",
         "The Making Data Count icon that says what kind of variation the latest point shows: "
         + _icons(VARIATION_ICONS, ("common_cause", "improvement_high", "improvement_low", "concern_high",
                                    "concern_low", "neutral_high", "neutral_low"))
         + ". H and L say whether the point is high or low.", ("variation icons",)),
    Term("assurance-icon", "Assurance icon",
         "The Making Data Count icon that says whether the process can be relied on to meet its target, "
         "by comparing the target in force at the latest point with the process limits: "
         + _icons(ASSURANCE_ICONS, ("pass", "fail", "hit_and_miss"))
         + ". There is none without a target, or for a measure with no better direction.", ("assurance icons",)),
    Term("process-limits", "Process limits",
         f"The dashed lines on an SPC chart: where almost every point of a stable process falls. For an XmR "
         f"chart they are {XMR_LIMIT:g} × the average moving range either side of the mean. They describe "
         f"what the process does, not what anyone wants it to do (that is the target). With fewer than "
         f"{TRIAL_LIMIT_POINTS} points they are trial limits.",
         ("process limit", "upper process limit", "lower process limit", "trial limits", "control limits")),
    Term("centre-line", "Centre line",
         "The solid line through the middle of the points: the mean on an SPC chart, the median on a run chart.",
         ("mean", "median")),
    Term("shift", "Shift",
         f"A sustained move to one side of the centre line: on an SPC chart {MDC_RULE_WORDS[SHIFT]}; on a "
         f"run chart {IHI_SHIFT} or more points in a row on one side of the median.", ("shifts",)),
    Term("trend", "Trend",
         f"Points steadily going one way: on an SPC chart {MDC_RULE_WORDS[TREND]}; on a run chart "
         f"{IHI_TREND} or more points in a row going up or down.", ("trends",)),
    Term("runs", "Runs",
         "A run is one or more points in a row on the same side of the median. Too few runs (the points "
         "stay on one side for long) or too many (they zig-zag) for the number of points says the "
         "process is not just varying at random.", ("run", "too few runs", "too many runs")),
    Term("astronomical-point", "Astronomical point",
         f"One point obviously far from all the others, that anyone would call unusual. On an SPC chart "
         f"this is {MDC_RULE_WORDS[BEYOND]}.", ("astronomical",)),
    Term("operational-definition", "Operational definition",
         "Exactly what a measure counts, and how: what is in and out, the numerator and denominator, "
         "where the data come from and how often. The same definition for every team is what makes "
         "their charts comparable.", ("operational definitions",)),
    Term("pdsa", "PDSA cycle",
         "Plan, Do, Study, Act: a small, quick test of a change idea. Plan it with a prediction, do it, "
         "study what happened against the prediction, then act: adopt, adapt or abandon the change.",
         ("PDSA", "PDSA cycles", "test of change", "tests of change")),
    Term("aim", "Aim",
         "What a team, directorate or organisation sets out to improve, by how much and by when, e.g. "
         "\"reduce restrictive practice by 30% by April 2027\". It is measured by an outcome measure "
         "and drawn as a goal line from its baseline.", ("aims", "goal line")),
    Term("outcome-measure", "Outcome measure",
         "Shows whether the system is getting better for the people it serves: the measure an aim is "
         "judged on.", ("outcome measures",)),
    Term("process-measure", "Process measure",
         "Shows whether the things that should lead to the outcome are happening, e.g. huddles held "
         "or safety plans written.", ("process measures",)),
    Term("balancing-measure", "Balancing measure",
         "Watches for harm elsewhere in the system from the changes being made, e.g. staff sickness "
         "or assaults on staff.", ("balancing measures",)),
    Term("baseline", "Baseline",
         "The level before a change, from a stated period: an aim measures progress from it. On an SPC "
         "chart, limits may be frozen on a baseline period so later points are judged against it.",
         ("baseline period",)),
    Term("phase", "Phase",
         "A stretch of a chart with its own centre line and limits. A new phase starts when the process "
         "has changed for a known reason, so limits are recalculated from that point.", ("phases",)),
    Term("target", "Target",
         "The level a measure is expected to reach, set from outside the process (the red dashed line). "
         "It can change over time; the assurance icon uses the one in force at the latest point.",
         ("targets",)),
    Term("trajectory", "Trajectory",
         "A target that changes over time, step by step, often reaching into future periods: the path "
         "agreed towards an aim.", ("trajectories", "target over time")),
)
BY_ANCHOR = {t.anchor: t for t in TERMS}


def href(anchor: str) -> str:
    """Where a term's definition is: the Glossary page, at the term."""
    if anchor not in BY_ANCHOR:
        raise KeyError(f"no glossary term {anchor!r}")
    return f"./{PAGE}#{anchor}"


def page_link(text: str) -> str:
    """A markdown link to the Glossary page itself."""
    return f"[{text}](./{PAGE})"


def link(anchor: str, text: str | None = None) -> str:
    """A markdown link to a term, shown as ``text`` (default: the term)."""
    return f"[{text or BY_ANCHOR[anchor].term}]({href(anchor)})"


def _pattern(phrase: str) -> str:
    # In markdown made by ``markdown_text`` a hyphen arrives escaped ("common\-cause").
    return r"(?:\s+|\\?-)".join(re.escape(word) for word in re.split(r"[\s-]+", phrase))


# Longest phrases first, so "special cause" is found before "cause"; never inside a word, a
# link's text or its address.
_PHRASES = sorted(((p, t.anchor) for t in TERMS for p in (t.term, *t.also)), key=lambda pair: -len(pair[0]))
_FINDER = re.compile(
    r"\[[^\]]*\]\([^)]*\)|(?<![\w\\])(" + "|".join(_pattern(p) for p, _ in _PHRASES) + r")(?!\w)",
    re.IGNORECASE,
)


def linked(markdown: str) -> str:
    """``markdown`` with the first mention of each glossary term linked to its definition."""
    done: set[str] = set()

    def replace(match: re.Match) -> str:
        if match.group(1) is None:  # an existing link: left as it is
            return match.group(0)
        anchor = _lookup(match.group(1))
        if anchor in done:
            return match.group(0)
        done.add(anchor)
        return f"[{match.group(1)}]({href(anchor)})"

    return _FINDER.sub(replace, markdown)


def _lookup(found: str) -> str:
    """The anchor of a phrase as found in the text (any case, spaces, hyphens escaped or not)."""
    key = re.sub(r"(?:\s+|\\?-)", " ", found).lower()
    for phrase, anchor in _PHRASES:
        if re.sub(r"[\s-]+", " ", phrase).lower() == key:
            return anchor
    raise KeyError(found)


# The term that explains each rule of the engine (``spc.rules.RULES``) that can flag a point.
RULE_TERMS = {"beyond_limit": "process-limits", "trend": "trend", "two_of_three": "process-limits",
              "shift": "shift"}


def signal_words(rules: Iterable[str]) -> str:
    """A line of links to the terms that explain the rules that flagged points."""
    anchors = ["special-cause", *dict.fromkeys(RULE_TERMS[r] for r in rules if r in RULE_TERMS)]
    return "What these words mean: " + " · ".join(link(a) for a in anchors) + "."
