"""The demo organisation's shared purpose: its aims, a changing target and each team's people.

Riverside's aim comes from the Reducing Restrictive Practice collaborative it joined: reduce
restrictive practice by 30 % by April 2027, measured from 2023 (``demo.py``'s first year, before
any team's test of change). The Adult Acute directorate and several teams set their own aims
on their outcome measures; Community Services, whose teams have no beds, aims at safety plans.
Restrictive practice has a target that steps down each April towards the aim (a trajectory,
its last steps still ahead), and Hazel Ward, a PICU starting far higher, has its own. Every team has
an improvement coach and a sponsor. All names are invented.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from qi_dash.aims import Aim
from qi_dash.store import Store
from qi_dash.targets import ALL_UNITS

_BASELINE = {"baseline_from": date(2023, 1, 1), "baseline_to": date(2023, 12, 1), "baseline_stat": "mean"}

DEMO_AIMS: list[Aim] = [
    Aim("ORG", "RP_RATE", "Reduce restrictive practice across the trust by 30% by April 2027",
        "reduce_by_percent", 30, date(2027, 4, 1), **_BASELINE),
    Aim("DIR-ACU", "RP_RATE", "Reduce restrictive practice on our acute wards by a third by April 2027",
        "reduce_by_percent", 33, date(2027, 4, 1), **_BASELINE),
    Aim("DIR-COM", "SAFETY_PLAN", "Every person on our caseloads has a safety plan written with them: 90% by April 2026",
        "increase_to", 90, date(2026, 4, 1), **_BASELINE),
    Aim("W-ASH", "RP_RATE", "Reduce restrictive practice on Ash Ward by 40% by April 2026",
        "reduce_by_percent", 40, date(2026, 4, 1), **_BASELINE),
    Aim("W-HAZ", "RP_RATE", "Halve restrictive practice on Hazel Ward by April 2027",
        "reduce_by_percent", 50, date(2027, 4, 1), **_BASELINE),
    Aim("W-CED", "RP_RATE", "Bring restrictive practice on Cedar Ward 20% below its 2023 level by April 2026",
        "reduce_by_percent", 20, date(2026, 4, 1), **_BASELINE),
    Aim("W-ROW", "RP_RATE", "Reduce restrictive practice on Rowan Ward by 25% by October 2026",
        "reduce_by_percent", 25, date(2026, 10, 1), **_BASELINE),
    Aim("CMHT-N", "SAFETY_PLAN", "90% of people on our caseload have a co-produced safety plan by April 2026",
        "increase_to", 90, date(2026, 4, 1), **_BASELINE),
]

# (unit, measure, from period, target): all units step down each April; Hazel Ward has its own.
DEMO_TARGETS: list[tuple[str, str, date, float]] = [
    (ALL_UNITS, "RP_RATE", date(2023, 1, 1), 21.0),
    (ALL_UNITS, "RP_RATE", date(2024, 4, 1), 19.0),
    (ALL_UNITS, "RP_RATE", date(2025, 4, 1), 17.0),
    (ALL_UNITS, "RP_RATE", date(2026, 4, 1), 16.0),
    (ALL_UNITS, "RP_RATE", date(2027, 4, 1), 14.5),
    ("W-HAZ", "RP_RATE", date(2023, 1, 1), 40.0),
    ("W-HAZ", "RP_RATE", date(2024, 4, 1), 36.0),
    ("W-HAZ", "RP_RATE", date(2025, 4, 1), 30.0),
    ("W-HAZ", "RP_RATE", date(2026, 4, 1), 24.0),
    ("W-HAZ", "RP_RATE", date(2027, 4, 1), 20.0),
]

# unit: (improvement coach, coach's role, sponsor, sponsor's role)
DEMO_PEOPLE: dict[str, tuple[str, str, str, str]] = {
    "ORG": ("Dr Amara Osei", "Associate Director of Quality Improvement", "Helen Whitcombe", "Chief Nurse"),
    "DIR-ACU": ("Marcus Bell", "QI coach", "Dr Farah Siddiqui", "Clinical Director, Adult Acute"),
    "DIR-COM": ("Gemma Doyle", "QI coach", "Patrick Nwosu", "Director of Community Services"),
    "W-ASH": ("Marcus Bell", "QI coach", "Lorraine Pike", "Modern Matron"),
    "W-BIR": ("Marcus Bell", "QI coach", "Lorraine Pike", "Modern Matron"),
    "W-CED": ("Priya Raman", "QI coach", "Lorraine Pike", "Modern Matron"),
    "W-HAZ": ("Priya Raman", "QI coach", "Dr Farah Siddiqui", "Clinical Director"),
    "W-OAK": ("Sean Gallagher", "QI coach", "Ruth Mensah", "Modern Matron"),
    "W-ELM": ("Sean Gallagher", "QI coach", "Ruth Mensah", "Modern Matron"),
    "W-WIL": ("Sean Gallagher", "QI coach", "Ruth Mensah", "Modern Matron"),
    "CMHT-OA": ("Gemma Doyle", "QI coach", "Ruth Mensah", "Modern Matron"),
    "W-ROW": ("Tomasz Nowak", "QI coach", "Dr Ian Baptiste", "Clinical Director, Forensic Services"),
    "W-YEW": ("Tomasz Nowak", "QI coach", "Dr Ian Baptiste", "Clinical Director, Forensic Services"),
    "CMHT-N": ("Gemma Doyle", "QI coach", "Yvonne Clarke", "Team Manager"),
    "CMHT-S": ("Gemma Doyle", "QI coach", "Yvonne Clarke", "Team Manager"),
    "CRHT": ("Aisha Karim", "Peer QI coach", "Daniel Frost", "Service Manager"),
}


def load(store: Store) -> None:
    """Save the demo's aims, targets over time and people, as the demo's own records."""
    store.save_aims(DEMO_AIMS, by="demo")
    store.save_targets(pd.DataFrame(DEMO_TARGETS, columns=["unit", "measure", "from_period", "value"]), by="demo")
    store.save_people(pd.DataFrame(
        [(unit, *people) for unit, people in DEMO_PEOPLE.items()],
        columns=["unit", "coach", "coach_role", "sponsor", "sponsor_role"],
    ), by="demo")
