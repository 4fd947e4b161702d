"""Faults during an upload: two people saving at the same moment, and a process killed while
it uploads. Nothing may be lost or half-written.

Two uploads at once go through one Store (as the app's sessions do), each planning and
committing on its own thread: both succeed, one after the other under the process-wide write
lock, or one is told plainly to try again. A CLI upload of a large file killed with SIGKILL
leaves the database exactly as before it, or — only once the commit is made — exactly as
after it; an export tells the two apart.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.ingest_bench import canonical_csv, demo_rows
from qi_dash.store import Store, StoreConflict, UploadSummary
from qi_dash.upload import commit, plan_upload
from tests.conftest import REPO, export_csv

HEADER = "team,measure,period,numerator,denominator,value,comment\n"
RETRY = "Someone else saved changes at the same moment; nothing of yours was saved. Please try again."


# --- two uploads at the same moment ------------------------------------------------------------


def weekly_file(team: str, start: date, weeks: int, offset: int) -> bytes:
    """A team's weekly counts and scores for ``weeks`` Mondays from ``start``; files with
    different offsets differ in every value."""
    lines = []
    for i in range(weeks):
        monday = f"{pd.Timestamp(start) + pd.Timedelta(weeks=i):%d/%m/%Y}"
        lines += [f"{team},HUDDLES,{monday},,,{(i + offset) % 40},",
                  f"{team},RESTRAINT,{monday},,,{(i * 7 + offset) % 9},",
                  f"{team},SAFE_SCORE,{monday},,,{(i + offset) % 100 / 10},note {offset}"]
    return (HEADER + "\n".join(lines) + "\n").encode()


def upload_together(store: Store, files: dict[str, bytes]) -> dict[str, UploadSummary | StoreConflict]:
    """Plan and commit each file on its own thread, all starting at the same moment."""
    start = threading.Barrier(len(files))
    outcomes: dict[str, UploadSummary | StoreConflict] = {}

    def upload(name: str, data: bytes) -> None:
        start.wait()
        plan = plan_upload(store, data, name)
        assert plan.ok, [str(p) for p in plan.problems]
        try:
            outcomes[name] = commit(store, plan, uploaded_by=name)
        except StoreConflict as conflict:
            outcomes[name] = conflict

    threads = [threading.Thread(target=upload, args=item) for item in files.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes) == set(files), "an upload thread failed"
    return outcomes


def values_as_uploaded(data: bytes) -> pd.DataFrame:
    """The file's rows as the store keeps them, keyed by team, measure and period."""
    frame = pd.read_csv(io.BytesIO(data), dtype={"comment": "string"})
    frame["period"] = pd.to_datetime(frame["period"], dayfirst=True)
    return frame.rename(columns={"team": "unit"}).set_index(["unit", "measure", "period"]).sort_index()


def current(store: Store, file: pd.DataFrame) -> pd.DataFrame:
    """What is stored for the file's teams over the file's periods."""
    periods = file.index.get_level_values("period")
    frame = store.observations(units=sorted(set(file.index.get_level_values("unit"))))
    frame = frame[frame["period"].between(periods.min(), periods.max())]
    return frame.set_index(["unit", "measure", "period"]).sort_index()


@dataclass(frozen=True)
class Tally:
    """The counts that every save moves."""

    uploads: int
    data_version: int
    history: int

    @classmethod
    def of(cls, store: Store) -> Tally:
        history = store._read("SELECT count(*) AS n FROM observation_history")["n"].iloc[0]
        return cls(len(store.uploads()), store.data_version(), int(history))


def check_saved_once(store: Store, outcomes: dict, files: dict[str, bytes],
                     before: Tally) -> list[tuple[str, UploadSummary]]:
    """The uploads table, the data version and the history account for exactly the uploads
    that succeeded, each once; one refused was told plainly and left nothing behind. Returns
    the saved uploads in the order they were committed."""
    saved = sorted(((n, o) for n, o in outcomes.items() if isinstance(o, UploadSummary)),
                   key=lambda item: item[1].upload_id)
    for outcome in outcomes.values():
        if isinstance(outcome, StoreConflict):
            assert str(outcome) == RETRY
    assert saved, "both uploads were refused"
    after = Tally.of(store)
    assert after.data_version == before.data_version + len(saved)
    assert after.uploads == before.uploads + len(saved)
    assert after.history == before.history + sum(s.added + s.updated for _, s in saved)
    uploads = store.uploads().set_index("upload_id")
    for name, summary in saved:
        row = uploads.loc[summary.upload_id]
        assert (row["file_name"], row["uploaded_by"], row["status"]) == (name, name, "saved")
        assert (row["rows_added"], row["rows_updated"], row["rows_unchanged"]) == (
            summary.added, summary.updated, summary.unchanged)
        assert summary.added + summary.updated + summary.unchanged == len(values_as_uploaded(files[name]))
    return saved


def first_monday(year: int) -> date:
    """The Monday of the week holding 1 January: each round writes its own years, long
    before the demo's data."""
    return pd.Timestamp(year, 1, 1).to_period("W-SUN").start_time.date()


@pytest.mark.parametrize("round_", range(3))
def test_two_people_uploading_different_teams_at_once_lose_nothing(demo_store, round_):
    first = first_monday(1960 + 20 * round_)
    files = {"ash.csv": weekly_file("W-ASH", first, 800, 1), "birch.csv": weekly_file("W-BIR", first, 800, 2)}
    before = Tally.of(demo_store)

    outcomes = upload_together(demo_store, files)

    saved = check_saved_once(demo_store, outcomes, files, before)
    for name, summary in saved:
        expected = values_as_uploaded(files[name])
        team = expected.index.get_level_values("unit")[0]
        stored = current(demo_store, expected)
        assert summary.added == len(expected) and summary.teams == [team]
        pd.testing.assert_frame_equal(stored[expected.columns], expected, check_dtype=False)
        assert (stored["upload_id"] == summary.upload_id).all()


@pytest.mark.parametrize("round_", range(3))
def test_two_people_uploading_the_same_team_at_once_leave_one_whole_upload(demo_store, round_):
    first = first_monday(1960 + 20 * round_)
    files = {"mine.csv": weekly_file("W-CED", first, 800, 1), "theirs.csv": weekly_file("W-CED", first, 800, 5)}
    before = Tally.of(demo_store)

    outcomes = upload_together(demo_store, files)

    saved = check_saved_once(demo_store, outcomes, files, before)
    # The later commit wins every row — never a mix of the two — and history keeps both.
    last_name, last_saved = saved[-1]
    expected = values_as_uploaded(files[last_name])
    stored = current(demo_store, expected)
    pd.testing.assert_frame_equal(stored[expected.columns], expected, check_dtype=False)
    assert (stored["upload_id"] == last_saved.upload_id).all()
    assert saved[0][1].added == len(expected)
    if len(saved) == 2:  # every value differs between the files: the second updated them all
        assert (last_saved.added, last_saved.updated) == (0, len(expected))
    history = demo_store._read("SELECT upload_id, count(*) AS n FROM observation_history GROUP BY upload_id")
    counts = dict(zip(history["upload_id"], history["n"]))
    assert [counts.get(s.upload_id) for _, s in saved] == [len(expected)] * len(saved)


# --- a process killed during an upload -------------------------------------------------------

BIG_ROWS = 200_000


@dataclass
class Watch:
    """What was seen of one CLI upload, in seconds from its start."""

    note: float | None = None  # the CLI printed its notes: reading and checking are done
    grew: float | None = None  # the database file grew: the transaction is writing its rows
    wal: float | None = None  # the write-ahead log appeared: the commit is being written
    saved: float | None = None  # the CLI reported the upload saved
    killed: float | None = None
    wal_left: bool = False  # a WAL was on disk once the process was dead
    returncode: int | None = None
    lines: list[str] = field(default_factory=list)

    def stage(self) -> str:
        """Where the process was when it was killed, by what had been seen by then."""
        if self.killed is None:
            return "finished"
        done = {name for name in ("note", "grew", "wal", "saved")
                if getattr(self, name) is not None and getattr(self, name) <= self.killed}
        if "saved" in done:
            return "after commit"
        if "wal" in done or self.wal_left:
            return "committing"
        if "grew" in done:
            return "write transaction, rows on disk"
        return "write transaction" if "note" in done else "reading"


def run_upload(db: Path, data: Path, kill_when=None) -> Watch:
    """Run ``python -m qi_dash upload`` and watch it every half millisecond: its output (a reader
    thread stamps each line), its database file's size and its WAL. ``kill_when(watch, now)``
    says when to send SIGKILL; without it the upload runs to the end."""
    watch, wal, size = Watch(), Path(f"{db}.wal"), db.stat().st_size
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # notes arrive as they are printed
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "qi_dash", "upload", str(data), "--db", str(db)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read_lines() -> None:
        for line in process.stdout:
            at = time.perf_counter() - started
            watch.lines.append(line.rstrip("\n"))
            if line.startswith("Note:") and watch.note is None:
                watch.note = at
            if line.startswith("Saved upload"):
                watch.saved = at

    reader = threading.Thread(target=read_lines)
    reader.start()
    try:
        while process.poll() is None:
            now = time.perf_counter() - started
            if watch.grew is None and db.stat().st_size > size:
                watch.grew = now
            if watch.wal is None and wal.exists():
                watch.wal = now
            if kill_when is not None and kill_when(watch, now):
                watch.killed = time.perf_counter() - started
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.0005)
        watch.returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        reader.join()
        process.stderr.close()
    if watch.returncode != -signal.SIGKILL:
        watch.killed = None  # it finished before the signal
    watch.wal_left = wal.exists()
    return watch


def export_file(db: Path) -> bytes:
    store = Store.open(db)  # replays a complete WAL, discards an incomplete one
    try:
        return export_csv(store)
    finally:
        store.close()


def test_a_killed_upload_leaves_the_database_as_before_or_as_after_never_between(tmp_path):
    """SIGKILL at each stage of a 200,000-row CLI upload, on a fresh copy of a demo database.

    How a kill is made to land inside the write transaction, with no hook in the app: the
    file has a column the template lacks, so the CLI prints a note once reading and checking
    are done, straight before it commits (unbuffered, so the line arrives at once). From that
    line until "Saved upload" the process is in ``commit``. One kill comes halfway through
    the time the full run spent there before touching the disk (diff, deletes, inserts in
    memory); another as soon as the database file grows, which DuckDB does when it writes a
    large insert's rows into the file before COMMIT. A kill counts as in the transaction
    only if it was still running (killed by the signal), had printed the note, had not
    reported the upload saved, and left no WAL: such a kill must leave the database exactly
    as before.
    """
    pristine = tmp_path / "pristine.duckdb"
    subprocess.run([sys.executable, "-m", "qi_dash", "demo", "--db", str(pristine)], cwd=REPO, check=True,
                   capture_output=True)
    rows = demo_rows(BIG_ROWS)  # new rows for every team and measure, and changes to the demo's
    rows.insert(len(rows.columns), "entered_by", "ward clerk")  # not in the template: the CLI notes it
    big = canonical_csv(tmp_path / "big.csv", rows)
    before = export_file(pristine)

    def fresh() -> Path:
        db = tmp_path / "qi.duckdb"
        for leftover in tmp_path.glob("qi.duckdb*"):
            leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
        shutil.copy(pristine, db)
        return db

    # One upload to the end: the state after, and when each stage began on this machine.
    db = fresh()
    whole = run_upload(db, big)
    assert whole.returncode == 0 and whole.saved is not None, whole.lines
    assert None not in (whole.note, whole.wal) and whole.note < whole.wal < whole.saved
    after = export_file(db)
    assert after != before
    writes_before_commit = whole.grew is not None and whole.grew < whole.wal
    quiet = (whole.grew if writes_before_commit else whole.wal) - whole.note

    moments = {
        "reading": lambda w, now: now >= 0.5 * whole.note,
        "write transaction": lambda w, now: w.note is not None and now >= w.note + 0.5 * quiet,
        "write transaction, rows on disk": lambda w, now: w.grew is not None or w.wal is not None,
        "committing": lambda w, now: w.wal is not None,
        "after commit": lambda w, now: w.saved is not None,
    }
    if not writes_before_commit:
        del moments["write transaction, rows on disk"]
    landed = []
    for intended, kill_when in moments.items():
        for _ in range(3):  # timing on a busy machine may miss a stage; try it again
            db = fresh()
            watch = run_upload(db, big, kill_when)
            state, stage = export_file(db), watch.stage()
            landed.append((stage, "before" if state == before else "after" if state == after else "neither"))
            assert state in (before, after), f"killed at {stage}: the database is neither as before nor as after"
            if stage in ("reading", "write transaction", "write transaction, rows on disk"):
                assert state == before, f"killed at {stage}, before any commit, yet the upload was kept"
            if stage == "after commit":
                assert state == after, "an upload the CLI reported saved was lost"
            if stage == intended:
                break
    assert ("write transaction", "before") in landed, landed
    assert not writes_before_commit or ("write transaction, rows on disk", "before") in landed, landed
