"""Small multiples: 24 separate compact figures, or one figure of 24 subplots — which draws faster?

The same 24 teams' SPC results (a page of the Multiples page, from an organisation of 428
teams) drawn both ways. For each way it prints the median of several runs of
* building: the Plotly figure(s) in Python and their JSON (what Streamlit sends), and
* drawing: ``Plotly.newPlot`` in headless Chromium until every plot has drawn (1280×720),
and the JSON's size. The ways take turns, and the fastest run is the fairest
comparison on a shared machine.

    python benchmarks/multiples_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import plotly
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from qi_dash import charts, comparison  # noqa: E402
from qi_dash.chart_multiples import Panel, multiples_figure  # noqa: E402
from qi_dash.definitions import read_definitions  # noqa: E402
from qi_dash.bootstrap import STANDARD_MEASURES  # noqa: E402
from tests.builders import many_teams  # noqa: E402
from tests.e2e.conftest import CHROMIUM  # noqa: E402

PANELS = 24
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def separate(results, teams, definition) -> list[str]:
    figures = []
    for team in teams:
        result = results[team]
        figure = charts.spc_figure(result.points, result.phases, definition, compact=True, height=220)
        figures.append(figure.to_json())
    return figures


def subplots(results, teams, definition) -> list[str]:
    panels = [Panel(team, team, f"./Measure?team={team}", results[team]) for team in teams]
    return [multiples_figure(panels, definition, comparison.shared_range(results, definition)).to_json()]


def timed_build(build) -> tuple[float, list[str]]:
    start = time.perf_counter()
    out = build()
    return time.perf_counter() - start, out


DRAW = """async (specs) => {
  document.body.innerHTML = '';
  const start = performance.now();
  for (const spec of specs) {
    const div = document.createElement('div');
    div.style.width = specs.length > 1 ? '300px' : '1240px';
    div.style.display = 'inline-block';
    document.body.appendChild(div);
    const figure = JSON.parse(spec);
    await Plotly.newPlot(div, figure.data, figure.layout, {displaylogo: false});
  }
  await new Promise(requestAnimationFrame);
  return performance.now() - start;
}"""


def timed_draw(page, specs: list[str]) -> float:
    return page.evaluate(DRAW, specs) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    _, rows = many_teams(428, 274, 36, ["SAFETY_PLAN"])
    observations = rows.rename(columns={"team": "unit"})
    observations["period"] = observations["period"].astype("datetime64[ns]")
    definition = next(d for d in read_definitions(STANDARD_MEASURES) if d.code == "SAFETY_PLAN")
    results = comparison.team_results(observations, definition, sorted(observations["unit"].unique()))
    teams = comparison.ordered_teams(results, {}, by_signal=True)[:PANELS]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "blank.html"
        page_file.write_text(f"<html><head><script>{PLOTLY_JS.read_text()}</script></head><body></body></html>")
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(page_file.as_uri())
        ways = (("24 figures", separate), ("1 figure, 24 subplots (the page)", subplots))
        found: dict[str, dict[str, list[float]]] = {name: {"build": [], "draw": []} for name, _ in ways}
        sizes = {}
        for run in range(args.runs + 1):  # the ways take turns, so a busy moment of the machine hits both
            for name, build in ways:
                built, specs = timed_build(lambda: build(results, teams, definition))
                drawn = timed_draw(page, specs)
                if run:  # the first run warms Python's and the browser's caches
                    found[name]["build"].append(built)
                    found[name]["draw"].append(drawn)
                sizes[name] = sum(len(s) for s in specs) / 1024
        print(f"{PANELS} teams' SPC charts (36 months each), {args.runs} runs each: fastest / median")
        for name, _ in ways:
            build, draw = found[name]["build"], found[name]["draw"]
            print(f"{name:>34}: build {min(build) * 1000:6.0f} / {statistics.median(build) * 1000:6.0f} ms · "
                  f"draw {min(draw) * 1000:6.0f} / {statistics.median(draw) * 1000:6.0f} ms · "
                  f"JSON {sizes[name]:4.0f} KiB")
        browser.close()


if __name__ == "__main__":
    main()
