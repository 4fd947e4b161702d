"""The corpus: messy files the project builds itself, each with the exact canonical rows it must give.

``CASES`` lists every ``CorpusCase``: ``build()`` gives the file's bytes (the same bytes on every
call), ``expected`` its rows in the store's terms (``EXPECTED_COLUMNS``; unit is a team code of
the demo hierarchy, measures are the standard measures), ``layout`` what a good detector should
find, ``max_choices`` how many choices a user may have to change in the Upload form, ``why``
what makes it messy. Compare a table with ``expected`` through ``normalised``::

    from corpus import CASES, normalised
    for case in CASES:
        plan = plan_upload(store, case.build(), case.file_name, mapping="auto")
        assert normalised(plan.changes).equals(case.expected)
"""

from __future__ import annotations

from pathlib import Path

from corpus import flat, make_libreoffice, workbooks
from corpus.case import EXPECTED_COLUMNS, LAYOUTS, CorpusCase, expected_frame, normalised
from corpus.tracker import WARD_TRACKER

FILES = Path(__file__).resolve().parent / "files"


def _libreoffice_file() -> bytes:
    return (FILES / "libreoffice.xlsx").read_bytes()


LIBREOFFICE = CorpusCase(
    name="libreoffice",
    file_name="libreoffice.xlsx",
    build=_libreoffice_file,
    expected=expected_frame(make_libreoffice.observations()),
    layout="wide",
    max_choices=2,
    why="Saved by LibreOffice Calc 7.4 (made by make_libreoffice.py from an openpyxl workbook): "
    "LibreOffice's own styles and cell markup, a merged title row above the headings, months as "
    "date cells formatted mmm-yy, a rate formula whose cached results LibreOffice calculated (not "
    "read), and a team name in capitals.",
)

CASES: list[CorpusCase] = [*flat.CASES, *workbooks.CASES, WARD_TRACKER, LIBREOFFICE]

__all__ = ["CASES", "EXPECTED_COLUMNS", "LAYOUTS", "CorpusCase", "normalised"]
