"""``python -m qi_dash roles import|export`` and who the command line is: an administrator
named by ``--by`` or by user and host, recorded with what it saves."""

from __future__ import annotations

import getpass
import socket

from qi_dash.access import Grant, Role
from qi_dash.store import Store
from tests.builders import csv_bytes


def test_roles_are_imported_from_a_csv_and_exported_the_same(qi, empty_db_file, tmp_path):
    db = tmp_path / "qi.duckdb"
    db.write_bytes(empty_db_file.read_bytes())
    roles = tmp_path / "roles.csv"
    roles.write_text("identity,role,unit\nBoss@Example.org,administrator,\nash@example.org,team member,Ash Ward\n")
    printed = qi("roles", "import", roles, "--db", db)
    assert printed.out == "Roles from roles.csv: 2 granted, 0 revoked; 2 in force.\n"
    out = tmp_path / "out.csv"
    qi("roles", "export", "--out", out, "--db", db)
    assert out.read_text() == "identity,role,unit\nash@example.org,team member,W-ASH\nboss@example.org,administrator,\n"
    store = Store.open(db)
    assert store.grants() == [Grant("ash@example.org", Role.MEMBER, "W-ASH"), Grant("boss@example.org", Role.ADMINISTRATOR)]
    assert set(store.grant_versions()["recorded_by"]) == {f"command line ({getpass.getuser()}@{socket.gethostname()})"}
    store.close()


def test_a_bad_roles_csv_names_row_and_column_and_changes_nothing(qi, empty_db_file, tmp_path):
    db = tmp_path / "qi.duckdb"
    db.write_bytes(empty_db_file.read_bytes())
    roles = tmp_path / "roles.csv"
    roles.write_text("identity,role,unit\nash@example.org,team member,Nowhere\n")
    printed = qi("roles", "import", roles, "--db", db, status=1)
    assert printed.err == ("roles.csv, row 2, column unit: 'Nowhere' is not one team; a team member needs the team "
                           "they belong to (its code or name).\n1 problem(s); nothing was saved.\n")
    roles.write_text("identity,role,unit\nash@example.org,team member,Ash Ward\n")
    assert "no one would be an administrator" in qi("roles", "import", roles, "--db", db, status=1).err
    store = Store.open(db)
    assert store.grants() == [] and store.grant_versions().empty
    store.close()


def test_an_upload_from_the_command_line_records_it_as_the_uploader(qi, empty_db_file, tmp_path):
    db = tmp_path / "qi.duckdb"
    db.write_bytes(empty_db_file.read_bytes())
    data = tmp_path / "ash.csv"
    data.write_bytes(csv_bytes("Ash Ward,PRN,2025-09-01,,,4,"))
    qi("upload", data, "--db", db)
    data.write_bytes(csv_bytes("Ash Ward,PRN,2025-09-01,,,5,"))
    qi("upload", data, "--db", db, "--by", "Night shift script")
    store = Store.open(db)
    assert store.uploads()["uploaded_by"].tolist() == [
        "Night shift script", f"command line ({getpass.getuser()}@{socket.gethostname()})"]
    store.close()
