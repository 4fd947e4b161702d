"""A board pack as PowerPoint, 16:9: a cover slide, each unit's summary slide (a row per
measure: its name, Making Data Count icons as pictures, latest value and what the chart says),
then one slide per measure — the chart as a picture beside its words.

Written with python-pptx. Every word is an ordinary text box a presenter can edit; every
picture carries alt text (the icon's meaning, or which chart it is).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from qi_dash import icons, render
from qi_dash.board import BoardLine
from qi_dash.pack import PackChart, PackContent, PackSection

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.4)
NHS_BLUE = RGBColor(0x00, 0x5E, 0xB8)
TEXT = RGBColor(0x21, 0x2B, 0x32)
GREY = RGBColor(0x4C, 0x62, 0x72)
FONT = "Arial"
ROWS_PER_SLIDE = 11
ROW_H = Inches(0.5)
ICON = Inches(0.42)
CHART_W = Inches(8.7)
CHART_H = Emu(int(CHART_W * render.PRINT_HEIGHT / render.PRINT_WIDTH))


class PptxWriter:
    """The PowerPoint of a pack, in the two steps of ``pack_pdf.PdfWriter``."""

    def __init__(self, content: PackContent):
        self.content = content

    def take(self, image: bytes) -> None:
        """Nothing to do as an image is drawn: a slide holds the PNG as it is."""

    def write(self, images: Sequence[bytes]) -> bytes:
        return write_pptx(self.content, images)


def write_pptx(content: PackContent, images: Sequence[bytes]) -> bytes:
    """The pack as PPTX bytes; ``images`` are the PNGs of ``content.charts``, in order."""
    charts = content.charts
    if len(images) != len(charts):
        raise ValueError(f"{len(charts)} charts but {len(images)} images")
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_W, SLIDE_H
    deck.core_properties.title = content.title
    deck.core_properties.author = "qi-dash"
    blank = deck.slide_layouts[6]
    _cover(deck.slides.add_slide(blank), content)
    image_of = dict(zip(map(id, charts), images))
    for section in content.sections:
        lines = list(section.lines)
        for start in range(0, max(len(lines), 1), ROWS_PER_SLIDE):
            _summary(deck.slides.add_slide(blank), content, section, lines[start:start + ROWS_PER_SLIDE], start > 0)
        for chart in section.charts:
            _chart_slide(deck.slides.add_slide(blank), section, chart, image_of[id(chart)])
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _box(slide, left, top, width, height, paragraphs: Sequence[tuple[str, float, bool, RGBColor]], *, name: str = ""):
    """An editable text box of paragraphs, each (text, points, bold, colour), wrapping in its width."""
    shape = slide.shapes.add_textbox(left, top, width, height)
    if name:
        shape.name = name
    frame = shape.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.04)
    for i, (text, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
        run.font.color.rgb = colour
        paragraph.space_after = Pt(size * 0.35)
    return shape


def _picture(slide, data: bytes, left, top, width, height, alt: str):
    picture = slide.shapes.add_picture(io.BytesIO(data), left, top, width, height)
    # python-pptx has no setter for alt text: it is the picture's cNvPr "descr" attribute.
    picture._element.nvPicPr.cNvPr.set("descr", alt)
    picture.name = alt[:60]
    return picture


def _icon(slide, code: str, kind: str, left, top, size=ICON):
    return _picture(slide, render.icon_png(code, kind), left, top, size, size, icons.icon_title(code, kind=kind))


def _cover(slide, content: PackContent) -> None:
    bar = slide.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(0.35))  # 1: a rectangle
    bar.fill.solid()
    bar.fill.fore_color.rgb = NHS_BLUE
    bar.line.fill.background()
    _box(slide, MARGIN, Inches(1.6), SLIDE_W - 2 * MARGIN, Inches(1.6), [
        (content.name, 40, True, NHS_BLUE),
        (f"Quality improvement board pack · {content.level}", 22, False, GREY),
    ], name="Title")
    _box(slide, MARGIN, Inches(3.5), SLIDE_W - 2 * MARGIN, Inches(3.2), [
        (f"Period: {content.period}", 18, False, TEXT),
        (f"Produced: {content.produced:%d/%m/%Y %H:%M} UTC", 18, False, TEXT),
        (f"Data as of: {content.data_as_of}", 18, False, TEXT),
        (f"{len(content.sections)} unit(s), {len(content.charts)} measure charts", 14, False, GREY),
    ], name="Cover details")


def _summary(slide, content: PackContent, section: PackSection, lines: Sequence[BoardLine], continued: bool) -> None:
    _box(slide, MARGIN, Inches(0.25), SLIDE_W - 2 * MARGIN, Inches(0.9), [
        (f"{section.name}: summary{' (continued)' if continued else ''}", 26, True, NHS_BLUE),
        (f"{section.level.capitalize()} · {content.period} · each measure at its latest point", 12, False, GREY),
    ], name="Title")
    widths = (Inches(3.4), Inches(1.0), Inches(1.0), Inches(2.6), Inches(4.5))
    heads = ("Measure", "Variation", "Assurance", "Latest", "What the chart says")
    top = Inches(1.3)
    left = MARGIN
    for head, width in zip(heads, widths):
        _box(slide, left, top, width, Inches(0.35), [(head, 11, True, GREY)])
        left += width
    if not lines:
        _box(slide, MARGIN, top + Inches(0.5), Inches(8), ROW_H, [("No data for this unit in the period.", 14, False, TEXT)])
    for row, line in enumerate(lines):
        y = top + Inches(0.4) + row * ROW_H
        x = MARGIN
        _box(slide, x, y, widths[0], ROW_H, [(line.name, 11, True, TEXT)])
        x += widths[0]
        _icon(slide, line.variation_icon, "variation", x + (widths[1] - ICON) // 2, y + (ROW_H - ICON) // 2)
        x += widths[1]
        _icon(slide, line.assurance_icon, "assurance", x + (widths[2] - ICON) // 2, y + (ROW_H - ICON) // 2)
        x += widths[2]
        _box(slide, x, y, widths[3], ROW_H, [(line.latest, 11, False, TEXT)])
        x += widths[3]
        _box(slide, x, y, widths[4], ROW_H, [(line.summary, 11, False, TEXT)])
    if section.not_reported and len(lines) < ROWS_PER_SLIDE:
        _box(slide, MARGIN, SLIDE_H - Inches(0.7), SLIDE_W - 2 * MARGIN, Inches(0.4),
             [("Not reported: " + ", ".join(section.not_reported) + ".", 10, False, GREY)])


def _chart_slide(slide, section: PackSection, chart: PackChart, image: bytes) -> None:
    line = chart.line
    _box(slide, MARGIN, Inches(0.2), SLIDE_W - 2 * MARGIN - Inches(1.2), Inches(1.1), [
        (line.name, 24, True, NHS_BLUE),
        (f"{section.name} · {line.family} measure · {chart.caption}", 11, False, GREY),
    ], name="Title")
    _icon(slide, line.variation_icon, "variation", SLIDE_W - MARGIN - Inches(1.1), Inches(0.3), Inches(0.5))
    _icon(slide, line.assurance_icon, "assurance", SLIDE_W - MARGIN - Inches(0.55), Inches(0.3), Inches(0.5))
    _box(slide, MARGIN, Inches(1.2), CHART_W, Inches(0.6),
         [(f"Latest: {line.latest} — {line.summary}", 12, True, TEXT)], name="Latest")
    _picture(slide, image, MARGIN, Inches(1.85), CHART_W, CHART_H, f"SPC chart of {line.name} for {section.name}")
    below = Inches(1.85) + CHART_H
    _box(slide, MARGIN, below, CHART_W, SLIDE_H - below - Inches(0.2),
         [("Signals", 11, True, NHS_BLUE),
          *[(text, 9, False, TEXT) for text in chart.signals or ["No special cause signals in the period."]]],
         name="Signals")
    side = MARGIN + CHART_W + Inches(0.2)
    about = [chart.definition, *([chart.target] if chart.target else []), *chart.aims]
    cycles = [*chart.cycles, *chart.comments] or ["No PDSA cycles or comments on this chart."]
    _box(slide, side, Inches(1.25), SLIDE_W - side - MARGIN, SLIDE_H - Inches(1.45),
         [("About this measure", 11, True, NHS_BLUE), *[(text, 9, False, TEXT) for text in about],
          ("PDSA cycles and comments", 11, True, NHS_BLUE), *[(text, 9, False, TEXT) for text in cycles]],
         name="Notes")
