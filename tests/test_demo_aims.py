"""The demo's shared purpose: aims at every level linked to outcome measures, a changing target
and a coach and sponsor on every team — each aim valid and its progress known."""

from __future__ import annotations

from qi_dash import targets
from qi_dash.aims import check_aim, progress
from qi_dash.analysis import measure_view

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def test_the_demo_has_aims_at_every_level_each_valid_with_progress_known(demo_store):
    hierarchy = demo_store.hierarchy()
    by_code = {d.code: d for d in demo_store.definitions()}
    aims = demo_store.aims()
    levels = {hierarchy.level(a.unit) for a in aims}
    assert levels == {"organisation", "directorate", "team"}
    assert len({a.unit for a in aims if hierarchy.level(a.unit) == "team"}) >= 4
    org = next(a for a in aims if a.unit == "ORG")
    assert org.statement == "Reduce restrictive practice across the trust by 30% by April 2027"
    observations = demo_store.observations()
    for aim in aims:
        definition = by_code[aim.measure]
        check_aim(aim, definition)
        view = measure_view(observations, definition, hierarchy.teams_under(aim.unit))
        assert progress(aim, definition, view.points).share is not None, aim


def test_the_demo_stories_show_in_the_aims_progress(demo_store):
    hierarchy = demo_store.hierarchy()
    by_code = {d.code: d for d in demo_store.definitions()}
    observations = demo_store.observations()

    def share(unit: str) -> float:
        aim = next(a for a in demo_store.aims() if a.unit == unit)
        view = measure_view(observations, by_code[aim.measure], hierarchy.teams_under(unit))
        return progress(aim, by_code[aim.measure], view.points).share

    assert share("W-ASH") >= 1  # Safewards: Ash reached its aim
    assert share("W-CED") < 0  # the staffing crisis took Cedar further from its aim


def test_restrictive_practice_has_a_trajectory_with_steps_ahead_and_hazel_has_its_own(demo_store):
    steps = demo_store.target_steps()
    hierarchy = demo_store.hierarchy()
    default = next(d.target for d in demo_store.definitions() if d.code == "RP_RATE")
    ash = targets.trajectory_for(steps, "RP_RATE", hierarchy.path_to("W-ASH"), default)
    hazel = targets.trajectory_for(steps, "RP_RATE", hierarchy.path_to("W-HAZ"), default)
    assert ash.unit == targets.ALL_UNITS and len(ash.steps) >= 3
    assert hazel.unit == "W-HAZ" and hazel.steps != ash.steps
    latest = demo_store.observations()["period"].max()
    assert ash.last_step() > latest.date()  # a trajectory reaches into the future


def test_every_team_has_a_coach_and_a_sponsor(demo_store):
    people = demo_store.people().set_index("unit")
    for team in demo_store.hierarchy().teams:
        assert people.loc[team, "coach"] and people.loc[team, "sponsor"], team
