"""Text is text: on every page of a store whose names, comments, PDSA cycles and phase reasons
are Markdown, HTML, maths and Streamlit syntax, everything Streamlit renders as Markdown holds
the text escaped (shown as typed), and every chart holds it HTML-escaped."""

from __future__ import annotations

import json

import pytest
from google.protobuf.json_format import MessageToDict

from qi_dash.ui.widgets import markdown_text
from tests.apptest import no_errors, page_opener, opened
from tests.fixtures_hostile import HOSTILE_UNITS, MARKDOWN_PAYLOADS, hostile_database

# Fields Streamlit renders as Markdown: bodies (markdown, captions, alerts, headings), labels
# (widgets, buttons, expanders, tabs, page links) and help tooltips. Radio and button-group
# (segmented control, pills) options are Markdown too; selectbox options are plain text.
MARKDOWN_FIELDS = ("body", "label", "help")
MARKDOWN_OPTIONS = ("radio", "button_group")

PAGES = [
    ("app.py", {}),
    ("pages/1_Team.py", {}),
    ("pages/1_Team.py", {"dir": "DIR-ACU"}),
    ("pages/1_Team.py", {"team": "W-ASH"}),
    ("pages/1_Team.py", {"team": "W-ASH", "view": "huddle"}),
    ("pages/2_Measure.py", {"team": "W-ASH", "measure": "PRN"}),
    ("pages/2_Measure.py", {"team": "W-ASH", "measure": "HUDDLES"}),
    ("pages/2_Measure.py", {"dir": "DIR-ACU", "measure": "RP_RATE"}),
    ("pages/3_Upload.py", {}),
    ("pages/4_Measures.py", {}),
    ("pages/5_Uploads.py", {}),
    ("pages/6_Story.py", {"team": "W-ASH", "measure": "HUDDLES"}),
    ("pages/7_Glossary.py", {}),
    ("pages/8_Funnel.py", {"dir": "DIR-ACU", "measure": "RP_RATE"}),
    ("pages/9_Multiples.py", {"dir": "DIR-ACU", "measure": "PRN"}),
    ("pages/10_Admin.py", {}),
]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    return hostile_database(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")


@pytest.fixture
def hostile(hostile_db, monkeypatch):
    return page_opener(hostile_db, monkeypatch)


def _nodes(node):
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _nodes(child)


def markdown_sources(at) -> list[str]:
    """Every string of the page that Streamlit renders as Markdown (st.html, which does not,
    is ``html_sources``)."""
    found = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR") or node.type == "html":
            continue
        fields = MessageToDict(proto, preserving_proto_field_name=True)
        found += [fields[f] for f in MARKDOWN_FIELDS if isinstance(fields.get(f), str)]
        if node.type in MARKDOWN_OPTIONS:
            found += [o if isinstance(o, str) else o.get("content", "") for o in fields.get("options", [])]
    return found


def html_sources(at) -> str:
    return "\n".join(node.proto.body for node in _nodes(at._tree) if node.type == "html")


def chart_texts(at) -> str:
    return "\n".join(json.dumps(json.loads(c.proto.spec)) for c in at.get("plotly_chart"))


def raw_payloads(texts: list[str]) -> list[tuple[str, str]]:
    """(payload, where) for each payload found unescaped in a Markdown source."""
    return [(p, t) for t in texts for p in MARKDOWN_PAYLOADS if p in t.replace(markdown_text(p), "")]


@pytest.mark.parametrize(("page", "query"), PAGES, ids=[f"{p}-{'-'.join(q.values())}" for p, q in PAGES])
def test_every_markdown_source_on_the_page_holds_user_text_escaped(hostile, page, query):
    at = no_errors(hostile(page, **query))
    sources = markdown_sources(at)
    assert sources, "the page rendered nothing to check"
    assert raw_payloads(sources) == []
    # HTML and Plotly text: no tag from a user's text (Plotly draws <a href> and <b>).
    for where in (html_sources(at), chart_texts(at)):
        assert "<img src=x" not in where and 'href="http://evil' not in where


def test_the_team_page_shows_the_hostile_names_escaped(hostile):
    at = no_errors(hostile("pages/1_Team.py", team="W-ASH"))
    sources = "\n".join(markdown_sources(at))
    assert r"\[Sign in again\]\(http" + "\u2060" + r"\://evil\.example/login\)" in sources
    assert r"\:red\[Ash\]" in sources  # the directorate, in the breadcrumb


def test_the_pdsa_cycles_and_the_new_cycle_form_show_their_text_escaped(hostile):
    at = no_errors(hostile("pages/2_Measure.py", team="W-ASH", measure="HUDDLES"))
    for key in [k for k in at.session_state if "pdsa" in str(k) and "open" in str(k)]:
        at = opened(at, key)
    assert raw_payloads(markdown_sources(at)) == []


def test_a_hostile_unit_name_is_escaped_in_the_sidebar_and_the_breadcrumb(hostile):
    at = no_errors(hostile("pages/1_Team.py", team="W-BIR"))
    sources = markdown_sources(at)
    assert raw_payloads(sources) == []
    assert any(markdown_text(HOSTILE_UNITS["W-BIR"]) in s for s in sources)


def test_the_upload_page_shows_a_hostile_file_name_team_names_and_problems_escaped(hostile):
    from tests.apptest import UPLOAD
    from tests.builders import csv_bytes

    data = csv_bytes(*(f"{p} Ward,PRN,01/02/2025,,,3,{p}" for p in MARKDOWN_PAYLOADS), "W-ASH,PRN,01/03/2025,,,x,")
    at = no_errors(hostile(UPLOAD))
    at.get("file_uploader")[0].set_value((f"{MARKDOWN_PAYLOADS[1]}.csv", data, "text/csv")).run()
    no_errors(at)
    sources = markdown_sources(at)
    assert raw_payloads(sources) == []
    assert any(markdown_text(MARKDOWN_PAYLOADS[1]) in s for s in sources)  # the file's name, escaped
    assert markdown_text(f"Code for '{MARKDOWN_PAYLOADS[0]} Ward'") in sources  # a new team's form, escaped
