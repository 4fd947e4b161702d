"""``python -m qi_dash mapping …``: list, show, export, import and delete saved mappings
(the CLI's ``main`` called in-process)."""

from __future__ import annotations

import json
import shutil

import pytest

from qi_dash.cli import main
from qi_dash.ingest.recognise import signature
from qi_dash.store import Store
from tests.test_upload_mappings import SPEC, WIDE

HEADINGS = {"Month", "PRN doses", "Plans in place", "Patients audited", "Notes"}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "qi.duckdb"
    store = Store.open(path)
    store.save_mapping("Ash Ward monthly sheet", "file headings", SPEC, saved_by="Ash lead")
    store.close()
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def saved(db):
    """The mappings saved in the database file ``db``."""
    store = Store.open(db)
    try:
        return store.mappings()
    finally:
        store.close()


def test_list_and_show(db, capsys):
    code, out, _ = run(capsys, "mapping", "list", "--db", db)
    assert code == 0
    assert out.startswith("Ash Ward monthly sheet: version 1, saved ")
    assert "by Ash lead; reads " in out
    assert set(out.strip().split("; reads ")[1].split(", ")) == HEADINGS

    code, out, _ = run(capsys, "mapping", "show", "Ash Ward monthly sheet", "--db", db)
    assert code == 0
    spec_text, history = out.split("\nversion ", 1)
    assert json.loads(spec_text) == SPEC
    assert history.startswith("1: saved as 'Ash Ward monthly sheet' ") and "by Ash lead" in history


def test_export_then_import_under_another_name(db, tmp_path, capsys):
    out_file = tmp_path / "ash.json"
    code, out, _ = run(capsys, "mapping", "export", "Ash Ward monthly sheet", "--out", str(out_file), "--db", db)
    assert code == 0 and "(version 1) written to" in out
    assert json.loads(out_file.read_text()) == SPEC

    code, out, _ = run(capsys, "mapping", "import", str(out_file), "--name", "Birch copy", "--by", "Birch lead", "--db", db)
    assert (code, out.strip()) == (0, "Saved mapping 'Birch copy' as version 1.")
    current = saved(db).set_index("name")
    assert current.loc["Birch copy", "spec"] == {**SPEC, "name": "Birch copy"}
    assert current.loc["Birch copy", "saved_by"] == "Birch lead"
    # Saved without a file, it is recognised by the headings it reads.
    assert current.loc["Birch copy", "signature"] == signature(HEADINGS)

    # Importing the mapping over itself keeps the headings of the files it was made for.
    code, out, _ = run(capsys, "mapping", "import", str(out_file), "--db", db)
    assert "already saved as it is; nothing changed" in out
    assert saved(db).set_index("name").loc["Ash Ward monthly sheet", "signature"] == "file headings"


def test_delete_hides_the_mapping_and_keeps_its_versions(db, capsys):
    code, out, _ = run(capsys, "mapping", "delete", "Ash Ward monthly sheet", "--by", "Ash lead", "--db", db)
    assert code == 0 and "Its 2 version(s) are kept." in out
    assert saved(db).empty
    code, out, _ = run(capsys, "mapping", "list", "--db", db)
    assert "No saved mappings" in out


def test_errors_are_one_line_exit_one_and_write_nothing(db, tmp_path, capsys):
    out_file = tmp_path / "missing.json"
    code, _, err = run(capsys, "mapping", "export", "Nope", "--out", str(out_file), "--db", db)
    assert code == 1 and not out_file.exists()
    assert err.strip() == "There is no saved mapping called 'Nope' (saved mappings: Ash Ward monthly sheet)."

    code, _, err = run(capsys, "mapping", "delete", "Nope", "--db", db)
    assert code == 1 and "no saved mapping called 'Nope'" in err

    code, _, err = run(capsys, "mapping", "export", "Ash Ward monthly sheet", "--out",
                       str(tmp_path / "no" / "such" / "dir.json"), "--db", db)
    assert code == 1 and err.count("\n") == 1 and "could not be written" in err

    unnamed = tmp_path / "unnamed.json"
    unnamed.write_text(json.dumps({k: v for k, v in SPEC.items() if k != "name"}))
    code, _, err = run(capsys, "mapping", "import", str(unnamed), "--db", db)
    assert (code, err.strip()) == (1, "unnamed.json: the mapping has no name; give one with --name.")

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**SPEC, "layuot": "wide"}))
    code, _, err = run(capsys, "mapping", "import", str(broken), "--db", db)
    assert code == 1 and "Did you mean 'layout'?" in err and "nothing was saved" in err

    assert saved(db)["name"].tolist() == ["Ash Ward monthly sheet"]
    store = Store.open(db)
    assert len(store.mapping_versions("Ash Ward monthly sheet")) == 1
    store.close()


def test_an_upload_says_once_which_saved_mapping_read_it(empty_db_file, tmp_path, capsys):
    db = shutil.copy(empty_db_file, tmp_path / "qi.duckdb")
    store = Store.open(db)
    store.save_mapping("Ash Ward monthly sheet", signature(HEADINGS), SPEC, saved_by="Ash lead")
    store.close()
    sheet = tmp_path / "ash.csv"
    sheet.write_bytes(WIDE)
    code, out, _ = run(capsys, "upload", str(sheet), "--db", str(db))
    assert code == 0
    assert out.count("Ash Ward monthly sheet") == 1
    assert "Recognised the layout of ash.csv: using the saved mapping 'Ash Ward monthly sheet'." in out
