"""``python -m qi_dash report``: a board pack from the command line, as a real process, read
back by python-pptx and pdftotext; and what it says when it cannot make one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pptx import Presentation

from tests.conftest import REPO


def _report(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qi_dash", "report", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, check=False)


def test_report_writes_a_teams_pack_as_powerpoint(read_only_db, tmp_path):
    out = tmp_path / "ash.pptx"
    done = _report("--db", read_only_db, "--unit", "W-ASH", "--measures", "HUDDLES,RP_RATE", "--from", "2024-01-01",
                   "--to", "31/12/2024", "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Board pack for Ash Ward (1 unit(s), 2 charts, Jan 2024 to Dec 2024) written to {out}")
    slides = list(Presentation(str(out)).slides)
    titles = [next(s.text_frame.text for s in slide.shapes if s.name == "Title") for slide in slides[2:]]
    # Outcome before process, as on the board, whatever order they were asked in.
    assert [t.split("\n")[0] for t in titles] == ["Restrictive practice incidents per 1,000 occupied bed days",
                                                  "Safety huddles held"]


def test_report_writes_pdf_as_of_a_day(read_only_db, tmp_path):
    out = tmp_path / "ash.pdf"
    done = _report("--db", read_only_db, "--unit", "Ash Ward", "--measures", "RP_RATE", "--as-of", "2030-01-01",
                   "--out", out)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "as it stood at the end of 01/01/2030" in text
    assert "Restrictive practice incidents per 1,000 occupied bed days" in text


@pytest.mark.parametrize(("args", "said"), [
    # Units and measures are read as ``export`` reads them (``selection_options``).
    (("--unit", "Nowhere", "--out", "x.pdf"), "--unit: 'Nowhere' is not one unit"),
    (("--unit", "W-ASH", "--measures", "RP_RATE,NOPE", "--out", "x.pdf"), "--measures: unknown measure(s) NOPE"),
    (("--unit", "W-ASH", "--out", "x.docx"), "x.docx: a board pack is a .pdf or a .pptx file."),
])
def test_report_says_why_it_cannot_make_a_pack_and_writes_nothing(read_only_db, tmp_path, args, said):
    done = _report("--db", read_only_db, *[tmp_path / a if a.startswith("x.") else a for a in args])
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


def test_report_refuses_a_date_that_is_not_one(read_only_db, tmp_path):
    done = _report("--db", read_only_db, "--unit", "W-ASH", "--as-of", "yesterday", "--out", tmp_path / "x.pdf")
    assert done.returncode == 1
    assert "--as-of" in done.stderr and "a date such as 01/04/2024 or 2024-04-01" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())
