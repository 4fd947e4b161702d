"""Recognising a saved column mapping from the headings of an uploaded sheet."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

from qi_dash.ingest.mapping import spec_sheets
from qi_dash.ingest.spec import heading_key, validate_spec
from qi_dash.ingest.workbook import Sheet, Workbook
from qi_dash.problems import InputError


def signature(headers: Sheet | pd.DataFrame | Iterable[object], header_row: int = 1) -> str:
    """A short fingerprint of a sheet's headings, independent of their order and case.

    ``headers`` is a sheet (its ``header_row`` is read), a table from ``sheet_table`` (its
    columns), or the heading cells themselves. Empty headings are ignored.
    """
    if isinstance(headers, Sheet):
        frame = headers.frame
        headers = frame.loc[header_row].tolist() if header_row in frame.index else []
    elif isinstance(headers, pd.DataFrame):
        headers = headers.columns.tolist()
    keys = sorted({heading_key(h) for h in headers if h is not None and str(h).strip()})
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:16]


def spec_signature(spec: dict, workbook: Workbook) -> str:
    """The signature to save with a spec: that of the first sheet the spec reads."""
    sheets = spec_sheets(spec, workbook)
    return signature(sheets[0], spec.get("header_row", 1))


# The spec keys whose texts are column headings (a part's "values" map texts, not headings).
_HEADING_KEYS = frozenset({"column", "columns", "value", "numerator", "denominator", "comment", "measure_column"})


def spec_headings(spec: dict) -> list[str]:
    """The column headings a spec reads, in the order it names them (each once)."""
    found: dict[str, None] = {}

    def walk(node: object, key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k != "values":
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in _HEADING_KEYS and node.strip():
            found.setdefault(node.strip())

    walk(spec, None)
    return list(found)


def imported_signature(spec: dict, saved: pd.DataFrame, name: str) -> str:
    """The signature for a spec saved without a file (imported or edited): the saved
    mapping's of that name, whose files it still reads; else that of the spec's headings."""
    same = saved[saved["name"] == name] if not saved.empty else saved
    return same.iloc[0]["signature"] if not same.empty else signature(spec_headings(spec))


def recognise(workbook: Workbook, saved: pd.DataFrame) -> dict | None:
    """The saved mapping whose headings match this workbook's, as {"name", "spec"}; else None.

    ``saved`` is ``Store.mappings()`` (columns name, signature, spec), which leaves deleted
    mappings out; when several match, the most recently saved wins. A mapping imported
    without a file has the signature of its ``spec_headings``.
    """
    if saved is None or saved.empty:
        return None
    if "saved_at" in saved.columns:
        saved = saved.sort_values("saved_at", ascending=False, kind="stable")
    for row in saved.itertuples(index=False):
        spec = row.spec
        if validate_spec(spec):
            continue
        try:
            sheets = spec_sheets(spec, workbook)
        except InputError:
            continue
        if signature(sheets[0], spec.get("header_row", 1)) == row.signature:
            return {"name": row.name, "spec": spec}
    return None
