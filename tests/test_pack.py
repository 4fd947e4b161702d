"""Board packs: the content (units, measures in the board's order, words), and the PDF and
PowerPoint files read back by independent readers — poppler's pdftotext, pdfimages and pdftoppm,
and python-pptx — with the chart images drawn for real by plotly.js in Chromium (``render``)."""

from __future__ import annotations

import io
import subprocess
from datetime import date, datetime, timezone

import fpdf.image_parsing as fpdf_images
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu

from qi_dash import board, icons, pack, render
from qi_dash.analysis import unit_views
from qi_dash.pack_file import PACK_SCALE, format_of, pack_bytes
from qi_dash.pack_pdf import PdfWriter, rgb_png, write_pdf
from qi_dash.pack_pptx import write_pptx
from qi_dash.store import Store
from qi_dash.targets import targets_by_unit

MEASURES = ["RP_RATE", "SAFE_SCORE", "SICKNESS"]  # outcome, process, balancing
PRODUCED = datetime(2026, 11, 30, 9, 15, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def store(read_only_db):
    opened = Store.open(read_only_db)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def ash(store) -> pack.PackContent:
    # Given out of family order: the pack follows the board's order.
    return pack.read_pack(store, "W-ASH", measures=["SICKNESS", "RP_RATE", "SAFE_SCORE"], produced=PRODUCED)


@pytest.fixture(scope="module")
def images(ash) -> list[bytes]:
    return render.render_images([chart.figure for chart in ash.charts], rgb=True)  # as for a PDF


@pytest.fixture(scope="module")
def pdf_file(ash, images, tmp_path_factory):
    path = tmp_path_factory.mktemp("pack") / "ash.pdf"
    path.write_bytes(write_pdf(ash, images))
    return path


@pytest.fixture(scope="module")
def deck(ash, images):
    return Presentation(io.BytesIO(write_pptx(ash, images)))


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_a_directorate_pack_has_the_directorate_then_each_of_its_teams(store):
    content = pack.read_pack(store, "Adult Acute Inpatients", measures=["RP_RATE"])
    assert content.unit == "DIR-ACU" and content.level == "directorate"
    assert [s.unit for s in content.sections] == ["DIR-ACU", "W-ASH", "W-BIR", "W-CED", "W-HAZ"]
    assert all(len(s.charts) == 1 for s in content.sections)
    assert content.period == "Jan 2023 to Oct 2025"


def test_measures_follow_the_boards_order_with_its_words(ash, store):
    (section,) = ash.sections
    assert [line.code for line in section.lines] == MEASURES
    views = {v.definition.code: v for v in store_views(store, "W-ASH")}
    for line in section.lines:
        assert line.latest == board.latest_text(views[line.code])
        assert line.summary == board.summary_line(views[line.code])
    rate = section.charts[0]
    assert rate.target == "Target: 17 per 1,000 occupied bed days"
    assert rate.aims and rate.aims[0].startswith("Aim: Reduce restrictive practice on Ash Ward by 40%")
    assert any(line.startswith("4. Safewards") for line in rate.cycles)


def store_views(store, unit):
    tree = store.hierarchy()
    return unit_views(store.observations(units=tree.teams_under(unit)), store.definitions(),
                           tree.teams_under(unit), unit, MEASURES,
                           targets=targets_by_unit(store.target_steps(), tree.path_to,
                                                                {d.code: d.target for d in store.definitions()}),
                           aims=store.aims(), phase_changes=store.phase_changes(units=[unit]))


def test_signals_are_told_in_words_newest_first(ash):
    rate = next(c for c in ash.charts if c.line.code == "RP_RATE")
    assert rate.line.variation_icon == "improvement_low"  # Ash Ward: fewer incidents since Dec 23
    assert rate.signals[0].startswith("Oct 25: 13.0 per 1,000 occupied bed days — ")
    assert rate.signals[-1].startswith("… and ") and rate.signals[-1].endswith("earlier signal(s) shown on the chart.")


def test_a_period_and_an_as_of_day_narrow_the_pack(store):
    content = pack.read_pack(store, "W-ASH", measures=["RP_RATE"], start=date(2024, 1, 1), end=date(2024, 12, 31),
                             as_of=date(2030, 1, 1))
    traces = content.charts[0].figure["data"]
    periods = [x for trace in traces if trace.get("mode") == "markers" for x in trace["x"] if x is not None]
    assert pd.Timestamp(min(periods)).year == 2024 and pd.Timestamp(max(periods)).year == 2024
    assert content.period == "Jan 2024 to Dec 2024"
    assert content.data_as_of == "as it stood at the end of 01/01/2030"


@pytest.mark.parametrize(("asked", "words"), [
    ({"unit": "Nowhere Ward"}, "No unit has the code or name 'Nowhere Ward'"),
    ({"unit": "W-ASH", "measures": ["NOPE"]}, "No measure has the code NOPE"),
    ({"unit": "W-ASH", "start": date(2025, 1, 1), "end": date(2024, 1, 1)}, "starts (01/01/2025) after it ends"),
])
def test_a_pack_that_cannot_be_made_says_why(store, asked, words):
    with pytest.raises(pack.PackError, match=words.replace("(", r"\(").replace(")", r"\)")):
        pack.read_pack(store, **asked)


def test_a_pack_file_is_pdf_or_pptx():
    assert format_of("pack.PDF") == "pdf" and format_of("x/pack.pptx") == "pptx"
    with pytest.raises(pack.PackError, match="pack.docx: a board pack is a .pdf or a .pptx file"):
        format_of("pack.docx")


def test_chart_images_are_print_size_png_and_svg(ash, images):
    png = Image.open(io.BytesIO(images[0]))
    assert png.format == "PNG"
    assert png.size == (render.PRINT_WIDTH * render.PRINT_SCALE, render.PRINT_HEIGHT * render.PRINT_SCALE)
    # The MDC colours are in the picture: the target line red and the points' colours.
    colours = {colour for _, colour in png.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0xDE, 0x1B, 0x1B) in colours
    svg = render.figure_image(ash.charts[0].figure, "svg").decode("utf-8")
    assert svg.startswith("<svg") and "Restrictive practice incidents" in svg
    assert "Arial" in svg


def test_the_pdf_reads_back_with_its_units_measures_values_and_icons(ash, pdf_file):
    text = _run("pdftotext", "-layout", str(pdf_file), "-")
    pages = text.split("\f")
    assert "Ash Ward" in pages[0] and "30/11/2026 09:15 UTC" in pages[0] and "Jan 2023 to Oct 2025" in pages[0]
    (section,) = ash.sections
    summary = pages[1]
    assert "Ash Ward: summary" in summary
    for line in section.lines:  # the latest value, its unit and period (a cell may wrap)
        assert all(word in summary for word in line.latest.split()), line.latest
    # A page per chart, each titled with its measure and saying its latest value.
    for page, line in zip(pages[2:], section.lines):
        assert " ".join(line.name.split()[:3]) in page
        assert f"Latest: {line.latest.split(' (')[0]}" in page
    images = _run("pdfimages", "-list", str(pdf_file)).splitlines()[2:]
    per_page = [int(row.split()[0]) for row in images if row.split()[2] == "image"]  # not their alpha masks
    assert per_page.count(2) == 2 * len(section.lines)  # a variation and an assurance icon a row
    assert all(per_page.count(3 + i) == 3 for i in range(len(section.lines)))  # two icons and the chart


def test_chart_images_taken_as_they_are_drawn_make_the_same_pdf_each_image_once(ash, images, pdf_file, tmp_path,
                                                                                monkeypatch):
    writer = PdfWriter(ash)
    for image in images:
        writer.take(image)
    # What fpdf2 itself still decodes as the pages are laid out: the icons, not the charts taken.
    decoded, decode = [], fpdf_images.get_img_info

    def counted(*args, **kwargs):
        info = decode(*args, **kwargs)
        decoded.append((info["w"], info["h"]))
        return info

    monkeypatch.setattr(fpdf_images, "get_img_info", counted)
    taken = tmp_path / "taken.pdf"
    taken.write_bytes(writer.write(images))
    assert decoded and (2200, 1000) not in decoded
    rows = [row.split() for row in _run("pdfimages", "-list", str(taken)).splitlines()[2:]]
    charts = [row for row in rows if row[2] == "image" and (row[3], row[4]) == ("2200", "1000")]
    assert len(charts) == len(ash.charts) == len({row[10] for row in charts})  # object numbers: each once
    for path in (pdf_file, taken):
        _run("pdftoppm", "-r", "40", "-png", "-f", "3", "-l", "3", str(path), str(tmp_path / path.stem))
    assert (tmp_path / "ash-3.png").read_bytes() == (tmp_path / "taken-3.png").read_bytes()


def test_a_chart_goes_into_the_pdf_as_drawn_pixel_for_pixel(images, pdf_file, tmp_path):
    drawn = Image.open(io.BytesIO(images[0]))
    assert drawn.mode == "RGB" and rgb_png(images[0]) is not None  # embedded without decoding
    _run("pdfimages", "-png", "-f", "3", "-l", "3", str(pdf_file), str(tmp_path / "page-3"))
    (chart,) = [Image.open(path) for path in tmp_path.glob("page-3-*.png") if Image.open(path).size == drawn.size]
    assert chart.convert("RGB").tobytes() == drawn.tobytes()


def test_only_a_plain_rgb_png_is_embedded_as_it_is():
    assert rgb_png(render.icon_png("concern_high", "variation")) is None  # RGBA: fpdf2 decodes it
    assert rgb_png(b"GIF89a") is None


def test_the_pdf_pages_render_a4_landscape_with_the_icons_colours(pdf_file, tmp_path):
    _run("pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "3", str(pdf_file), str(tmp_path / "page"))
    summary = Image.open(tmp_path / "page-2.png").convert("RGB")
    width, height = summary.size
    assert abs(width / height - 297 / 210) < 0.01
    colours = {colour for _, colour in summary.getcolors(maxcolors=1 << 20)}
    # The blue of the improvement icon (restrictive practice) and NHS blue of the headings, as drawn.
    assert any(_near(c, (0x00, 0xB0, 0xF0)) for c in colours)
    assert any(_near(c, (0x00, 0x5E, 0xB8)) for c in colours)


def _near(colour, wanted, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted))


def test_the_pptx_has_a_cover_a_summary_and_a_slide_per_chart(ash, deck):
    assert (deck.slide_width, deck.slide_height) == (Emu(12191695), Emu(6858000))  # 16:9
    slides = list(deck.slides)
    assert len(slides) == 2 + len(ash.charts)
    assert "Ash Ward" in _words(slides[0]) and "30/11/2026 09:15 UTC" in _words(slides[0])
    (section,) = ash.sections
    alts = [shape._element.nvPicPr.cNvPr.get("descr") for shape in slides[1].shapes if shape.shape_type == 13]
    expected = [icons.icon_title(code, kind=kind) for line in section.lines
                for code, kind in ((line.variation_icon, "variation"), (line.assurance_icon, "assurance"))]
    assert alts == expected
    for slide, line in zip(slides[2:], section.lines):
        words = _words(slide)
        assert line.name in words and f"Latest: {line.latest}" in words
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert f"SPC chart of {line.name} for Ash Ward" in [p._element.nvPicPr.cNvPr.get("descr") for p in pictures]


def test_pptx_words_are_editable_text_boxes(deck):
    chart_slide = list(deck.slides)[2]
    boxes = [s for s in chart_slide.shapes if s.has_text_frame]
    assert {"Title", "Latest", "Signals", "Notes"} <= {b.name for b in boxes}


def _words(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_pack_bytes_reports_progress_to_the_end(store):
    content = pack.read_pack(store, "W-ASH", measures=["RP_RATE"])
    seen = []
    data = pack_bytes(content, "pptx", progress=lambda done, words: seen.append((done, words)))
    assert data[:2] == b"PK"
    assert seen[0] == (0.0, "Drawing 1 chart(s)") and seen[-1] == (1.0, "Done")
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_packs_chart_is_drawn_at_its_scale_for_about_175_dpi_on_the_page(store, tmp_path):
    content = pack.read_pack(store, "W-ASH", measures=["RP_RATE"])
    path = tmp_path / "pack.pdf"
    path.write_bytes(pack_bytes(content, "pdf"))
    rows = [row.split() for row in _run("pdfimages", "-list", str(path)).splitlines()[2:]]
    # Page 3 is the chart's: its two icons and the chart, the largest.
    chart = max((row for row in rows if row[0] == "3" and row[2] == "image"), key=lambda row: int(row[3]))
    assert (int(chart[3]), int(chart[4])) == (render.PRINT_WIDTH * PACK_SCALE, render.PRINT_HEIGHT * PACK_SCALE)
    assert 150 <= int(chart[12]) <= 200  # x-ppi: print quality, not more


def test_without_a_browser_the_image_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(render.RenderError, match="Chart images need Chromium on the server"):
        render.render_images([go.Figure()])


def test_icons_become_pngs_of_their_colour():
    png = Image.open(io.BytesIO(render.icon_png("concern_high", "variation", 64))).convert("RGBA")
    assert png.size == (64, 64)
    assert any(_near(c[:3], (0xE4, 0x6C, 0x0A)) for _, c in png.getcolors(maxcolors=1 << 16) if c[3] == 255)
