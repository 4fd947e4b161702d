"""Which directorate each team belongs to, read from a lookup sheet the mapping names.

Trackers often keep a two-column sheet (often hidden) of team and directorate. A mapping's
``placements`` key (see ``spec``) names it, and teams new to the hierarchy are placed from it
as from a directorate column: ``upload.plan_upload`` does the placing.
"""

from __future__ import annotations

import pandas as pd

from qi_dash.ingest.cells import cell_text, stripped
from qi_dash.ingest.parts import Columns
from qi_dash.ingest.workbook import Workbook, sheet_table
from qi_dash.problems import InputError


def read_placements(placements: dict, workbook: Workbook) -> pd.DataFrame:
    """The (team, directorate) pairs of the lookup sheet, as text; rows missing either are
    left out. A missing sheet or heading is refused with the sheet, row and headings named."""
    sheet = workbook.sheet(placements["sheet"])
    header_row = placements.get("header_row", 1)
    columns = Columns(sheet_table(sheet, header_row), sheet, header_row)
    team = columns.get(placements["team"], "team (of the placements)")
    directorate = columns.get(placements["directorate"], "directorate (of the placements)")
    if columns.missing:
        raise InputError(columns.problems())
    def texts(cells: pd.Series) -> list[str | None]:
        return [stripped(cell_text(cell)) for cell in cells]

    pairs = pd.DataFrame({"team": texts(team), "directorate": texts(directorate)})
    return pairs.dropna().reset_index(drop=True)
