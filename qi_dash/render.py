"""Chart and icon images made on the server: the app's own Plotly figures exported as PNG or SVG
by Plotly's static export (kaleido, driving the machine's Chromium), and the Making Data Count
icons (``icons.icon_svg``) as PNG for documents that cannot hold SVG.

Most of a board pack's time is spent here, so many figures are rendered together: one browser,
several tabs (``kaleido.Kaleido(n=…)``), each figure in the first free tab.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import kaleido
import plotly.graph_objects as go
from kaleido.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError, KaleidoError

from qi_dash import icons

FORMATS = ("png", "svg")
# Print size: 1100 × 500 CSS pixels at scale 2 is 2200 × 1000 pixels, about 220 dpi across
# the 25 cm a chart takes on an A4 landscape page or a 16:9 slide.
PRINT_WIDTH = 1100
PRINT_HEIGHT = 500
PRINT_SCALE = 2.0
# Fonts every machine with Chromium has (Liberation Sans has Arial's metrics).
PRINT_FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

Progress = Callable[[int, int], None]  # (images done, images in all)


class RenderError(RuntimeError):
    """A chart image could not be made; the message says why in words."""


def print_spec(figure: go.Figure, *, width: int = PRINT_WIDTH, height: int = PRINT_HEIGHT) -> dict:
    """The figure as Plotly JSON at a fixed print size, in fonts every machine has; the figure
    itself is left as it is (set on the plain dict: Plotly's validation of a copy costs more)."""
    spec = figure.to_dict()
    layout = spec.setdefault("layout", {})
    layout.update(width=width, height=height, autosize=False, paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF")
    layout["font"] = {**layout.get("font", {}), "family": PRINT_FONT}
    return spec


def render_images(
    figures: Sequence[go.Figure],
    fmt: str = "png",
    *,
    width: int = PRINT_WIDTH,
    height: int = PRINT_HEIGHT,
    scale: float = PRINT_SCALE,
    tabs: int | None = None,
    progress: Progress | None = None,
) -> list[bytes]:
    """Each figure as a PNG or SVG image, in the order given, rendered in parallel in ``tabs``
    browser tabs (default: one per processor, at least two). ``progress(done, total)`` is called
    as each image is finished."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not figures:
        return []
    tabs = tabs or min(len(figures), max(2, os.cpu_count() or 1))
    specs = [print_spec(f, width=width, height=height) for f in figures]
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    work = _render(specs, opts, tabs, progress)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    # Called from code already running an event loop (a notebook): render on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def figure_image(figure: go.Figure, fmt: str = "png", **sizes: float) -> bytes:
    """One figure as a PNG or SVG image at print size."""
    return render_images([figure], fmt, tabs=1, **sizes)[0]


async def _render(specs: list[dict], opts: dict, tabs: int, progress: Progress | None) -> list[bytes]:
    images: list[bytes | None] = [None] * len(specs)
    done = 0

    async def one(index: int, spec: dict) -> None:
        nonlocal done
        images[index] = await browser.calc_fig(spec, opts=opts)
        done += 1
        if progress is not None:
            progress(done, len(specs))

    try:
        # No MathJax: the charts use none, and loading it would reach out to the internet.
        async with kaleido.Kaleido(n=tabs, mathjax=False) as browser:
            await asyncio.gather(*(one(i, spec) for i, spec in enumerate(specs)))
    except ChromeNotFoundError as err:
        raise RenderError("Chart images need Chromium on the server, and none was found. Install it "
                          "(Debian: apt-get install chromium) or set BROWSER_PATH to a Chrome or Chromium.") from err
    except (BrowserFailedError, BrowserClosedError) as err:
        raise RenderError(f"Chromium stopped while drawing chart images ({err}); try again.") from err
    except KaleidoError as err:
        raise RenderError(f"Plotly could not draw a chart image: {err}") from err
    except (TimeoutError, asyncio.TimeoutError) as err:
        raise RenderError("Chromium took too long to draw a chart image; try again when the server is less busy.") from err
    return images  # every one is filled: gather raised on any failure


@lru_cache(maxsize=32)
def icon_png(code: str, kind: str, size: int = 96) -> bytes:
    """A Making Data Count icon (``icons.icon_svg``) as a PNG ``size`` pixels square."""
    # Imported here: CairoSVG loads the system's Cairo library as it is imported, and only
    # packs need it; the app starts without it.
    try:
        import cairosvg
    except OSError as err:
        raise RenderError(f"Board packs need the Cairo graphics library ({err}); install Debian's libcairo2.") from None
    return cairosvg.svg2png(bytestring=icons.icon_svg(code, size, kind=kind).encode("utf-8"),
                            output_width=size, output_height=size)
