"""Roles as data (qi_dash/access.py): who may do what for which unit, the grants CSV, and the
store refusing, with words and writing nothing, what an actor's roles do not allow."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from qi_dash import access, bootstrap
from qi_dash.access import AccessError, Grant, NotAllowed, Right, Role, can, can_undo, signed_in
from qi_dash.hierarchy import Hierarchy, read_hierarchy
from qi_dash.pdsa import PdsaCycle
from qi_dash.store import Store
from qi_dash.upload import commit, plan_upload
from tests.builders import csv_bytes

TREE = Hierarchy(read_hierarchy(bootstrap.DEMO_HIERARCHY))
ASH_MEMBER = signed_in("Ash.Nurse@Example.org", [Grant("ash.nurse@example.org", Role.MEMBER, "W-ASH")])
ACUTE_LEAD = signed_in("lead@example.org", [Grant("lead@example.org", Role.LEAD, "DIR-ACU")])
VIEWER = signed_in("viewer@example.org", [Grant("viewer@example.org", Role.VIEWER)])
NOBODY = signed_in("stranger@example.org", [])
ADMIN = signed_in("admin@example.org", [Grant("admin@example.org", Role.ADMINISTRATOR)])

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def test_the_signed_in_identity_is_folded_to_lower_case_and_keeps_only_its_own_grants():
    actor = signed_in(" Ash.Nurse@Example.org ", [Grant("ash.nurse@example.org", Role.MEMBER, "W-ASH"),
                                                   Grant("other@example.org", Role.ADMINISTRATOR)])
    assert actor.identity == "ash.nurse@example.org"
    assert actor.roles == [Role.MEMBER] and not actor.is_administrator


@pytest.mark.parametrize("right", [Right.UPLOAD, Right.PDSA, Right.PHASES])
def test_a_team_member_may_act_for_their_team_only(right):
    assert can(ASH_MEMBER, right, "W-ASH", TREE)
    assert not can(ASH_MEMBER, right, "W-BIR", TREE)
    assert not can(ASH_MEMBER, right, "DIR-ACU", TREE)


def test_a_directorate_lead_acts_for_every_team_in_it_and_sets_its_aims_but_not_elsewhere():
    for right in (Right.UPLOAD, Right.PDSA, Right.PHASES, Right.AIMS):
        assert can(ACUTE_LEAD, right, "W-BIR", TREE) and can(ACUTE_LEAD, right, "DIR-ACU", TREE)
        assert not can(ACUTE_LEAD, right, "W-OAK", TREE) and not can(ACUTE_LEAD, right, "ORG", TREE)
    assert not can(ASH_MEMBER, Right.AIMS, "W-ASH", TREE)


@pytest.mark.parametrize("right", [Right.DEFINITIONS, Right.HIERARCHY, Right.MAPPINGS, Right.UNDO_ANY, Right.ADMINISTER])
def test_only_an_administrator_administers(right):
    assert can(ADMIN, right) and can(access.local_user(), right) and can(access.command_line(), right)
    for actor in (ASH_MEMBER, ACUTE_LEAD, VIEWER, NOBODY):
        assert not can(actor, right, None, TREE)


def test_any_role_may_view_and_no_role_may_not_nor_do_anything():
    assert all(can(a, Right.VIEW) for a in (VIEWER, ASH_MEMBER, ACUTE_LEAD, ADMIN))
    assert not can(NOBODY, Right.VIEW)
    assert not can(VIEWER, Right.UPLOAD, "W-ASH", TREE)


def test_a_refusal_says_who_may_not_do_what_where_and_what_roles_they_hold():
    with pytest.raises(NotAllowed) as refused:
        access.require(ASH_MEMBER, Right.UPLOAD, ["W-ASH", "W-BIR"], TREE)
    message = str(refused.value)
    assert message.startswith("ash.nurse@example.org may not upload data for Birch Ward.")
    assert "team member of W-ASH" in message and "Admin page" in message
    with pytest.raises(NotAllowed, match="no role yet"):
        access.require(NOBODY, Right.VIEW)


def test_a_member_may_undo_only_their_own_upload_for_their_teams_and_an_administrator_anyones():
    assert can_undo(ASH_MEMBER, "ash.nurse@example.org", ["W-ASH"], TREE)
    assert not can_undo(ASH_MEMBER, "someone@example.org", ["W-ASH"], TREE)
    assert not can_undo(ASH_MEMBER, "ash.nurse@example.org", ["W-ASH", "W-BIR"], TREE)
    assert not can_undo(VIEWER, "viewer@example.org", ["W-ASH"], TREE)
    assert can_undo(ADMIN, "someone@example.org", ["W-ASH", "W-OAK"], TREE)


def test_a_grants_csv_is_read_by_unit_code_or_name_and_written_back_the_same():
    data = ("identity,role,unit\nAsh.Nurse@example.org,team member,Ash Ward\nlead@example.org,Directorate Lead,DIR-ACU\n"
            "boss@example.org,administrator,\n").encode()
    grants = access.read_grants_csv(data, TREE)
    assert grants == [Grant("ash.nurse@example.org", Role.MEMBER, "W-ASH"), Grant("lead@example.org", Role.LEAD, "DIR-ACU"),
                      Grant("boss@example.org", Role.ADMINISTRATOR, "")]
    assert access.read_grants_csv(access.grants_csv(grants), TREE) == grants


def test_the_roles_csv_is_safe_in_a_spreadsheet_and_reads_back_the_same():
    grants = [Grant("=hyperlink(\"http://evil\")@example.org", Role.VIEWER, ""),
              Grant("boss@example.org", Role.ADMINISTRATOR, "")]
    written = access.grants_csv(grants)
    assert b"'=hyperlink" in written and b"\n=hyperlink" not in written
    assert access.read_grants_csv(written, TREE) == grants


def test_every_bad_row_of_a_grants_csv_is_named_by_row_and_column():
    data = ("identity,role,unit\n,viewer,\nx@example.org,boss,\ny@example.org,team member,Nowhere Ward\n"
            "z@example.org,team member,DIR-ACU\nv@example.org,viewer,Ash Ward\n").encode()
    with pytest.raises(AccessError) as refused:
        access.read_grants_csv(data, TREE, "staff.csv")
    assert refused.value.problems == [
        "staff.csv, row 2, column identity: empty; give the person's sign-in email (or subject).",
        "staff.csv, row 3, column role: 'boss' is not a role; roles are viewer, team member, directorate lead, administrator.",
        "staff.csv, row 4, column unit: 'Nowhere Ward' is not one team; a team member needs the team they belong to (its code or name).",
        "staff.csv, row 5, column unit: 'DIR-ACU' is not one team; a team member needs the team they belong to (its code or name).",
        "staff.csv, row 6, column unit: a viewer has no unit; leave it empty.",
    ]
    with pytest.raises(AccessError, match=r"staff.csv, row 1: missing column\(s\) role"):
        access.read_grants_csv(b"identity,unit\na@b,\n", TREE, "staff.csv")


# -- the store enforces them -----------------------------------------------------------------


@pytest.fixture
def store(empty_store):
    return empty_store


def _ash_and_birch_plan(store: Store, actor=None):
    data = csv_bytes("Ash Ward,PRN,2025-09-01,,,4,", "Birch Ward,PRN,2025-09-01,,,5,", "Birch Ward,PRN,2025-10-01,,,6,")
    return plan_upload(store, data, "wards.csv", actor=actor)


def test_a_member_s_plan_names_the_rows_of_teams_they_may_not_upload_for(store):
    plan = _ash_and_birch_plan(store, ASH_MEMBER)
    assert [str(p) for p in plan.problems] == [
        "wards.csv, column 'team': ash.nurse@example.org may not upload data for Birch Ward (rows 3–4); "
        "remove those rows, or ask an administrator for the role."]
    assert _ash_and_birch_plan(store, ACUTE_LEAD).ok


def test_the_store_refuses_a_member_s_upload_for_another_team_and_writes_nothing(store):
    plan = _ash_and_birch_plan(store)
    version = store.data_version()
    with pytest.raises(NotAllowed, match="may not upload data for Birch Ward"):
        commit(store, plan, uploaded_by=ASH_MEMBER)
    assert store.data_version() == version and store.uploads().empty


def test_an_upload_records_the_actor_s_identity_and_only_they_or_an_administrator_may_undo_it(store):
    data = csv_bytes("Ash Ward,PRN,2025-09-01,,,4,")
    saved = commit(store, plan_upload(store, data, "ash.csv", actor=ASH_MEMBER), uploaded_by=ASH_MEMBER)
    assert store.uploads().iloc[0]["uploaded_by"] == "ash.nurse@example.org"
    other = signed_in("other@example.org", [Grant("other@example.org", Role.MEMBER, "W-ASH")])
    with pytest.raises(NotAllowed, match=f"may not undo upload {saved.upload_id}"):
        store.undo_upload(saved.upload_id, undone_by=other)
    assert store.observations(["W-ASH"]).shape[0] == 1
    store.undo_upload(saved.upload_id, undone_by=ASH_MEMBER)
    assert store.observations(["W-ASH"]).empty
    assert store.uploads().iloc[0]["uploaded_by"] == "ash.nurse@example.org"


def test_write_paths_refuse_what_roles_do_not_allow(store):
    cycle = PdsaCycle(title="Safety huddle", unit="W-BIR", plan_date=date(2025, 1, 6), change_idea="Huddle")
    refusals = [
        lambda: store.save_pdsa_cycle(cycle, by=ASH_MEMBER),
        lambda: store.add_phase_change("W-BIR", "PRN", date(2025, 1, 1), "phase", "new rota", recorded_by=ASH_MEMBER),
        lambda: store.save_targets(pd.DataFrame([{"unit": "W-ASH", "measure": "PRN", "from_period": date(2025, 1, 1),
                                                  "value": 3.0}]), by=ASH_MEMBER),
        lambda: store.save_definitions([], recorded_by=ACUTE_LEAD),
        lambda: store.save_units(TREE.frame.head(1), by=ACUTE_LEAD),
        lambda: store.save_mapping("m", "sig", {}, saved_by=ACUTE_LEAD),
        lambda: store.save_grants([Grant("x@example.org", Role.ADMINISTRATOR)], by=ACUTE_LEAD),
    ]
    version = store.data_version()
    for refused in refusals:
        with pytest.raises(NotAllowed):
            refused()
    assert store.data_version() == version
    assert store.save_pdsa_cycle(cycle, by=ACUTE_LEAD)
    assert store.pdsa_cycles(["W-BIR"]).iloc[0]["recorded_by"] == "lead@example.org"


def test_grants_are_versioned_every_grant_and_revocation_kept_and_an_administrator_always_kept(store):
    first = [Grant("admin@example.org", Role.ADMINISTRATOR), Grant("ash.nurse@example.org", Role.MEMBER, "W-ASH")]
    assert store.save_grants(first, by=access.command_line("setup")) == (2, 0)
    assert store.save_grants(first[:1], by=ADMIN) == (0, 1)
    assert store.grants() == first[:1]
    assert store.save_grants(first, by=ADMIN) == (1, 0)
    versions = store.grant_versions()
    ash = versions[versions["identity"] == "ash.nurse@example.org"].sort_values("version")
    assert ash[["version", "revoked"]].values.tolist() == [[1, False], [2, True], [3, False]]
    assert set(versions["recorded_by"]) == {"setup", "admin@example.org"}
    with pytest.raises(AccessError, match="no one would be an administrator"):
        store.save_grants(first[1:], by=ADMIN)
    assert store.grants() == first


def test_a_lead_s_file_naming_a_new_team_is_refused_until_an_administrator_adds_it(store):
    data = csv_bytes("Ash Ward,PRN,2025-09-01,,,4,", "Juniper Ward,PRN,2025-09-01,,,2,")
    plan = plan_upload(store, data, "new.csv", new_teams={"Juniper Ward": "DIR-ACU"}, actor=ACUTE_LEAD)
    assert [p.message for p in plan.problems] == [
        "lead@example.org may not add teams to the hierarchy; an administrator can add them."]
    placed = plan_upload(store, data, "new.csv", new_teams={"Juniper Ward": "DIR-ACU"})
    with pytest.raises(NotAllowed, match="may not change the hierarchy"):
        commit(store, placed, uploaded_by=ACUTE_LEAD)
    assert "Juniper Ward" not in set(store.units()["name"])
