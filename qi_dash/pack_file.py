"""A board pack file from its content: the chart images drawn together (``render``), each
handed to the PDF or PowerPoint writer as it is finished, then the file written. The one path
the app, the command line and the benchmark use.

A caller that starts the ``render.Renderer`` before it reads the pack's content has Chromium
start, and draw each chart as soon as its figure is made, while the content is read:

    with renderer_for(measures, "pdf") as renderer:
        content = read_pack(store, unit, measures=measures, draw=renderer.draw)
        data = pack_bytes(content, "pdf", renderer=renderer)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qi_dash import render
from qi_dash.pack import FORMATS, PackContent, PackError
from qi_dash.pack_pdf import PdfWriter
from qi_dash.pack_pptx import PptxWriter

WRITERS = {"pdf": PdfWriter, "pptx": PptxWriter}
# What share of the work the images are (the rest: writing the file), for a progress bar.
IMAGES_SHARE = 0.9
# A pack's charts at 1.5 × their CSS size, 1650 × 750 pixels: about 175 dpi across the 24 cm a
# chart takes on an A4 landscape page (190 on a slide), where text and lines read as sharply as
# at 2 × (pages rendered by pdftoppm at 200 dpi compared), with half the pixels to draw and carry.
PACK_SCALE = 1.5

Progress = Callable[[float, str], None]  # (fraction done, what is being done)


def renderer_for(measures: Sequence[str] | None, fmt: str) -> render.Renderer:
    """The drawing processes for a ``fmt`` pack of ``measures`` (None: all), started before its
    content is read: one for a single measure's pack (a team's is one chart), else one per core."""
    return _renderer(1 if measures is not None and len(measures) == 1 else render.WORKERS, fmt)


def _renderer(workers: int, fmt: str) -> render.Renderer:
    """A pack's drawing processes: charts at the pack's scale, RGB PNGs for a PDF (``render``)."""
    return render.Renderer(workers=workers, scale=PACK_SCALE, rgb=fmt == "pdf")


def format_of(path: Path | str) -> str:
    """"pdf" or "pptx" from a file name's suffix."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise PackError(f"{Path(path).name}: a board pack is a .pdf or a .pptx file.")
    return fmt


def pack_bytes(content: PackContent, fmt: str, *, progress: Progress | None = None,
               renderer: render.Renderer | None = None) -> bytes:
    """The pack as a PDF or PPTX file's bytes, its charts drawn by ``renderer`` (default: one
    started here)."""
    if fmt not in WRITERS:
        raise PackError(f"A board pack is {' or '.join(FORMATS.values())}, not {fmt!r}.")
    writer = WRITERS[fmt](content)
    figures = [chart.figure for chart in content.charts]

    def drawn(done: int, total: int) -> None:
        if progress is not None:
            progress(IMAGES_SHARE * done / total, f"Drawing charts: {done} of {total}")

    if progress is not None:
        progress(0.0, f"Drawing {len(figures)} chart(s)")
    images = [b""] * len(figures)
    with renderer or _renderer(max(1, min(len(figures), render.WORKERS)), fmt) as drawing:
        for figure in figures[drawing.given:]:  # those the content's reader did not give it already
            drawing.draw(figure)
        for index, image in drawing.images(drawn):
            images[index] = image
            writer.take(image)
        if progress is not None:
            progress(IMAGES_SHARE, f"Writing the {FORMATS[fmt]} file")
        # Written before leaving: meanwhile the drawing processes close their Chromium.
        data = writer.write(images)
    if progress is not None:
        progress(1.0, "Done")
    return data
