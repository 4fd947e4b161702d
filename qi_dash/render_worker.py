"""The process that draws chart images for ``render``: ``python qi_dash/render_worker.py FOLDER``.

It starts a headless Chromium (through choreographer, the browser driver Plotly's own static
export uses), opens one page with plotly.js loaded once, and draws every figure it is asked for
on that page. Loading plotly.js once is the saving: Plotly's static export (kaleido) reloads its
page, and so parses plotly.js again, after every image. Images are ``Plotly.toImage``'s, but for
an RGB PNG (``"rgb"``): the chart drawn on the page (a static plot, as ``Plotly.toImage`` draws
it) at the image's pixel ratio and captured by Chromium's screenshot, which writes an opaque
picture as RGB. A PDF holds those compressed pixels as they are (``pack_pdf``), where
``Plotly.toImage``'s PNG (a canvas's, RGBA) has to be decoded and compressed again; the capture
costs Chromium a little more (about 0.015 s a chart).

It lives in a process of its own so that ``render`` can bound the whole job and end it at any
point — Chromium's start included — by killing this process and Chromium's.

Talk, one JSON object a line. In on stdin: first ``{"format", "rgb", "width", "height", "scale",
"plotly_js"}``, then ``{"draw": i}`` for the figure in FOLDER/i.json; end of input ends the
work. Out on stdout: ``{"browser": pid}`` once Chromium runs (its process group: killable),
``{"ready": true}`` once plotly.js is loaded, ``{"done": i}`` once FOLDER/i.png (or .svg) is
written, and ``{"error": words}`` before giving up.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path

import choreographer as choreo
from choreographer.errors import BrowserClosedError, BrowserFailedError, ChannelClosedError, ChromeNotFoundError

# Each figure drawn where Plotly's static export draws it (a detached copy), to the image only.
DRAW = "(spec, opts) => Plotly.toImage({data: spec.data || [], layout: spec.layout || {}, config: {}}, opts)"
# An RGB PNG's chart drawn on the page, at its top left, replacing the one before.
DRAW_ON_PAGE = ("(spec) => Plotly.newPlot(document.getElementById('chart'), spec.data || [], spec.layout || {}, "
                "{staticPlot: true}).then(() => true)")
# Whether the page is ours, loaded, with plotly.js (its script runs before the page is complete).
PAGE_STATE = ("location.href !== {url} || document.readyState !== 'complete' ? 'other' "
              ": typeof Plotly === 'object' ? 'ready' : 'no-plotly'")
PAGE = ('<!DOCTYPE html><html><head><meta charset="utf-8"><script src="{plotly}"></script></head>'
        '<body style="margin: 0"><div id="chart"></div></body></html>')


class DrawError(RuntimeError):
    """Plotly could not draw a figure; the message is plotly.js's."""


class NoPlotly(RuntimeError):
    """The page loaded without plotly.js; the message is the file it was to come from."""


def say(**message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def load_page(tab: choreo.Tab, url: str, plotly_js: str) -> None:
    loaded = tab.subscribe_once("Page.loadEventFired")
    await tab.send_command("Page.enable")
    await tab.send_command("Page.navigate", params={"url": url})
    await loaded
    # The load heard may be the new tab's own about:blank, still loading on a busy machine, not
    # ours: wait for our page. ``render`` bounds the wait (its start limit).
    while True:
        try:
            state = await evaluate(tab, PAGE_STATE.format(url=json.dumps(url)))
        except DrawError:  # asked while one page gave way to the next
            state = "other"
        if state == "ready":
            return
        if state == "no-plotly":
            raise NoPlotly(plotly_js)
        await asyncio.sleep(0.02)


async def evaluate(tab: choreo.Tab, expression: str) -> object:
    """The value of a script run on the page (awaited); ``DrawError`` with the script's error."""
    reply = await tab.send_command("Runtime.evaluate", params={
        "expression": expression, "awaitPromise": True, "returnByValue": True})
    result = reply.get("result", {})
    if "error" in reply or "exceptionDetails" in result:
        details = result.get("exceptionDetails", {})
        said = details.get("exception", {}).get("description") or details.get("text") or str(reply.get("error"))
        raise DrawError(said.splitlines()[0])  # the error, not where in the script it was
    return result["result"]["value"]


async def draw(tab: choreo.Tab, spec_json: str, job: dict) -> bytes:
    if job["format"] == "png" and job["rgb"]:
        return await draw_on_page(tab, spec_json, job)
    opts = {"format": job["format"], "width": job["width"], "height": job["height"], "scale": job["scale"],
            "imageDataOnly": True}
    data = str(await evaluate(tab, f"({DRAW})({spec_json}, {json.dumps(opts)})"))
    return data.encode("utf-8") if job["format"] == "svg" else base64.b64decode(data)


async def draw_on_page(tab: choreo.Tab, spec_json: str, job: dict) -> bytes:
    await evaluate(tab, f"({DRAW_ON_PAGE})({spec_json})")
    # The chart's own area; the page's pixel ratio (``job["scale"]``) makes it the image's size.
    # Chromium's faster compression: files about a third larger, for about 0.02 s less a chart.
    reply = await tab.send_command("Page.captureScreenshot", params={
        "format": "png", "optimizeForSpeed": True,
        "clip": {"x": 0, "y": 0, "width": job["width"], "height": job["height"], "scale": 1}})
    if "error" in reply:
        raise DrawError(f"Chromium could not capture the chart ({reply['error'].get('message', reply['error'])})")
    return base64.b64decode(reply["result"]["data"])


async def work(folder: Path) -> None:
    loop = asyncio.get_running_loop()
    job = json.loads(sys.stdin.readline())
    page = folder / "page.html"
    page.write_text(PAGE.format(plotly=Path(job["plotly_js"]).as_uri()), encoding="utf-8")
    # The browser's profile inside the job's folder, which ``render`` removes whatever happens.
    # Without extensions (Chromium's own, on by default here): less to start, nothing the charts use.
    browser = choreo.Browser(headless=True, enable_extensions=False, tmp_dir=str(folder))
    opening = asyncio.create_task(browser.open())
    # Chromium's process (the leader of its own process group) is told as soon as it exists, so
    # that ``render`` can kill it even if it never finishes starting.
    while not hasattr(browser, "subprocess") and not opening.done():
        await asyncio.sleep(0.02)
    if hasattr(browser, "subprocess"):
        say(browser=browser.subprocess.pid)
    await opening
    try:
        # choreographer stops looking for Chromium's first tab after about 2 s, which a busy
        # machine can take: then a tab of our own.
        tab = browser.get_tab() or await browser.create_tab()
        if job["rgb"]:  # the page at the image's size and pixel ratio, for its screenshots
            await tab.send_command("Emulation.setDeviceMetricsOverride", params={
                "width": job["width"], "height": job["height"], "deviceScaleFactor": job["scale"], "mobile": False})
        await load_page(tab, page.as_uri(), job["plotly_js"])
        say(ready=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            index = json.loads(line)["draw"]
            image = await draw(tab, (folder / f"{index}.json").read_text(encoding="utf-8"), job)
            (folder / f"{index}.{job['format']}").write_bytes(image)
            say(done=index)
    finally:
        await browser.close()


def main() -> int:
    try:
        asyncio.run(work(Path(sys.argv[1])))
    except ChromeNotFoundError:
        say(error="no-browser")
        return 1
    except (BrowserFailedError, BrowserClosedError) as err:
        say(error=f"Chromium stopped ({err})")
        return 1
    # How choreographer ends a wait on a Chromium that has gone: its channel closed, or the wait
    # cancelled, depending on which of its tasks notices first.
    except (ChannelClosedError, asyncio.CancelledError):
        say(error="Chromium stopped while drawing")
        return 1
    except DrawError as err:
        say(error=f"Plotly could not draw a chart: {err}")
        return 1
    except NoPlotly as err:
        say(error=f"plotly.js could not be loaded from {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
