"""How to read the charts and icons, in plain words, written from the engine's own constants.

The rule lengths, the XmR constant, the trial-limit threshold and the order in which rules name
a signal come from ``qi_dash.spc``, so the guide cannot drift from what the charts do.
"""

from __future__ import annotations

from qi_dash.spc.limits import TRIAL_LIMIT_POINTS, XMR_LIMIT
from qi_dash.spc.rules import BEYOND, IHI_SHIFT, IHI_TREND, MDC_ORDER, MDC_SHIFT, MDC_TREND, SHIFT, TREND, TWO_OF_THREE

# What each rule on a chart with limits looks for, in words.
MDC_RULE_WORDS = {
    BEYOND: "a point beyond a process limit",
    TREND: f"{MDC_TREND} points in a row rising or falling",
    TWO_OF_THREE: "2 of 3 points beyond two thirds of the way to a limit, on the same side of the mean",
    SHIFT: f"{MDC_SHIFT} points in a row on one side of the mean",
}


def reading_guide() -> str:
    """The reading guide as markdown."""
    mdc_rules = "; ".join(MDC_RULE_WORDS[code] for code in MDC_ORDER)
    return f"""
**Points.** Grey circles are common-cause variation: the process doing what it usually does.
Coloured, differently shaped points are *special cause*: blue diamonds where the change is an
improvement, orange squares where it is a concern, purple triangles (up ▲ or down ▼) only
where a measure has no better direction. Hover a point to see which rule flagged it.

**Lines.** The solid line is the mean (SPC charts) or the median (run charts). Dashed grey lines
are the *process limits*, {XMR_LIMIT:g} × the average moving range from the mean for XmR charts (as the
NHS Making Data Count tool), and per-point limits for P and U charts. With fewer than {TRIAL_LIMIT_POINTS}
points the limits are *trial limits*, drawn lighter: they will move as data arrives. The red
dashed line is the target, in steps when it changes over time (a trajectory, which may reach
into future periods). The dark blue dash-dot line is an aim's goal line, from its baseline to
the date the aim is due. Numbered markers are the team's tests of change.

**Rules on SPC charts** (Making Data Count): {mdc_rules}. When several apply, the first in that
order names the signal. A point exactly on the mean breaks a run.

**Rules on run charts** (IHI, unless the measure says Anhøj): {IHI_SHIFT} or more points in a row on one
side of the median (points on the median are skipped); {IHI_TREND} or more points in a row going up or
down (a repeated value neither breaks nor extends the trend). Too few or too many runs for the
number of points says the variation is not random, but not which points made it so: no point is
coloured; the median is labelled with it, and the words under the chart say so.

**Phases.** When a change has worked, the team can start a new phase: the limits are calculated
again from that period, and a labelled vertical line gives the reason. A frozen baseline (a
shaded band) keeps the limits calculated from the points before a change, so the change is
judged against them.

**Icons.** The variation icon describes the latest point. The assurance icon compares the
target with the latest process limits: *consistently passing* when every point is expected to
meet it, *consistently failing* when none is, *hit and miss* otherwise; there is none without
a target or for measures with no better direction.

**Missing data** is a gap on the time axis, never a zero; moving ranges and runs do not bridge
it. Moving ranges are not screened for outliers (as the Making Data Count Excel tool) unless a
measure's definition asks for it. Directorate and organisation charts pool numerators and
denominators; they never average team rates.
"""
