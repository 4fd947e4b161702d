"""Benchmark of the app server's memory for the largest uploads (issue 12, item 7).

Starts the app (``streamlit run`` on 127.0.0.1, ``tests/e2e/app_server.running_app``) and
uploads, through its Upload page in Debian's Chromium (Playwright), each of:

(a) the largest accepted file: a 100,000-row canonical xlsx (the demo's teams and measures,
    as ``ingest_bench.py`` builds it) into a store with the demo measures and hierarchy,
    previewed and saved; target: peak under 500 MB above idle;
(b) a refused CSV of just under 20 MB (the upload limit) with about a million problems (each
    row's period and number are wrong, the numbers each differently); target: under 300 MB.

Each file gets a fresh server. "idle" is the server's resident memory (VmRSS) once the
Upload page has been shown; the peak is VmHWM, the kernel's high-water mark, reset just before
the file is chosen (``/proc/PID/clear_refs``), so the peak is the upload's alone. "after"
is VmRSS once the browser has left the Upload page and closed (the session's upload
released), which says what the server keeps.

Run: python benchmarks/memory_bench.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from playwright.sync_api import expect, sync_playwright

from qi_dash import bootstrap
from qi_dash.store import Store
from tests.builders import demo_rows, frame_cells
from tests.e2e.app_server import running_app, settle
from tests.e2e.conftest import CHROMIUM
from tests.fixtures_hostile import write_xlsx

ACCEPTED_ROWS = 100_000
UPLOAD_LIMIT = 20 * 1000 * 1000  # .streamlit/config.toml: 20 MB, which the uploader counts in millions of bytes
TARGETS_MB = {"accepted": 500, "refused": 300}
MB = 1024 * 1024


def accepted_file(folder: Path) -> Path:
    return write_xlsx(folder / "canonical-100k.xlsx", {"Data": frame_cells(demo_rows(ACCEPTED_ROWS))})


def refused_file(folder: Path) -> tuple[Path, int]:
    """Rows whose period is not a date and whose number is not one (each a different text),
    as many as fit under the upload limit; returns the file and its number of problems."""
    header = "team,measure,period,numerator,denominator,value,comment\n"
    lines, size, n = [header], len(header), 0
    while True:
        line = f"W-ASH,PRN,x,,,y{n:x},\n"
        if size + len(line) > UPLOAD_LIMIT - 1024:
            break
        lines.append(line)
        size += len(line)
        n += 1
    path = folder / "refused.csv"
    path.write_text("".join(lines))
    return path, 2 * n


def empty_database(folder: Path) -> Path:
    path = folder / "qi_dash.duckdb"
    store = Store.open(path)
    bootstrap.init_store(store, bootstrap.STANDARD_MEASURES, bootstrap.DEMO_HIERARCHY)
    store.close()
    return path


def server_pid(url: str) -> int:
    """The process serving ``url``: the ``streamlit run`` started with its port."""
    port = url.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args:
            return int(cmdline.parent.name)
    raise RuntimeError(f"No server process found for {url}.")


def status_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1)) / 1024


def measure(name: str, file: Path, db: Path, folder: Path, saved: str | None) -> dict[str, float]:
    """Idle, peak and after (MB) of a fresh server while ``file`` is uploaded; saved when
    ``saved`` (the text that says so) is given, else the page must refuse it."""
    with running_app(db, folder / f"{name}.log") as url, sync_playwright() as p:
        pid = server_pid(url)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/Upload")
        settle(page, timeout=300_000)
        time.sleep(2)
        idle = status_mb(pid, "VmRSS")
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the high-water mark starts again from here
        started = time.monotonic()
        page.set_input_files('input[type="file"]', str(file))
        if saved:
            expect(page.get_by_text("Rows to add")).to_be_visible(timeout=600_000)
            page.get_by_role("button", name=re.compile(r"Save [\d,]+ change")).click()
            expect(page.get_by_text(saved)).to_be_visible(timeout=600_000)
        else:
            expect(page.get_by_text(re.compile("was not saved: [\\d,]+ problem"))).to_be_visible(timeout=600_000)
        seconds = time.monotonic() - started
        settle(page, timeout=600_000)
        peak = status_mb(pid, "VmHWM")
        page.goto(f"{url}/Glossary")  # the session leaves the Upload page
        settle(page, timeout=300_000)
        browser.close()
        time.sleep(5)
        after = status_mb(pid, "VmRSS")
    return {"idle": idle, "peak": peak, "after": after, "seconds": seconds}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = accepted_file(folder)
        refused, problems = refused_file(folder)
        cases = [
            ("accepted", f"{ACCEPTED_ROWS:,}-row canonical xlsx ({big.stat().st_size / 1e6:.1f} MB), previewed and saved",
             big, f"Saved {big.name}: {ACCEPTED_ROWS} added"),
            ("refused", f"refused CSV ({refused.stat().st_size / 1e6:.1f} MB, {problems:,} problems)", refused, None),
        ]
        print("Server memory (MB): idle = VmRSS on the Upload page; peak = VmHWM during the upload; "
              "after = VmRSS once the browser left and closed")
        for name, what, file, saved in cases:
            db = empty_database(folder / name)
            m = measure(name, file, db, folder / name, saved)
            above = m["peak"] - m["idle"]
            verdict = "OK" if above < TARGETS_MB[name] else "OVER"
            print(f"{what}: idle {m['idle']:.0f}, peak {m['peak']:.0f} ({above:.0f} above idle; target < "
                  f"{TARGETS_MB[name]}: {verdict}), after {m['after']:.0f} ({m['after'] - m['idle']:+.0f}); "
                  f"{m['seconds']:.1f} s", flush=True)


if __name__ == "__main__":
    main()
