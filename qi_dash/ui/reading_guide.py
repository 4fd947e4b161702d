"""How to read the charts and icons, and the choices behind them, in plain words."""

from __future__ import annotations

import streamlit as st


def reading_guide() -> None:
    """How to read the charts and icons, and the choices behind them, in plain words."""
    with st.expander("How to read these charts"):
        st.markdown(READING_GUIDE)


READING_GUIDE = """
**Points.** Grey circles are common-cause variation: the process doing what it usually does.
Coloured, differently shaped points are *special cause*: blue diamonds where the change is an
improvement, orange squares where it is a concern, purple triangles where a measure has no
better direction, or where a run chart has too few or too many runs (up ▲ or down ▼). Hover a
point to see which rule flagged it.

**Lines.** The solid line is the mean (SPC charts) or the median (run charts). Dashed grey lines
are the *process limits*, 2.66 × the average moving range from the mean for XmR charts (as the
NHS Making Data Count tool), and per-point limits for P and U charts. With fewer than 13
points the limits are *trial limits*, drawn lighter: they will move as data arrives. The red
dashed line is the target. Numbered markers are the team's tests of change.

**Rules on SPC charts** (Making Data Count): a point beyond a process limit; 7 points in a row
rising or falling; 2 of 3 points beyond two thirds of the way to a limit, on the same side of
the mean; 7 points in a row on one side of the mean. When several apply, the first in that
order names the signal. A point exactly on the mean breaks a run.

**Rules on run charts** (IHI, unless the measure says Anhøj): 6 or more points in a row on one
side of the median (points on the median are skipped); 5 or more points in a row going up or
down (a repeated value neither breaks nor extends the trend); too few or too many runs for the
number of points.

**Icons.** The variation icon describes the latest point. The assurance icon compares the
target with the latest process limits: *consistently passing* when every point is expected to
meet it, *consistently failing* when none is, *hit and miss* otherwise; there is none without
a target or for measures with no better direction.

**Missing data** is a gap on the time axis, never a zero; moving ranges and runs do not bridge
it. Moving ranges are not screened for outliers (as the Making Data Count Excel tool) unless a
measure's definition asks for it. Directorate and organisation charts pool numerators and
denominators; they never average team rates.
"""

