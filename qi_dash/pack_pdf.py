"""A board pack as PDF, A4 landscape: the cover, each unit's summary table with its Making Data
Count icons, then a page per measure — the chart image above its definition, signals, PDSA
cycles and comments.

Written with fpdf2: a maintained, pure-Python PDF library that embeds (subsets) TrueType fonts
and PNG images, so the text stays searchable and the file opens anywhere. DejaVu Sans is the
font: it has every character the words use (—, …, σ, ✓, ✗, ↻), which the PDF core fonts lack.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from fpdf import FPDF, image_parsing
from fpdf.enums import XPos, YPos
from fpdf.image_datastructures import RasterImageInfo
from fpdf.image_parsing import get_img_info, preload_image

from qi_dash import icons, render
from qi_dash.board import BoardLine
from qi_dash.pack import PackChart, PackContent, PackError, PackSection

# fpdf2 re-deflates an image it decodes (the icons; a chart only if it is not ``render``'s RGB
# PNG); zlib's fastest level takes about a third of the time of its default (6) on flat-coloured
# pictures, for a file about a quarter larger.
image_parsing.SETTINGS.compression_level = 1

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT = "DejaVu"
PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 10.0
BODY_W = PAGE_W - 2 * MARGIN
NHS_BLUE = (0, 94, 184)
TEXT = (33, 43, 50)
GREY = (76, 98, 114)
RULE = (216, 221, 224)
CHART_H = BODY_W * render.PRINT_HEIGHT / render.PRINT_WIDTH * 0.86  # a little under full width, so words fit below
ICON_MM = 9.0
ROW_MM = 11.0
ROWS_PER_PAGE = 14
# Summary table columns (mm): measure, variation, assurance, latest, what the chart says, family.
COLUMNS = (("Measure", 78), ("Variation", 20), ("Assurance", 20), ("Latest", 52), ("What the chart says", 86),
           ("Family", 21))


def font_files() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold (Debian: fonts-dejavu-core)."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    raise PackError("The PDF needs the DejaVu Sans font, which is not installed "
                    "(Debian: apt-get install fonts-dejavu-core).")


class _Pack(FPDF):
    def __init__(self, content: PackContent):
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.content = content
        regular, bold = font_files()
        self.add_font(FONT, "", str(regular))
        self.add_font(FONT, "B", str(bold))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_title(content.title)
        self.set_creator("qi-dash")
        self.set_lang("en-GB")

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_xy(MARGIN, PAGE_H - 8)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(BODY_W / 2, 4, f"{self.content.name} · {self.content.period} · data {self.content.data_as_of}")
        self.cell(BODY_W / 2, 4, f"Page {self.page_no()}", align="R")


class PdfWriter:
    """The PDF of a pack, made in two steps: each chart image is made ready to embed as it is
    drawn (``take``), while the rest are still being drawn; ``write`` then lays out the pages.

    A chart drawn for a PDF (``render``'s ``rgb`` PNG) is embedded as it is: its compressed rows
    are a PDF image's stream as they stand (``rgb_png``). Any other PNG is decoded and its pixels
    compressed again by fpdf2, about 0.05 s each, on two threads (both steps release Python's
    lock)."""

    def __init__(self, content: PackContent):
        self.content = content
        self._pdf = _Pack(content)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pack-images")
        self._taken: dict[str, tuple[bytes, Future]] = {}

    def take(self, image: bytes) -> None:
        key = _image_key(image)
        if key in self._taken:
            return
        info = rgb_png(image)
        if info is None:
            self._taken[key] = (image, self._pool.submit(get_img_info, "chart", io.BytesIO(image)))
        else:
            ready: Future = Future()
            ready.set_result(info)
            self._taken[key] = (image, ready)

    def _file_taken(self) -> None:
        """The prepared images into fpdf2's image store, in the order taken, as its
        ``preload_image`` files them (fpdf2 2.8.9): ``pdf.image`` then finds each by its key."""
        cache = self._pdf.image_cache
        for key, (image, prepared) in self._taken.items():
            info = prepared.result()
            if info.get("iccp") is not None:  # an ICC profile (Chromium writes none): fpdf2 files it itself
                preload_image(cache, io.BytesIO(image))
                continue
            info.update(i=len(cache.images) + 1, usages=0, iccp_i=None)
            cache.images[key] = info
        self._pool.shutdown()

    def write(self, images: Sequence[bytes]) -> bytes:
        """The pack as PDF bytes; ``images`` are the PNGs of ``content.charts``, in order."""
        content, pdf = self.content, self._pdf
        charts = content.charts
        if len(images) != len(charts):
            raise ValueError(f"{len(charts)} charts but {len(images)} images")
        for image in images:  # any not taken as drawn
            self.take(image)
        self._file_taken()
        _cover(pdf, content)
        image_of = dict(zip(map(id, charts), images))
        for section in content.sections:
            _summary(pdf, section)
            for chart in section.charts:
                _chart_page(pdf, section, chart, image_of[id(chart)])
        return bytes(pdf.output())


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rgb_png(image: bytes) -> RasterImageInfo | None:
    """What fpdf2 files for a PNG of 8-bit RGB pixels, not interlaced, with nothing but its
    header and pixels (as Chromium's screenshots are), read without decoding it: PNG compresses
    its rows as a PDF image's stream does with the PNG predictor, so its compressed rows are the
    stream. None for any other PNG."""
    if not image.startswith(PNG_SIGNATURE):
        return None
    at, header, rows = len(PNG_SIGNATURE), None, []
    while at + 8 <= len(image):
        length, kind = struct.unpack(">I4s", image[at:at + 8])
        body = image[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            rows.append(body)
        elif kind == b"IEND":
            break
        else:  # a palette, transparency, gamma, colour profile…: fpdf2 reads those
            return None
        at += 12 + length
    if header is None or header[2:] != (8, 2, 0, 0, 0) or not rows:  # bit depth, RGB, compression, filter, interlace
        return None
    width, height = header[:2]
    return RasterImageInfo(data=b"".join(rows), w=width, h=height, cs="DeviceRGB", iccp=None, bpc=8, dpn=3,
                           f="FlateDecode", inverted=False, dp=f"/Predictor 15 /Colors 3 /Columns {width}")


def _image_key(image: bytes) -> str:
    """The key fpdf2 files an image's bytes under (``preload_image``: the MD5 of the bytes)."""
    return hashlib.md5(image.strip(), usedforsecurity=False).hexdigest()


def write_pdf(content: PackContent, images: Sequence[bytes]) -> bytes:
    """The pack as PDF bytes; ``images`` are the PNGs of ``content.charts``, in order."""
    return PdfWriter(content).write(images)


def _text(pdf: FPDF, size: float, *, bold: bool = False, colour: tuple[int, int, int] = TEXT) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)


def _cover(pdf: _Pack, content: PackContent) -> None:
    pdf.add_page()
    pdf.set_fill_color(*NHS_BLUE)
    pdf.rect(0, 0, PAGE_W, 12, style="F")
    pdf.set_xy(MARGIN, 40)
    _text(pdf, 30, bold=True, colour=NHS_BLUE)
    pdf.multi_cell(BODY_W, 13, content.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _text(pdf, 16, colour=GREY)
    pdf.cell(BODY_W, 9, f"Quality improvement board pack · {content.level}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    for label, value in (("Period", content.period), ("Produced", f"{content.produced:%d/%m/%Y %H:%M} UTC"),
                         ("Data as of", content.data_as_of)):
        _text(pdf, 13, bold=True)
        pdf.cell(38, 8, label)
        _text(pdf, 13)
        pdf.cell(BODY_W - 38, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    _text(pdf, 12, bold=True)
    pdf.cell(BODY_W, 7, "In this pack", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _text(pdf, 11)
    for section in content.sections:
        words = f"{section.name} ({section.level}): {len(section.charts)} measure chart(s)"
        pdf.cell(BODY_W, 6, f"• {words}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if pdf.get_y() > PAGE_H - 30:
            pdf.cell(BODY_W, 6, "• …", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            break
    pdf.set_xy(MARGIN, PAGE_H - 22)
    _text(pdf, 9, colour=GREY)
    pdf.multi_cell(BODY_W, 4.5, "Charts follow NHS England's Making Data Count: grey points are common cause "
                   "variation, blue (diamond) special cause improvement, orange (square) special cause concern. "
                   "The icons say the latest point's variation and whether the target will be met.", align="L")


def _heading(pdf: FPDF, title: str, subtitle: str) -> None:
    pdf.set_xy(MARGIN, MARGIN)
    _text(pdf, 17, bold=True, colour=NHS_BLUE)
    pdf.cell(BODY_W - 2 * ICON_MM - 8, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _text(pdf, 9.5, colour=GREY)
    pdf.cell(BODY_W - 2 * ICON_MM - 8, 5, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _icon(pdf: FPDF, code: str, kind: str, x: float, y: float, size: float = ICON_MM) -> None:
    pdf.image(io.BytesIO(render.icon_png(code, kind)), x=x, y=y, w=size, h=size,
              alt_text=icons.icon_title(code, kind=kind))


def _summary(pdf: _Pack, section: PackSection) -> None:
    """The unit's summary table, continued on further pages when long."""
    lines = list(section.lines)
    for start in range(0, max(len(lines), 1), ROWS_PER_PAGE):
        pdf.add_page()
        more = " (continued)" if start else ""
        _heading(pdf, f"{section.name}: summary{more}",
                 f"{section.level.capitalize()} · {pdf.content.period} · each measure at its latest point, "
                 "outcome → process → balancing")
        pdf.ln(3)
        _table_head(pdf)
        for line in lines[start:start + ROWS_PER_PAGE]:
            _table_row(pdf, line)
        if not lines:
            _text(pdf, 11)
            pdf.cell(BODY_W, 10, "No data for this unit in the period.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if section.not_reported:
        _text(pdf, 8.5, colour=GREY)
        pdf.multi_cell(BODY_W, 4.5, "Not reported: " + ", ".join(section.not_reported) + ".", align="L")


def _table_head(pdf: FPDF) -> None:
    _text(pdf, 9, bold=True, colour=(255, 255, 255))
    pdf.set_fill_color(*NHS_BLUE)
    for name, width in COLUMNS:
        pdf.cell(width, 7, name, fill=True, align="C" if width <= 21 else "L")
    pdf.ln(7)


def _table_row(pdf: FPDF, line: BoardLine) -> None:
    x, y = MARGIN, pdf.get_y()
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, y + ROW_MM, PAGE_W - MARGIN, y + ROW_MM)
    texts = (line.name, None, None, line.latest, line.summary, line.family.capitalize())
    for (name, width), text in zip(COLUMNS, texts):
        if text is None:
            code, kind = (line.variation_icon, "variation") if name == "Variation" else (line.assurance_icon, "assurance")
            _icon(pdf, code, kind, x + (width - ICON_MM) / 2, y + (ROW_MM - ICON_MM) / 2)
        else:
            _text(pdf, 8.5, bold=name == "Measure")
            _fit(pdf, x + 1, y, width - 2, ROW_MM, text)
        x += width
    pdf.set_xy(MARGIN, y + ROW_MM)


def _fit(pdf: FPDF, x: float, y: float, width: float, height: float, text: str) -> None:
    """Text in a box, at most two lines, centred on the box's height; cut with "…" beyond."""
    lines = pdf.multi_cell(width, 4, text, dry_run=True, output="LINES")
    if len(lines) > 2:
        lines = [lines[0], lines[1].rstrip()[:-1] + "…"]
    top = y + (height - 4 * len(lines)) / 2
    for i, part in enumerate(lines):
        pdf.set_xy(x, top + 4 * i)
        pdf.cell(width, 4, part)


def _chart_page(pdf: _Pack, section: PackSection, chart: PackChart, image: bytes) -> None:
    line = chart.line
    pdf.add_page()
    _heading(pdf, line.name, f"{section.name} · {line.family} measure · {chart.caption}")
    _icon(pdf, line.variation_icon, "variation", PAGE_W - MARGIN - 2 * ICON_MM - 3, MARGIN + 1, 11)
    _icon(pdf, line.assurance_icon, "assurance", PAGE_W - MARGIN - ICON_MM, MARGIN + 1, 11)
    _text(pdf, 10.5, bold=True)
    pdf.set_xy(MARGIN, MARGIN + 14)
    pdf.cell(BODY_W, 5.5, f"Latest: {line.latest} — {line.summary}")
    top = MARGIN + 21
    width = CHART_H * render.PRINT_WIDTH / render.PRINT_HEIGHT
    pdf.image(io.BytesIO(image), x=MARGIN + (BODY_W - width) / 2, y=top, w=width, h=CHART_H,
              alt_text=f"SPC chart of {line.name} for {section.name}")
    words_top = top + CHART_H + 2
    column = (BODY_W - 8) / 3
    about = [chart.definition, *([chart.target] if chart.target else []), *chart.aims]
    blocks = (("About this measure", about),
              ("Signals", list(chart.signals) or ["No special cause signals in the period."]),
              ("PDSA cycles and comments", [*chart.cycles, *chart.comments] or ["No PDSA cycles or comments on this chart."]))
    for i, (title, texts) in enumerate(blocks):
        _block(pdf, MARGIN + i * (column + 4), words_top, column, PAGE_H - 10 - words_top, title, texts)


def _block(pdf: FPDF, x: float, y: float, width: float, height: float, title: str, texts: Sequence[str]) -> None:
    """A titled column of short paragraphs; what does not fit ends in "…" (the app has the rest)."""
    pdf.set_xy(x, y)
    _text(pdf, 8.5, bold=True, colour=NHS_BLUE)
    pdf.cell(width, 4.5, title)
    bottom, at = y + height, y + 5
    _text(pdf, 7.5)
    for text in texts:
        lines = pdf.multi_cell(width, 3.4, text, dry_run=True, output="LINES")
        room = int((bottom - at) // 3.4)
        if room <= 0:
            break
        if len(lines) > room:
            lines = [*lines[:room - 1], lines[room - 1].rstrip()[:-1] + "…"]
        for part in lines:
            pdf.set_xy(x, at)
            pdf.cell(width, 3.4, part)
            at += 3.4
        at += 1.2
