"""The demo organisation's PDSA cycles: the tests of change behind the stories in ``demo._EVENTS``.

Written as the teams would write them: Ash Ward's three cycles of safety huddles (one adapted,
one adopted, one abandoned) and Safewards; Hazel Ward's co-produced safety plans and sensory
room; Rowan Ward's community meeting; the North CMHT's safety plan template; Cedar Ward trying to
hold on through its staffing crisis; the acute directorate's debriefs; and Ash Ward's night-time
test, still running. The cycle that made each story's change is Done on the day the change
starts in the demo data.
"""

from __future__ import annotations

from datetime import date

from qi_dash.pdsa import PdsaCycle

DEMO_PDSA_CYCLES: list[PdsaCycle] = [
    PdsaCycle(
        title="Morning safety huddle at handover", unit="W-ASH", measures=("HUDDLES",),
        change_idea="A ten-minute huddle around the safety cross at the 09:30 handover, led by the nurse in charge.",
        prediction="We will hold at least 10 of the 14 huddles planned each week.",
        plan_date=date(2023, 3, 20), plan_notes="Agreed at the team meeting; safety cross printed A3 for the office wall.",
        do_date=date(2023, 4, 3), do_notes="Two weeks on every shift pattern.",
        study_date=date(2023, 4, 17), study_notes="Mornings held 13 of 14; the 21:30 slot we added held 3 of 14.",
        act_date=date(2023, 4, 24), act_notes="Move the evening huddle to after the medication round.",
        learned="Mornings work. At night the huddle clashed with the medication round, so nobody could come.",
        decision="adapt",
    ),
    PdsaCycle(
        title="Twice-daily safety huddles", unit="W-ASH", measures=("HUDDLES",),
        change_idea="Huddles at 09:30 and 21:30, the evening one after the medication round.",
        prediction="At least 12 of 14 huddles held each week, on days and nights alike.",
        plan_date=date(2023, 4, 24), do_date=date(2023, 5, 1),
        study_date=date(2023, 5, 29), study_notes="Huddles held rose from about half to nearly every one within a month.",
        act_date=date(2023, 6, 5), act_notes="Part of the ward routine; on the induction checklist for new staff.",
        learned="Timing was everything: once the evening huddle followed the medication round, nights joined in.",
        decision="adopt",
    ),
    PdsaCycle(
        title="Weekend huddles led by healthcare assistants", unit="W-ASH", measures=("HUDDLES",),
        change_idea="A healthcare assistant leads the weekend huddles so the nurse in charge can stay on the floor.",
        prediction="Weekend huddles held as often as weekday ones.",
        plan_date=date(2023, 7, 3), do_date=date(2023, 7, 15),
        study_date=date(2023, 8, 12), study_notes="Held on 5 of 10 weekend days; missed whenever the lead HCA was moved.",
        act_date=date(2023, 8, 14),
        learned="It hung on one person. The nurse in charge leads again, with an HCA as deputy.",
        decision="abandon",
    ),
    PdsaCycle(
        title="Safewards: calm-down methods and mutual expectations", unit="W-ASH",
        measures=("RP_RATE", "RESTRAINT", "DEBRIEF"),
        change_idea="A calm-down box, mutual expectations agreed at the community meeting, talk-down training on every shift.",
        prediction="Restrictive practice falls by a third within six months; more incidents debriefed.",
        plan_date=date(2023, 11, 20), plan_notes="Two Safewards champions trained; training dates for all staff.",
        do_date=date(2024, 1, 1),
        study_date=date(2024, 6, 3), study_notes="Restrictive practice down about 40%; debriefs up from half to most incidents.",
        act_date=date(2024, 6, 10),
        learned="The mutual expectations mattered most to patients; the calm-down box was used every day.",
        decision="adopt",
    ),
    PdsaCycle(
        title="Quiet nights: lights down and noise low from 23:00", unit="W-ASH", measures=("PRN",),
        change_idea="Corridor lights dimmed, doors closed softly and observations done with a torch from 23:00.",
        prediction="As-required doses for agitation fall by a quarter over three months.",
        plan_date=date(2025, 8, 4), plan_notes="Night staff chose what to try; estates fitted dimmer switches.",
        do_date=date(2025, 9, 1), do_notes="Started on 1 September; checked nightly by the nurse in charge.",
    ),
    PdsaCycle(
        title="Safety plans co-produced at admission", unit="W-HAZ", measures=("SAFETY_PLAN",),
        change_idea="A peer support worker writes the safety plan with each patient within 72 hours of admission.",
        prediction="Nine in ten patients will have a safety plan that meets every criterion.",
        plan_date=date(2024, 3, 4), do_date=date(2024, 4, 1),
        study_date=date(2024, 5, 27), study_notes="The audit went from under half to about nine in ten.",
        act_date=date(2024, 6, 3),
        learned="Patients say more to a peer worker; plans name what helps them, not only the risks.",
        decision="adopt",
    ),
    PdsaCycle(
        title="Safety plans reviewed at every ward round", unit="W-HAZ", measures=("SAFETY_PLAN",),
        change_idea="The consultant reviews each safety plan with the patient at the weekly ward round.",
        prediction="Plans stay up to date, so the audit stays above nine in ten.",
        plan_date=date(2024, 6, 10), do_date=date(2024, 6, 17),
        study_date=date(2024, 8, 5), study_notes="Ward rounds ran out of time; reviews were signed off without the patient.",
        act_date=date(2024, 8, 12),
        learned="Review belongs with the peer worker and named nurse, not the ward round.",
        decision="abandon",
    ),
    PdsaCycle(
        title="Sensory room and safety pod", unit="W-HAZ", measures=("RP_RATE", "RESTRAINT", "SECL_HRS"),
        change_idea="A sensory room, and a safety pod instead of floor restraint when giving medication.",
        prediction="Fewer restraints and shorter seclusions within three months.",
        plan_date=date(2024, 5, 13), plan_notes="Occupational therapy designed the room with patients.",
        do_date=date(2024, 7, 1),
        study_date=date(2024, 9, 30), study_notes="Restraint down by about a third; hours in seclusion halved.",
        act_date=date(2024, 10, 7),
        learned="Offer the sensory room early, before tension builds; staff now suggest it at the morning huddle.",
        decision="adopt",
    ),
    PdsaCycle(
        title="Patient-led community meeting", unit="W-ROW", measures=("SAFE_SCORE",),
        change_idea="Patients chair a weekly meeting that agrees how the ward responds to tension before it escalates.",
        prediction="Patients' sense of safety rises by a point out of ten.",
        plan_date=date(2024, 3, 11), do_date=date(2024, 4, 1),
        study_date=date(2024, 6, 24), study_notes="Sense of safety rose; patients on day leave missed the Tuesday slot.",
        act_date=date(2024, 7, 1), act_notes="Moved to Monday evenings.",
        learned="Patients want to run it themselves; staff attend to listen.",
        decision="adapt",
    ),
    PdsaCycle(
        title="Safety plan template co-designed with service users", unit="CMHT-N", measures=("SAFETY_PLAN",),
        change_idea="A one-page plain-language template written with the service user reference group, used at every care review.",
        prediction="Eight in ten audited cases will have a complete safety plan.",
        plan_date=date(2024, 7, 15), do_date=date(2024, 9, 1),
        study_date=date(2024, 11, 25), study_notes="Complete plans rose from about half to over eight in ten.",
        act_date=date(2024, 12, 2), act_notes="Shared with the South CMHT.",
        learned="Shorter is better: the old six-page form was never finished in a visit.",
        decision="adopt",
    ),
    PdsaCycle(
        title="Induction checklist for agency staff on nights", unit="W-CED", measures=("RESTRAINT", "HUDDLES"),
        change_idea="Every agency nurse goes through a one-page checklist with the nurse in charge at the start of a night shift.",
        prediction="Evening huddles held again, and restraint back to its level before the vacancies.",
        plan_date=date(2024, 9, 2), do_date=date(2024, 9, 16),
        study_date=date(2024, 11, 11), study_notes="Checklist done on 4 nights in 10; restraint still high.",
        act_date=date(2024, 11, 18), act_notes="Cut to five questions and put it on the handover sheet.",
        learned="Nobody had time for two pages at 20:00. Filling the vacancies matters more than any checklist.",
        decision="adapt",
    ),
    PdsaCycle(
        title="Debriefs led by psychology across the acute wards", unit="DIR-ACU", measures=("DEBRIEF",),
        change_idea="A psychologist offers every patient a debrief within 72 hours of restrictive practice, on all acute wards.",
        prediction="Three in four incidents debriefed within 72 hours across the directorate.",
        plan_date=date(2025, 2, 3), do_date=date(2025, 3, 3),
        study_date=date(2025, 6, 2), study_notes="Better where a psychologist is based on the ward; weekends missed.",
        act_date=date(2025, 6, 9), act_notes="Trained nurses lead weekend debriefs with the same prompt card.",
        learned="A shared prompt card kept debriefs about the patient's view, whoever led them.",
        decision="adapt",
    ),
]
