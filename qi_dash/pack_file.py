"""A board pack file from its content: the chart images rendered together (``render``), then the
PDF or PowerPoint writer. The one path the app, the command line and the benchmark use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qi_dash import render
from qi_dash.pack import FORMATS, PackContent, PackError
from qi_dash.pack_pdf import write_pdf
from qi_dash.pack_pptx import write_pptx

WRITERS = {"pdf": write_pdf, "pptx": write_pptx}
# What share of the work the images are (the rest: writing the file), for a progress bar.
IMAGES_SHARE = 0.9

Progress = Callable[[float, str], None]  # (fraction done, what is being done)


def format_of(path: Path | str) -> str:
    """"pdf" or "pptx" from a file name's suffix."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise PackError(f"{Path(path).name}: a board pack is a .pdf or a .pptx file.")
    return fmt


def pack_bytes(content: PackContent, fmt: str, *, progress: Progress | None = None) -> bytes:
    """The pack as a PDF or PPTX file's bytes."""
    if fmt not in WRITERS:
        raise PackError(f"A board pack is {' or '.join(FORMATS.values())}, not {fmt!r}.")
    charts = content.charts

    def drawn(done: int, total: int) -> None:
        if progress is not None:
            progress(IMAGES_SHARE * done / total, f"Drawing charts: {done} of {total}")

    if progress is not None:
        progress(0.0, f"Drawing {len(charts)} chart(s)")
    images = render.render_images([chart.figure for chart in charts], "png", progress=drawn)
    if progress is not None:
        progress(IMAGES_SHARE, f"Writing the {FORMATS[fmt]} file")
    data = WRITERS[fmt](content, images)
    if progress is not None:
        progress(1.0, "Done")
    return data
