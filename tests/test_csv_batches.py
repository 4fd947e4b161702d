"""A long CSV is read in batches of rows (bounded memory) into the same cells as one pass."""

from __future__ import annotations

import numpy as np

from qi_dash.ingest import csvfile
from qi_dash.ingest.read import read_file
from qi_dash.ingest.workbook import ReadLimits


def test_batches_join_into_one_sheet_with_ragged_rows_padded_and_row_numbers_kept():
    n = 2 * csvfile._BATCH_ROWS + 7
    lines = ["team,measure,period,value"] + [f"W-ASH,PRN,01/01/2024,{i}" for i in range(1, n)]
    lines[-3] += ",late note"  # one wider row, in the last batch
    sheet = read_file(("\n".join(lines) + "\n").encode(), "long.csv", ReadLimits()).sheets[0]
    frame = sheet.frame
    assert frame.shape == (n, 5) and list(frame.columns) == ["A", "B", "C", "D", "E"]
    assert frame.index[0] == 1 and frame.index[-1] == n
    assert frame.loc[1].tolist() == ["team", "measure", "period", "value", None]
    assert frame.loc[csvfile._BATCH_ROWS + 1].tolist() == ["W-ASH", "PRN", "01/01/2024", str(csvfile._BATCH_ROWS), None]
    assert frame.loc[n - 2].tolist() == ["W-ASH", "PRN", "01/01/2024", str(n - 3), "late note"]
    assert frame.dtypes.eq(object).all()
    assert sheet.present.shape == (n, 5) and int(sheet.present[:, 4].sum()) == 1
    assert np.array_equal(sheet.present[:, :4], np.ones((n, 4), dtype=bool))
