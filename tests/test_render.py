"""Chart images drawn by the renderer's own processes (``render`` and ``render_worker``): the
same pictures as Plotly draws them, from a figure or its plain dict, in any number of
processes; and a job that cannot finish ends in words with every process it started gone."""

from __future__ import annotations

import io
import os
import signal
import time

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image, ImageChops

from qi_dash import render


def _figure(title: str, colour: str) -> go.Figure:
    return go.Figure(go.Scatter(x=[1, 2, 3, 4], y=[3, 1, 4, 1], mode="lines+markers", line={"color": colour}),
                     layout={"title": {"text": title}})


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    return {colour for _, colour in Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 22)}


def test_each_figure_comes_back_as_its_own_image_in_the_order_given():
    figures = [_figure("first", "#DE1B1B"), _figure("second", "#00B0F0").to_dict(), _figure("third", "#E46C0A")]
    images = render.render_images(figures, workers=2)
    assert [Image.open(io.BytesIO(png)).size for png in images] == [(2200, 1000)] * 3
    for png, colour, others in zip(images, [(0xDE, 0x1B, 0x1B), (0x00, 0xB0, 0xF0), (0xE4, 0x6C, 0x0A)],
                                   [[(0x00, 0xB0, 0xF0)], [(0xDE, 0x1B, 0x1B)], [(0x00, 0xB0, 0xF0)]]):
        seen = _colours(png)
        assert colour in seen and not any(other in seen for other in others)


def test_rgb_pngs_are_the_same_pictures_without_an_alpha_channel():
    figures = [_figure("first", "#DE1B1B"), _figure("second", "#00B0F0")]
    plotlys, rgbs = render.render_images(figures), render.render_images(figures, rgb=True)
    for plotly_png, rgb_png in zip(plotlys, rgbs):
        plotly_image, rgb_image = Image.open(io.BytesIO(plotly_png)), Image.open(io.BytesIO(rgb_png))
        assert (plotly_image.mode, rgb_image.mode) == ("RGBA", "RGB") and rgb_image.size == plotly_image.size
        # The same picture but for anti-aliasing: at most a few percent of pixels differ, slightly.
        difference = np.asarray(ImageChops.difference(plotly_image.convert("RGB"), rgb_image)).max(axis=2)
        assert (difference > 64).mean() < 0.01 and (difference > 0).mean() < 0.05
    assert _colours(rgbs[0]) >= {(0xDE, 0x1B, 0x1B)} and (0x00, 0xB0, 0xF0) not in _colours(rgbs[0])


def test_svg_holds_the_words_in_the_print_font():
    svg = render.figure_image(_figure("Falls per 1,000 bed days", "#DE1B1B").to_dict(), "svg").decode("utf-8")
    assert svg.startswith("<svg") and "Falls per 1,000 bed days" in svg and "Liberation Sans" in svg


def test_print_spec_leaves_the_figure_as_it_is():
    figure = _figure("kept", "#DE1B1B").to_dict()
    before = repr(figure)
    spec = render.print_spec(figure)
    assert repr(figure) == before
    assert spec["layout"]["width"] == render.PRINT_WIDTH and spec["layout"]["paper_bgcolor"] == "#FFFFFF"


def test_images_are_given_as_they_are_finished_with_progress():
    seen = []
    with render.Renderer(workers=1) as renderer:
        renderer.draw(_figure("a", "#DE1B1B"))
        renderer.draw(_figure("b", "#00B0F0"))
        got = dict(renderer.images(lambda done, total: seen.append((done, total))))
    assert sorted(got) == [0, 1] and seen == [(1, 2), (2, 2)]


@pytest.fixture
def browser_that_never_starts(tmp_path, monkeypatch):
    """A "Chromium" that hangs as it starts, saying where it is."""
    script = tmp_path / "chromium"
    pid_file = tmp_path / "pid"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(script))
    return pid_file


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child not yet reaped by its parent (gone with it) is a zombie: not running.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _gone_soon(pid: int) -> bool:
    """Whether the process has ended within 5 s (a killed process group ends asynchronously)."""
    for _ in range(50):
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_a_browser_that_never_starts_ends_in_words_and_every_process_goes(browser_that_never_starts):
    renderer = render.Renderer(workers=1, start_limit=3)
    worker = renderer._workers[0].process.pid
    with (pytest.raises(render.RenderError, match="The charts could not be drawn: Chromium did not start within 3 s"),
          renderer):
        renderer.draw(_figure("never", "#DE1B1B"))
        list(renderer.images())
    browser = int(browser_that_never_starts.read_text())
    assert not _alive(worker)
    # The hung "browser" is killed with its process group, not merely left to its parent.
    assert _gone_soon(browser)


def test_a_renderer_left_early_leaves_no_process(browser_that_never_starts):
    with render.Renderer(workers=2, start_limit=60) as renderer:
        workers = [worker.process.pid for worker in renderer._workers]
    assert not any(_alive(pid) for pid in workers)


def test_a_missing_plotly_js_ends_in_words_naming_it(monkeypatch, tmp_path):
    missing = tmp_path / "missing-plotly.min.js"
    monkeypatch.setattr(render, "PLOTLY_JS", missing)
    with pytest.raises(render.RenderError) as raised:
        render.render_images([_figure("no plotly.js", "#DE1B1B")], workers=1)
    assert str(raised.value) == f"The charts could not be drawn: plotly.js could not be loaded from {missing}."


def test_a_chart_plotly_cannot_draw_ends_in_plotlys_words():
    with pytest.raises(render.RenderError) as raised:
        render.render_images([{"data": [None], "layout": {}}], fmt="svg", workers=1)
    assert str(raised.value) == ("The charts could not be drawn: Plotly could not draw a chart: "
                                 "TypeError: Cannot read properties of null (reading 'type').")


def _started(renderer: render.Renderer) -> int:
    """Chromium's process group once the (only) drawing process has loaded plotly.js."""
    until = time.monotonic() + 60
    while not renderer._workers[0].ready:
        assert time.monotonic() < until, "Chromium did not start within 60 s"
        renderer._poll(0.1)
    return renderer._workers[0].browser


def test_a_chromium_that_stops_answering_ends_in_words_within_the_time_limit():
    with render.Renderer(workers=1, chart_limit=3) as renderer:
        browser = _started(renderer)
        os.killpg(browser, signal.SIGSTOP)  # alive, holding every pipe open, never answering
        renderer.draw(_figure("never drawn", "#DE1B1B"))
        started = time.monotonic()
        with pytest.raises(render.RenderError, match="0 of 1 were finished in the time allowed"):
            list(renderer.images())
        assert time.monotonic() - started < 3 + 2
        worker = renderer._workers[0].process.pid
    assert not _alive(worker)
    assert _gone_soon(browser)


def test_a_chromium_killed_while_drawing_ends_in_words():
    with render.Renderer(workers=1, chart_limit=20) as renderer:
        os.killpg(_started(renderer), signal.SIGKILL)
        renderer.draw(_figure("never drawn", "#DE1B1B"))
        started = time.monotonic()
        with pytest.raises(render.RenderError, match="The charts could not be drawn: .*Chromium"):
            list(renderer.images())
        assert time.monotonic() - started < 20
