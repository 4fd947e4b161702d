"""Chart and icon images made on the server: the app's own Plotly figures as PNG or SVG, drawn
by plotly.js in the machine's Chromium, and the Making Data Count icons (``icons.icon_svg``)
as PNG for documents that cannot hold SVG.

Most of a board pack's time is spent here. A ``Renderer`` starts its drawing processes
(``render_worker``: each a Chromium with plotly.js loaded once) as it is made, so a pack can
start them before it reads its content, then hands out figures one by one to whichever
process is free and gives back each image as it is finished. The whole job is bounded: if
Chromium does not start, or the images are not finished in time, the processes are killed and
the job ends in words (``RenderError``), never a progress bar that never ends.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Self

import plotly
import plotly.graph_objects as go
from plotly.io.json import to_json_plotly

from qi_dash import icons

FORMATS = ("png", "svg")
# Print size: 1100 × 500 CSS pixels at scale 2 is 2200 × 1000 pixels, about 220 dpi across
# the 25 cm a chart takes on an A4 landscape page or a 16:9 slide.
PRINT_WIDTH = 1100
PRINT_HEIGHT = 500
PRINT_SCALE = 2.0
# Fonts every machine with Chromium has (Liberation Sans has Arial's metrics).
PRINT_FONT = "Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
# Seconds allowed for Chromium to start and load plotly.js; then, once it has, at most
# CHART_LIMIT without a chart finished (a Chromium that stopped answering) and CHART_LIMIT per
# chart in all (a chart takes about 0.1 s on a quiet machine): generous, as a busy server is
# slow, but an end.
START_LIMIT = 60.0
CHART_LIMIT = 10.0
CLOSE_LIMIT = 5.0  # for the drawing processes to close Chromium once done, before they are killed
# One drawing process per core: each Chromium draws on one core (its tabs share a renderer).
WORKERS = max(1, min(2, os.cpu_count() or 1))
WORKER = Path(__file__).with_name("render_worker.py")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
NO_BROWSER = ("Chart images need Chromium on the server, and none was found. Install it "
              "(Debian: apt-get install chromium) or set BROWSER_PATH to a Chrome or Chromium.")

Figure = go.Figure | Mapping  # a Plotly figure, or its plain dict form
Progress = Callable[[int, int], None]  # (images done, images in all)


class RenderError(RuntimeError):
    """A chart image could not be made; the message says why in words."""


def print_spec(figure: Figure, *, width: int = PRINT_WIDTH, height: int = PRINT_HEIGHT) -> dict:
    """The figure as Plotly JSON at a fixed print size, in fonts every machine has; the figure
    itself is left as it is."""
    spec = dict(figure.to_dict() if isinstance(figure, go.Figure) else figure)
    layout = dict(spec.get("layout") or {})
    layout.update(width=width, height=height, autosize=False, paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF")
    layout["font"] = {**(layout.get("font") or {}), "family": PRINT_FONT}
    spec["layout"] = layout
    return spec


class Renderer:
    """Drawing processes for one batch of figures, started as this is made. Give it figures with
    ``draw`` (each is handed to a free process at once: a caller can go on with other work
    meanwhile), then take the images from ``images``. Use it as a context manager: leaving it
    ends the processes (killing any still running). ``rgb``: PNGs of RGB pixels, which a PDF
    holds as they are (``render_worker`` says how), rather than Plotly's own (RGBA)."""

    def __init__(self, fmt: str = "png", *, workers: int = WORKERS, width: int = PRINT_WIDTH,
                 height: int = PRINT_HEIGHT, scale: float = PRINT_SCALE, rgb: bool = False,
                 start_limit: float = START_LIMIT, chart_limit: float = CHART_LIMIT):
        if fmt not in FORMATS:
            raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
        self.fmt, self.width, self.height = fmt, width, height
        self.given = 0  # figures given to ``draw``, numbered from 0 in that order
        self._limits = (start_limit, chart_limit)
        self._started = time.monotonic()
        self._closed = False
        self._all_given = False
        self._waiting: deque[int] = deque()  # given, not yet handed to a process
        self._finished: deque[int] = deque()  # drawn, not yet taken from ``images``
        self._folder = Path(tempfile.mkdtemp(prefix="qi-dash-charts-"))
        self._selector = selectors.DefaultSelector()
        job = {"format": fmt, "rgb": rgb, "width": width, "height": height, "scale": scale,
               "plotly_js": str(PLOTLY_JS)}
        self._workers: list[_Worker] = []
        try:
            for _ in range(workers):
                worker = _Worker(self._folder, job)
                self._workers.append(worker)
                self._selector.register(worker.out, selectors.EVENT_READ, worker)
        except OSError as err:
            self.close()
            raise RenderError(f"The chart-drawing process could not be started ({err.strerror or err}).") from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def draw(self, figure: Figure) -> None:
        """Have the figure drawn, as the ``given``-th (from 0). Raises ``RenderError`` if the
        processes have already failed."""
        spec = print_spec(figure, width=self.width, height=self.height)
        # Read by whichever process draws it; Plotly's encoder turns NaN into null.
        (self._folder / f"{self.given}.json").write_text(to_json_plotly(spec), encoding="utf-8")
        self._waiting.append(self.given)
        self.given += 1
        self._poll(0)
        for worker in self._workers:
            self._hand_out(worker)

    def images(self, progress: Progress | None = None) -> Iterator[tuple[int, bytes]]:
        """(index, image) for each figure given, in the order they are finished; ``progress(done,
        total)`` as each is. Raises ``RenderError`` (and ends the processes) if they fail or
        are not done within the limits: ``start_limit`` seconds from the start for Chromium to
        start; then no more than ``chart_limit`` without a figure finished, and ``chart_limit``
        for each figure in all. The time a caller takes over each image is not counted."""
        self._all_given = True
        done = 0
        waited_from = time.monotonic()  # the wait for the next image started
        for worker in self._workers:
            self._hand_out(worker)
        while done < self.given:
            if self._finished:
                while self._finished:
                    index = self._finished.popleft()
                    done += 1
                    if progress is not None:
                        progress(done, self.given)
                    yield index, (self._folder / f"{index}.{self.fmt}").read_bytes()
                waited_from = time.monotonic()
                continue
            left = self._deadline(waited_from) - time.monotonic()
            if not (left > 0 and self._poll(left)):
                self.kill()
                raise RenderError(self._late_words(done))

    def _deadline(self, waited_from: float) -> float:
        start_limit, chart_limit = self._limits
        ready = [worker.ready_at for worker in self._workers if worker.ready_at is not None]
        if not ready:
            return self._started + start_limit
        first = min(ready)
        return min(max(waited_from, first) + chart_limit, first + chart_limit * self.given)

    def _poll(self, timeout: float) -> bool:
        """Take in what the processes have said, waiting up to ``timeout`` seconds for it;
        False if they said nothing."""
        events = self._selector.select(timeout)
        for key, _ in events:
            worker = key.data
            for message in worker.read():
                if message.get("error") == "ended" and worker.finished and not worker.drawing:
                    self._selector.unregister(worker.out)  # done with its share, it closed its Chromium
                elif "error" in message:
                    self.kill()
                    raise RenderError(_error_words(message["error"], worker.last_words()))
                elif "done" in message:
                    worker.drawing.discard(message["done"])
                    self._finished.append(message["done"])
            self._hand_out(worker)
        return bool(events)

    def _hand_out(self, worker: _Worker) -> None:
        """Keep the worker two figures ahead (it never waits for us); once every figure is given
        and none wait, tell it so, and it closes its Chromium as it finishes."""
        while worker.ready and self._waiting and len(worker.drawing) < 2:
            worker.draw(self._waiting.popleft())
        if self._all_given and not self._waiting and worker.ready:
            worker.finish()

    def _late_words(self, done: int) -> str:
        if not any(worker.ready for worker in self._workers):
            return (f"The charts could not be drawn: Chromium did not start within {self._limits[0]:.0f} s. "
                    "Try again when the server is less busy.")
        return (f"The charts could not be drawn: {done} of {self.given} were finished in the time allowed. "
                "Try again when the server is less busy.")

    def kill(self) -> None:
        for worker in self._workers:
            worker.kill()

    def close(self) -> None:
        """End the processes: each closes its Chromium once its input ends; any still running
        after ``CLOSE_LIMIT`` seconds is killed. Then the job's folder goes."""
        if self._closed:
            return
        self._closed = True
        until = time.monotonic() + CLOSE_LIMIT
        for worker in self._workers:
            worker.finish()
        for worker in self._workers:
            worker.end(until)
        self._selector.close()
        shutil.rmtree(self._folder, ignore_errors=True)


class _Worker:
    """One drawing process (``render_worker``), in a process group of its own."""

    def __init__(self, folder: Path, job: dict):
        self._log = folder / f"worker-{id(self)}.log"  # its own messages and Chromium's
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, str(WORKER), str(folder)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self.out = self.process.stdout
        # Read only what has arrived: no read of ours waits on a process (the deadline is ours).
        os.set_blocking(self.out.fileno(), False)
        self.browser: int | None = None  # Chromium's process group
        self.ready_at: float | None = None  # when plotly.js was loaded
        self.drawing: set[int] = set()
        self._buffer = b""
        self._send(job)

    def _send(self, message: dict) -> None:
        # A line of a few bytes into an empty pipe: never blocks. A dead worker is noticed by the reader.
        try:
            self.process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def draw(self, index: int) -> None:
        self.drawing.add(index)
        self._send({"draw": index})

    @property
    def finished(self) -> bool:
        return self.process.stdin.closed

    def last_words(self) -> str:
        """The last line the process wrote to its log (a Python error, say)."""
        lines = self._log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return lines[-1][:200] if lines else ""

    def finish(self) -> None:
        if not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass

    def read(self) -> list[dict]:
        """The messages that have arrived; a worker that ended without saying why says so."""
        try:
            chunk = os.read(self.out.fileno(), 1 << 16)
        except BlockingIOError:
            return []
        if not chunk:
            return [{"error": "ended"}]
        self._buffer += chunk
        return self.read_lines()

    def read_lines(self) -> list[dict]:
        *lines, self._buffer = self._buffer.split(b"\n")
        messages = [json.loads(line) for line in lines if line.strip()]
        for message in messages:
            if "browser" in message:
                self.browser = message["browser"]
            if "ready" in message and self.ready_at is None:
                self.ready_at = time.monotonic()
        return messages

    @property
    def ready(self) -> bool:
        return self.ready_at is not None

    def kill(self) -> None:
        """Kill the process, then Chromium's process group if it had started one (a Chromium
        that hangs as it starts would outlive its driver)."""
        if self.process.returncode is None:
            _kill_group(self.process.pid)
        self.process.wait()
        try:
            while chunk := os.read(self.out.fileno(), 1 << 16):  # what it said before it died
                self._buffer += chunk
        except BlockingIOError:
            pass  # all it said; the pipe is still open in another process
        self.read_lines()
        if self.browser is not None:
            _kill_group(self.browser)
            self.browser = None  # killed once: its number may be another's later

    def end(self, until: float) -> None:
        """Wait for the process to close its Chromium and end (killed if not ready, or if it
        takes past ``until``)."""
        try:
            if not self.ready:
                raise subprocess.TimeoutExpired(self.process.args, 0)
            self.process.wait(max(0.0, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
        self.out.close()


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _error_words(error: str, last_words: str) -> str:
    if error == "no-browser":
        return NO_BROWSER
    if error == "ended":
        said = f" ({last_words})" if last_words else ""
        return f"The charts could not be drawn: the drawing process stopped unexpectedly{said}; try again."
    return f"The charts could not be drawn: {error}."


def render_images(figures: Sequence[Figure], fmt: str = "png", *, width: int = PRINT_WIDTH,
                  height: int = PRINT_HEIGHT, scale: float = PRINT_SCALE, rgb: bool = False,
                  workers: int | None = None, progress: Progress | None = None) -> list[bytes]:
    """Each figure as a PNG or SVG image, in the order given, drawn in parallel (``workers``
    processes; default one per core, at most two); ``rgb`` as for ``Renderer``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not figures:
        return []
    images: list[bytes] = [b""] * len(figures)
    with Renderer(fmt, workers=min(len(figures), workers or WORKERS), width=width, height=height,
                  scale=scale, rgb=rgb) as renderer:
        for figure in figures:
            renderer.draw(figure)
        for index, image in renderer.images(progress):
            images[index] = image
    return images


def figure_image(figure: Figure, fmt: str = "png", **sizes: float) -> bytes:
    """One figure as a PNG or SVG image at print size."""
    return render_images([figure], fmt, workers=1, **sizes)[0]


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
