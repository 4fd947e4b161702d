"""Recognising a saved mapping from a sheet's headings: ingest/recognise.py."""

from __future__ import annotations

from qi_dash.ingest import mapping
from qi_dash.ingest.recognise import recognise, signature, spec_signature
from qi_dash.store import Store
from tests.test_mapping import WIDE_ROWS, WIDE_SPEC, csv, xlsx


def test_a_saved_mapping_is_recognised_from_the_headings_next_time(tmp_path):
    store = Store.open(tmp_path / "qi.duckdb")
    first = xlsx({"Data": WIDE_ROWS})
    store.save_mapping("Ward return", spec_signature(WIDE_SPEC, first), WIDE_SPEC)
    other = {"period": {"column": "When"}, "team": {"fixed": "W-ASH"}, "measures": [{"measure": "FALLS", "value": "n"}]}
    store.save_mapping("Other", signature(["When", "n"]), other)
    saved = store.mappings()

    # Next month's file: same headings, in another order and case, with other data.
    later = xlsx({"Cover": [["x"]], "Data": [["ward", "Month", "Notes", "Patients", "Plans", "FALLS"],
                                             ["Ash Ward", "Jun-24", None, 20, 17, 2]]})
    found = recognise(later, saved)
    assert found == {"name": "Ward return", "spec": WIDE_SPEC}
    assert mapping.apply(found["spec"], later)[0]["value"].tolist() == [2, None]

    assert recognise(xlsx({"Data": [["Month", "Ward", "Falls"]]}), saved) is None
    assert recognise(xlsx({"Elsewhere": WIDE_ROWS}), saved) is None  # the mapped sheet is missing
    assert recognise(csv("When,n\nApr-24,1\n"), saved)["name"] == "Other"
    store.close()


def test_signature_ignores_order_case_spacing_and_empty_headings():
    assert signature(["Month", "Falls", None, ""]) == signature(["falls ", "MONTH"])
    assert signature(["Month", "Falls"]) != signature(["Month", "Falls", "Notes"])
    sheet = xlsx({"Data": [["title"], ["Month", "Falls"]]}).sheets[0]
    assert signature(sheet, header_row=2) == signature(["Month", "Falls"])
