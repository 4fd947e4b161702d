"""The demo's phase changes: where its stories (``demo.py``) call for the limits to start
again, each with the reason a ward would give.

* Hazel Ward's safety plans: co-produced at admission from April 2024, the change that worked.
  One mean across both periods flagged every point; a new phase from April 2024 gives each
  period its own limits, and the assurance icon reads the new one.
* Ash Ward's huddles: the weeks before the huddles were tested are the baseline the tests are
  judged against (frozen from May 2023); once adopted, a new phase from July 2023.
"""

from __future__ import annotations

from datetime import date

DEMO_PHASE_CHANGES: list[dict] = [
    {"unit": "W-HAZ", "measure": "SAFETY_PLAN", "period": date(2024, 4, 1), "kind": "new_phase",
     "reason": "Peer support worker co-produces every safety plan within 72 hours of admission: "
               "how we work now, so new limits from April",
     "cycle_id": None},
    {"unit": "W-ASH", "measure": "HUDDLES", "period": date(2023, 5, 1), "kind": "freeze_baseline",
     "reason": "Testing twice-daily huddles from 1 May: judge the PDSA cycles against the weeks before",
     "cycle_id": None},
    {"unit": "W-ASH", "measure": "HUDDLES", "period": date(2023, 7, 3), "kind": "new_phase",
     "reason": "Huddles at 09:30 and 21:30 adopted after three PDSA cycles",
     "cycle_id": None},
]
