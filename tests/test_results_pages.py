"""Results people can act on, as the pages show them: a refused file's problems grouped by kind
with counts and actions, the first rows located and every problem as a CSV; and comments from
uploads on the Measure page's chart and data table."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


HEADER = "team,measure,period,numerator,denominator,value,comment\n"


def upload(app, name: str, lines: list[str]) -> AppTest:
    at = app("pages/3_Upload.py")
    at.get("file_uploader")[0].set_value((name, (HEADER + "\n".join(lines) + "\n").encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_refused_file_shows_its_problems_grouped_then_located_then_downloadable(app):
    lines = [f"W-ASH,HUDDLE_{n % 2},{day:02d}/01/2025,,,3," for n, day in enumerate((6, 13, 20, 27))]
    lines += ["W-ASH,HUDDLES,32/10/2025,,,3,", "W-ASH,HUDDLES,03/02/2025,,,**bold** <b>x</b>,"]
    at = upload(app, "ward.csv", lines)
    assert "was not saved: 6 problem(s)" in at.error[0].value
    groups = next(m.value for m in at.markdown if m.value.startswith("- **"))
    items = groups.splitlines()
    assert items[0].startswith(r"- **2 rows**: measure 'HUDDLE\_0' is not defined → correct the measure")
    assert items[0].endswith(r"(first: row 2, column 'measure')")
    assert items[1].startswith(r"- **2 rows**: measure 'HUDDLE\_1' is not defined")
    # Text from the file is shown as typed, never as markdown or HTML.
    assert r"'\*\*bold\*\* \<b\>x\</b\>' is not a number" in groups
    assert any("period '32/10/2025' is not a date → correct the file" in i for i in items)
    table = at.dataframe[0]
    assert table.value.columns.tolist() == ["Sheet", "Row", "Column", "Problem"]
    assert table.value["Row"].tolist() == ["2", "3", "4", "5", "6", "7"]
    assert table.proto.row_height > 64  # tall enough that Streamlit wraps long messages
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download all problems (CSV)" in labels


def test_only_the_first_problems_are_drawn_and_the_rest_counted(app):
    # Unknown measures: a problem in the file itself (unknown teams are placed first instead).
    lines = [f"W-ASH,Measure {n},06/01/2025,,,3," for n in range(1, 251)]
    at = upload(app, "many.csv", lines)
    assert len(at.dataframe[0].value) == 200
    assert any("The first 200 of 250 problems are shown." in c.value for c in at.caption)
    assert any("… and 230 more kinds of problem" in c.value for c in at.caption)
    groups = next(m.value for m in at.markdown if m.value.startswith("- **"))
    assert [line.split("'")[1] for line in groups.splitlines()[:3]] == ["Measure 1", "Measure 2", "Measure 3"]


def test_a_comment_uploaded_with_a_value_is_on_the_chart_and_in_the_data_table(app, demo_db):
    from qi_dash.store import Store
    from qi_dash.upload import commit, plan_upload

    store = Store.open(demo_db)
    row = "W-ASH,HUDDLES,27/10/2025,,,37,Extra huddle after the <i>incident</i>\n"
    commit(store, plan_upload(store, (HEADER + row).encode(), "comment.csv"))
    store.close()
    at = app("pages/2_Measure.py", team="W-ASH", measure="HUDDLES")
    assert not at.exception, [e.value for e in at.exception]
    (figure,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    rings = [t for t in figure["data"] if t.get("name", "").startswith("Has a comment")]
    assert len(rings) == 1
    hovers = [h for t in figure["data"] if t.get("hovertext") for h in t["hovertext"]]
    assert any("Comment: Extra huddle after the &lt;i&gt;incident&lt;/i&gt;" in h for h in hovers)
    table = at.dataframe[-1].value
    assert {"Period", "Comment", "Signal"} <= set(table.columns)
    assert "Extra huddle after the <i>incident</i>" in table["Comment"].tolist()
