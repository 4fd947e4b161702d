"""The board pack and chart images in the app (AppTest): the sidebar's "Board pack" on Home,
Team and Measure builds the pack of the current selection, with a progress bar, and offers it
as a download; the Measure page's chart offers PNG and SVG."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation

from qi_dash.ui.pack import PACK_OPEN
from tests.apptest import button, no_errors, opened

PACK_TIMEOUT = 300  # the pack draws its charts in Chromium


@pytest.mark.parametrize(("page", "query"), [
    ("app.py", {}),
    ("pages/1_Team.py", {"dir": "DIR-ACU"}),
    ("pages/2_Measure.py", {"team": "W-ASH", "measure": "RP_RATE"}),
])
def test_home_team_and_measure_offer_a_board_pack(viewer, page, query):
    at = no_errors(viewer(page, **query))
    assert not any(b.label == "Build board pack" for b in at.get("button"))  # built only when opened
    at = opened(at, PACK_OPEN)
    assert button(at, "Build board pack")
    assert [r.label for r in at.sidebar.radio] == ["Format"]
    assert at.sidebar.radio[0].options == ["PDF", "PowerPoint"]
    assert not at.get("download_button") or all(b.proto.label not in ("Download PDF", "Download PowerPoint")
                                                for b in at.get("download_button"))


def test_the_measure_pages_pack_is_built_on_request_and_downloads(viewer):
    at = opened(no_errors(viewer("pages/2_Measure.py", team="W-ASH", measure="RP_RATE")), PACK_OPEN)
    at.sidebar.radio[0].set_value("pptx")
    button(at, "Build board pack").click()
    at = no_errors(at.run(timeout=PACK_TIMEOUT))
    assert [s.label for s in at.get("status")] == ["Board pack ready: 1 chart(s)"]
    assert at.get("status")[0].get("progress")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download PowerPoint" in labels
    _, name, data = at.session_state["pack_file"]
    assert name.startswith("board-pack-W-ASH-") and name.endswith(".pptx")
    slides = list(Presentation(io.BytesIO(data)).slides)
    words = [s.text_frame.text for s in slides[2].shapes if s.has_text_frame]
    assert any(w.startswith("Restrictive practice incidents per 1,000 occupied bed days") for w in words)
    # The download stays offered on the next rerun, and goes when the choice changes.
    at = no_errors(at.run())
    assert "Download PowerPoint" in [b.proto.label for b in at.get("download_button")]
    at.sidebar.radio[0].set_value("pdf")
    at = no_errors(at.run())
    assert "Download PDF" not in [b.proto.label for b in at.get("download_button")]


def test_the_measure_pages_chart_downloads_as_png_and_svg(viewer):
    at = no_errors(viewer("pages/2_Measure.py", team="W-ASH", measure="RP_RATE"))
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert {"PNG", "SVG"} <= set(buttons)
    assert buttons["PNG"].help.startswith("The chart as a PNG image")
