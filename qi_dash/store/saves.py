"""What a stale preview missed: the uploads saved after the newest one it had seen, in words.

Writes hold the store's lock, so upload ids are in the order their uploads were saved.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_SHOWN_SAVES = 3  # saves named in a stale preview's message; the rest are counted


def newest_upload(cur: duckdb.DuckDBPyConnection) -> int:
    """The newest upload's id (0 if none), read before a preview's diff."""
    return int(cur.execute("SELECT coalesce(max(upload_id), 0) FROM uploads").fetchall()[0][0])


def changed_since(cur: duckdb.DuckDBPyConnection, seen_upload: int | None) -> str:
    """What was saved after upload ``seen_upload``, in words: "another upload (ash.xlsx, by
    Sam) saved 12 rows at 09:14", an undo or redo, or that other records were saved."""
    saves = [] if seen_upload is None else cur.execute(
        """SELECT kind, file_name, uploaded_by, uploaded_at, rows_added + rows_updated AS rows
           FROM uploads WHERE upload_id > ? ORDER BY upload_id""", [seen_upload]).fetchall()
    if not saves:
        return "other changes were saved meanwhile"
    words = []
    for kind, file_name, by, at, rows in saves[:_SHOWN_SAVES]:
        when = pd.Timestamp(at).tz_convert(_LOCAL).strftime("%H:%M")
        if kind == "upload":
            words.append(f"another upload ({file_name}{f', by {by}' if by else ''}) saved {rows} rows at {when}")
        else:
            words.append(f"{file_name}{f' by {by}' if by else ''} at {when}")
    if len(saves) > _SHOWN_SAVES:
        words.append(f"and {len(saves) - _SHOWN_SAVES} more")
    return "; ".join(words)


_LOCAL = "Europe/London"  # the times people read on the ward
