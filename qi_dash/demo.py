"""The embedded demo organisation: a fictional trust taking part in a Reducing Restrictive Practice collaborative.

Riverside NHS Foundation Trust (fictional) has nine inpatient wards and four community teams
(``data/hierarchy.csv``) reporting the measures in ``data/measures.csv``. ``demo_observations``
simulates their data as the store holds observations, deterministically from a seed, so the
app, the tests and the screenshots always show the same story:

* Ash Ward starts twice-daily safety huddles (May 2023), then Safewards (January 2024), after
  which restrictive practice falls by about 40%.
* Hazel Ward (PICU) co-produces safety plans at admission (April 2024) and opens a sensory room
  (July 2024); seclusion and restraint fall.
* Rowan Ward's patient-led community meeting (April 2024) lifts patients' sense of safety, and
  the North CMHT's co-designed safety plan template (September 2024) lifts its safety plans.
* Cedar Ward deteriorates after a staffing crisis (July 2024).
* Birch Ward closes for refurbishment (August and September 2024: no rows); Elm Ward closes to
  admissions during a norovirus outbreak (January 2025). Everyone else shows common-cause
  variation only.

Counts are Poisson, proportions binomial, around levels set per team below; a story event
multiplies a measure's underlying level from its date, ramping in over a few weeks.
"""

from __future__ import annotations

import calendar
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from qi_dash.store import OBSERVATION_COLUMNS

FIRST_MONTH = date(2023, 1, 1)
LAST_MONTH = date(2025, 10, 1)
FIRST_WEEK = date(2023, 1, 2)  # the first Monday of 2023
LAST_WEEK = date(2025, 10, 27)

WARD_MEASURES = (
    "RP_RATE", "RESTRAINT", "SAFETY_PLAN", "HUDDLES", "DEBRIEF",
    "SAFE_SCORE", "ASSAULT", "SICKNESS", "PRN", "ADMISSIONS",
)
# Community teams have no beds, so no bed-day rates, restraint, seclusion or admissions.
COMMUNITY_MEASURES = ("SAFETY_PLAN", "HUDDLES", "SAFE_SCORE", "SICKNESS")

# Share of restrictive practice incidents that are physical restraint.
RESTRAINT_SHARE = 0.6
OCCUPANCY = 0.93
COMMUNITY_AUDIT = 20  # open cases sampled each month for the safety plan audit


@dataclass(frozen=True)
class _Ward:
    """Levels only an inpatient ward has."""

    beds: int
    rp_rate: float  # restrictive practice incidents per 1,000 occupied bed days
    assault_rate: float  # per 1,000 occupied bed days
    prn_rate: float  # PRN doses per 1,000 occupied bed days
    debrief: float  # chance an incident is followed by a debrief
    admissions: float  # per month
    seclusions: float = 0.0  # episodes per month; 0 = no seclusion room
    seclusion_hours: float = 0.0  # mean length of an episode


@dataclass(frozen=True)
class _Team:
    """A team's underlying levels before any story event."""

    staff_wte: float
    safety_plan: float  # chance an audited patient's plan meets every criterion
    huddles: float  # share of planned huddles held
    safety_score: float  # mean patient answer, 0-10
    sickness: float  # share of contracted days lost to sickness
    ward: _Ward | None = None  # None for a community team
    surveyed: int = 0  # community teams: patients asked the safety question each week


_TEAMS: dict[str, _Team] = {
    # staff, safety plan, huddles, safety score, sickness;
    # ward: beds, RP rate, assault rate, PRN rate, debrief, admissions[, seclusions, hours per seclusion]
    "W-ASH": _Team(38, 0.55, 0.50, 6.2, 0.050, _Ward(22, 30, 9, 90, 0.55, 11)),
    "W-BIR": _Team(36, 0.60, 0.55, 6.5, 0.045, _Ward(20, 22, 7, 80, 0.60, 10)),
    "W-CED": _Team(38, 0.62, 0.60, 6.6, 0.048, _Ward(22, 20, 6, 75, 0.65, 12)),
    "W-HAZ": _Team(34, 0.45, 0.60, 5.8, 0.055, _Ward(12, 40, 14, 120, 0.60, 6, 3.0, 10)),
    "W-OAK": _Team(32, 0.65, 0.55, 7.0, 0.052, _Ward(20, 12, 5, 50, 0.70, 6)),
    "W-ELM": _Team(34, 0.60, 0.50, 6.8, 0.058, _Ward(18, 18, 9, 70, 0.60, 5)),
    "W-WIL": _Team(30, 0.55, 0.65, 6.4, 0.050, _Ward(10, 35, 12, 90, 0.70, 2, 2.0, 6)),
    "W-ROW": _Team(40, 0.70, 0.70, 6.2, 0.047, _Ward(16, 15, 6, 60, 0.75, 1.2, 1.5, 30)),
    "W-YEW": _Team(32, 0.72, 0.65, 7.1, 0.042, _Ward(16, 10, 4, 45, 0.75, 1.5, 0.8, 12)),
    "CMHT-N": _Team(26, 0.55, 0.70, 7.2, 0.045, surveyed=24),
    "CMHT-S": _Team(28, 0.68, 0.75, 7.3, 0.043, surveyed=26),
    "CRHT": _Team(32, 0.75, 0.85, 6.9, 0.055, surveyed=30),
    "CMHT-OA": _Team(22, 0.70, 0.70, 7.6, 0.047, surveyed=20),
}


def _measures(team: _Team) -> tuple[str, ...]:
    if team.ward is None:
        return COMMUNITY_MEASURES
    return WARD_MEASURES + (("SECL_HRS",) if team.ward.seclusions else ())


DEMO_TEAM_MEASURES: dict[str, tuple[str, ...]] = {code: _measures(team) for code, team in _TEAMS.items()}


@dataclass(frozen=True)
class _Event:
    """A dated change in a team and the signal it leaves: measure -> multiplier on its level."""

    team: str
    day: date
    title: str
    detail: str
    effects: dict[str, float] = field(default_factory=dict)
    ramp_days: int = 60  # improvement takes hold over weeks, not overnight
    until: date | None = None  # the effect (or closure) ends the day before
    closed: bool = False  # the team reports nothing while closed
    tested: bool = True  # a test of change the team made (not something that happened to it)


_EVENTS: tuple[_Event, ...] = (
    _Event("W-ASH", date(2023, 5, 1), "Twice-daily safety huddles",
           "A ten-minute huddle at 09:30 and 21:30 around the safety cross; "
           "tested over three PDSA cycles, then adopted.",
           {"HUDDLES": 1.85}, ramp_days=28),
    _Event("W-ASH", date(2024, 1, 1), "Safewards: calm-down methods and mutual expectations",
           "Calm-down box, mutual expectations agreed at the community meeting and talk-down training for every shift.",
           {"RP_RATE": 0.6, "RESTRAINT": 0.6, "DEBRIEF": 1.55, "SAFE_SCORE": 1.1, "ASSAULT": 0.85}),
    _Event("W-HAZ", date(2024, 4, 1), "Safety plans co-produced at admission",
           "A peer support worker writes the safety plan with each patient within 72 hours of admission.",
           {"SAFETY_PLAN": 2.0}),
    _Event("W-ROW", date(2024, 4, 1), "Patient-led community meeting",
           "Patients chair a weekly community meeting that agrees the ward's response to tension before it escalates.",
           {"SAFE_SCORE": 1.17}),
    _Event("W-HAZ", date(2024, 7, 1), "Sensory room and safety pod",
           "A sensory room opened and a safety pod replaced floor restraint for giving medication.",
           {"RP_RATE": 0.65, "RESTRAINT": 0.65, "SECL_HRS": 0.5}),
    _Event("W-CED", date(2024, 7, 1), "Staffing crisis",
           "Six registered nurse vacancies and long-term sickness; most night shifts covered by agency staff.",
           {"RP_RATE": 1.6, "RESTRAINT": 1.6, "ASSAULT": 1.7, "SICKNESS": 1.6, "HUDDLES": 0.6,
            "SAFE_SCORE": 0.88, "DEBRIEF": 0.7, "PRN": 1.3}, ramp_days=45, tested=False),
    _Event("W-BIR", date(2024, 8, 1), "Ward closed for refurbishment",
           "Patients moved to Ash and Cedar wards; the ward reopened on 1 October 2024.",
           until=date(2024, 10, 1), closed=True, tested=False),
    _Event("CMHT-N", date(2024, 9, 1), "Safety plan template co-designed with service users",
           "A one-page template in plain language, written with the service user reference group "
           "and used at every care review.",
           {"SAFETY_PLAN": 1.6}),
    _Event("W-ELM", date(2025, 1, 6), "Norovirus outbreak",
           "Closed to admissions from 6 to 15 January 2025 on infection-control advice.",
           {"ADMISSIONS": 0.5}, ramp_days=0, until=date(2025, 2, 1), tested=False),
)

DEMO_STORY: list[dict] = [
    {"unit": e.team, "date": e.day, "title": e.title, "detail": e.detail} for e in _EVENTS
]

# Periods a team did not return (besides closures and periods with nothing to report).
_NOT_RETURNED: dict[tuple[str, str], tuple[date, ...]] = {
    ("CMHT-S", "SAFETY_PLAN"): (date(2025, 2, 1),),
    ("W-OAK", "SAFE_SCORE"): (date(2024, 12, 23), date(2024, 12, 30)),
}

# Notes teams wrote; some start with '+' or '-', or hold HTML-like text, as real notes do.
_COMMENTS: dict[tuple[str, str, date], str] = {
    ("W-ASH", "RP_RATE", date(2024, 1, 1)): "Safewards launch month",
    ("W-BIR", "RP_RATE", date(2024, 7, 1)): "Ward closes for refurbishment on 1 August",
    ("W-BIR", "RP_RATE", date(2024, 10, 1)): "Reopened 1 October after refurbishment",
    ("W-CED", "HUDDLES", date(2024, 8, 12)): "+1 agency nurse on nights",
    ("W-CED", "SICKNESS", date(2024, 9, 1)): "-3 registered nurses on long-term sick leave",
    ("W-HAZ", "HUDDLES", date(2024, 7, 8)): "Huddle moved to <b>after</b> handover",
    ("W-HAZ", "SECL_HRS", date(2024, 7, 1)): "Sensory room opened 1 July",
    ("W-ELM", "ADMISSIONS", date(2025, 1, 1)): "Norovirus outbreak: closed to admissions 6-15 Jan",
}


def _months() -> list[date]:
    return [d.date() for d in pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS")]


def _weeks() -> list[date]:
    return [d.date() for d in pd.date_range(FIRST_WEEK, LAST_WEEK, freq="7D")]


def _days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _factor(team: str, measure: str, day: date) -> float:
    """Product of the story effects on a team's measure on a day, each ramping in linearly."""
    factor = 1.0
    for event in _EVENTS:
        change = event.effects.get(measure)
        if event.team != team or change is None or day < event.day or (event.until and day >= event.until):
            continue
        progress = 1.0 if event.ramp_days == 0 else min(1.0, (day - event.day).days / event.ramp_days)
        factor *= 1 + (change - 1) * progress
    return factor


def _open_days(team: str, start: date, days: int) -> int:
    """Days of the period starting ``start`` on which the team was not closed."""
    closures = [e for e in _EVENTS if e.closed and e.team == team]
    return sum(
        1
        for day in (start + timedelta(days=i) for i in range(days))
        if not any(e.day <= day < (e.until or date.max) for e in closures)
    )


def _last_wednesday(month: date) -> date:
    last = month.replace(day=_days_in_month(month))
    return last - timedelta(days=(last.weekday() - 2) % 7)


def _row(team: str, measure: str, period: date, *, numerator: float = np.nan,
         denominator: float = np.nan, value: float = np.nan) -> dict:
    return {"unit": team, "measure": measure, "period": period, "numerator": float(numerator),
            "denominator": float(denominator), "value": float(value),
            "comment": _COMMENTS.get((team, measure, period), "")}


def _share(level: float) -> float:
    """A probability kept away from 0 and 1 after story multipliers."""
    return float(np.clip(level, 0.01, 0.98))


def _sickness(code: str, team: _Team, month: date, rng: np.random.Generator) -> dict:
    working_days = int(np.busday_count(month, month + timedelta(days=_days_in_month(month))))
    available = round(team.staff_wte * working_days)
    # Month-to-month extra variation (winter viruses, a few long-term absences) beyond binomial.
    level = team.sickness * _factor(code, "SICKNESS", month + timedelta(days=14)) * rng.lognormal(0, 0.2)
    return _row(code, "SICKNESS", month, numerator=rng.binomial(available, _share(level)), denominator=available)


def _safety_score(code: str, week: date, answers: int, mean: float, rng: np.random.Generator) -> dict | None:
    """The week's mean answer, or None when too few patients answered to report it."""
    if answers < 3:
        return None
    scores = np.clip(np.rint(rng.normal(mean, 1.8, size=answers)), 0, 10)
    return _row(code, "SAFE_SCORE", week, value=round(float(scores.mean()), 1))


def _ward_months(code: str, team: _Team, ward: _Ward, rng: np.random.Generator) -> Iterator[dict]:
    for month in _months():
        days = _days_in_month(month)
        open_days = _open_days(code, month, days)
        if open_days == 0:
            continue
        mid = month + timedelta(days=14)
        bed_days = round(ward.beds * open_days * rng.uniform(0.86, 0.99))
        incidents = rng.poisson(ward.rp_rate * _factor(code, "RP_RATE", mid) * bed_days / 1000)
        yield _row(code, "RP_RATE", month, numerator=incidents, denominator=bed_days)
        assaults = rng.poisson(ward.assault_rate * _factor(code, "ASSAULT", mid) * bed_days / 1000)
        yield _row(code, "ASSAULT", month, numerator=assaults, denominator=bed_days)
        if incidents:  # nothing to debrief, nothing to report
            debriefed = rng.binomial(incidents, _share(ward.debrief * _factor(code, "DEBRIEF", mid)))
            yield _row(code, "DEBRIEF", month, numerator=debriefed, denominator=incidents)
        if _open_days(code, _last_wednesday(month), 1):
            audited = rng.binomial(ward.beds, OCCUPANCY)
            planned = rng.binomial(audited, _share(team.safety_plan * _factor(code, "SAFETY_PLAN", mid)))
            yield _row(code, "SAFETY_PLAN", month, numerator=planned, denominator=audited)
        yield _sickness(code, team, month, rng)
        prn = rng.poisson(ward.prn_rate * _factor(code, "PRN", mid) * bed_days / 1000)
        yield _row(code, "PRN", month, value=prn)
        admitted = rng.poisson(ward.admissions * _factor(code, "ADMISSIONS", mid) * open_days / days)
        yield _row(code, "ADMISSIONS", month, value=admitted)
        if ward.seclusions:
            episodes = rng.poisson(ward.seclusions * _factor(code, "SECL_HRS", mid) * open_days / days)
            hours = rng.gamma(2.0, ward.seclusion_hours / 2, size=episodes).sum()
            yield _row(code, "SECL_HRS", month, value=round(float(hours), 1))


def _ward_weeks(code: str, team: _Team, ward: _Ward, rng: np.random.Generator) -> Iterator[dict]:
    for week in _weeks():
        open_days = _open_days(code, week, 7)
        if open_days == 0:
            continue
        mid = week + timedelta(days=3)
        bed_days = ward.beds * open_days * OCCUPANCY
        restraint_rate = ward.rp_rate * RESTRAINT_SHARE * _factor(code, "RESTRAINT", mid)
        yield _row(code, "RESTRAINT", week, value=rng.poisson(restraint_rate * bed_days / 1000))
        held = rng.binomial(2 * open_days, _share(team.huddles * _factor(code, "HUDDLES", mid)))
        yield _row(code, "HUDDLES", week, value=held)
        answers = rng.binomial(round(ward.beds * OCCUPANCY), 0.6)
        score = _safety_score(code, week, answers, team.safety_score * _factor(code, "SAFE_SCORE", mid), rng)
        if score:
            yield score


def _community_rows(code: str, team: _Team, rng: np.random.Generator) -> Iterator[dict]:
    for month in _months():
        level = _share(team.safety_plan * _factor(code, "SAFETY_PLAN", month + timedelta(days=14)))
        planned = rng.binomial(COMMUNITY_AUDIT, level)
        yield _row(code, "SAFETY_PLAN", month, numerator=planned, denominator=COMMUNITY_AUDIT)
        yield _sickness(code, team, month, rng)
    for week in _weeks():
        mid = week + timedelta(days=3)
        held = rng.binomial(5, _share(team.huddles * _factor(code, "HUDDLES", mid)))
        yield _row(code, "HUDDLES", week, value=held)
        answers = rng.binomial(team.surveyed, 0.5)
        score = _safety_score(code, week, answers, team.safety_score * _factor(code, "SAFE_SCORE", mid), rng)
        if score:
            yield score


def demo_observations(seed: int = 2024) -> pd.DataFrame:
    """The demo organisation's observations, in the store's columns (``unit`` is the team code).

    One row per team × measure × period, ordered by unit, measure, period. ``period`` is a
    ``datetime.date`` (first of the month, or the Monday of the week). Proportions and rates
    fill numerator and denominator; counts and values fill value; empty numbers are NaN and an
    empty comment is ''. The same seed always gives the same frame.
    """
    rows: list[dict] = []
    for code, team in _TEAMS.items():
        # One generator per team, so changing one team's story leaves the others' data alone.
        rng = np.random.default_rng([seed, zlib.crc32(code.encode())])
        if team.ward:
            rows.extend(_ward_months(code, team, team.ward, rng))
            rows.extend(_ward_weeks(code, team, team.ward, rng))
        else:
            rows.extend(_community_rows(code, team, rng))
    rows = [r for r in rows if r["period"] not in _NOT_RETURNED.get((r["unit"], r["measure"]), ())]
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    return frame.sort_values(["unit", "measure", "period"], ignore_index=True)
