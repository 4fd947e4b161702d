"""Faults during an upload: two people saving at the same moment, and a process killed while
it uploads. Nothing may be lost or half-written.

Two uploads at once go through one Store (as the app's sessions do), each planning and
committing on its own thread: both succeed, one after the other under the process-wide write
lock, or one is told plainly to try again. A CLI upload of a large file killed with SIGKILL
leaves the database exactly as before it, or — only once the commit is made — exactly as
after it, whenever the kill lands.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from qi_dash import cli
from qi_dash.store import StalePreview, Store, StoreConflict, UploadSummary
from qi_dash.upload import commit, plan_upload
from tests.builders import canonical_csv, csv_bytes, demo_rows
from tests.conftest import REPO, Contents

RETRY = "Someone else saved changes at the same moment; nothing of yours was saved. Please try again."


# --- two uploads at the same moment ------------------------------------------------------------

BOTH_ENGINES = True  # store tests run on DuckDB and PostgreSQL (conftest.engine)


def weekly_file(team: str, start: date, weeks: int, offset: int) -> bytes:
    """A team's weekly counts and scores for ``weeks`` Mondays from ``start``; files with
    different offsets differ in every value."""
    lines = []
    for i in range(weeks):
        monday = f"{pd.Timestamp(start) + pd.Timedelta(weeks=i):%d/%m/%Y}"
        lines += [f"{team},HUDDLES,{monday},,,{(i + offset) % 40},",
                  f"{team},RESTRAINT,{monday},,,{(i * 7 + offset) % 9},",
                  f"{team},SAFE_SCORE,{monday},,,{(i + offset) % 100 / 10},note {offset}"]
    return csv_bytes(*lines)


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
        except (StoreConflict, StalePreview) as refused:
            outcomes[name] = refused

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
        if isinstance(outcome, StalePreview):  # the other saved the same rows after this preview
            assert str(outcome).startswith("The data changed since this preview (another upload (")
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

# More new rows than a DuckDB row group (122,880): the insert writes rows into the database file
# before COMMIT, so a kill just before COMMIT leaves uncommitted rows on disk.
BIG_ROWS = 130_000

# The moments of a CLI upload, in order, each marked by the process as it reaches it: "plan",
# reading and checking the file begins; "commit", they are done (the notes printed) and the
# write transaction begins; "COMMIT", every row is written and the COMMIT statement is next;
# "committed", it has returned; "close" and "closed", the database is closed after it (a checkpoint).
MOMENTS = ("plan", "commit", "COMMIT", "committed", "close", "closed")


def upload_marking_moments(db: str, data: str, log: str, kill_at: str | None, delay: float) -> int:
    """``python -m qi_dash upload DATA --db DB``, run in a forked process: everything it prints,
    and a line "@moment seconds" as it reaches each moment, goes to LOG (line by line, so a
    killed process leaves every line it got to); at ``kill_at`` it sends itself SIGKILL, at
    once or ``delay`` seconds later while it carries on."""
    signal.alarm(300)  # an upload that hangs dies rather than hanging the test
    out = open(log, "w", buffering=1)  # noqa: SIM115 - open until the process ends
    sys.stdout = sys.stderr = out
    started = time.perf_counter()

    marks: list[str] = []

    def reached(moment: str) -> None:
        marks.append(moment)
        out.write(f"@{moment} {time.perf_counter() - started:.4f}\n")
        if moment == kill_at and delay:
            threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL)).start()
        elif moment == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)  # delivered before the call returns

    def marking(moment, fn):
        def marked(*args, **kwargs):
            reached(moment)
            return fn(*args, **kwargs)
        return marked

    class Wrapping:
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

    class Cursor(Wrapping):
        """DuckDB's cursor, marking the COMMIT statement as it starts and returns."""

        def __enter__(self):
            self._inner.__enter__()
            return self

        def __exit__(self, *exc):
            return self._inner.__exit__(*exc)

        def execute(self, sql, *args):
            if sql == "COMMIT":
                reached("COMMIT")
            result = self._inner.execute(sql, *args)
            if sql == "COMMIT":
                reached("committed")
            return result

    class Connection(Wrapping):
        """DuckDB's connection, whose cursors mark COMMIT, marking its close."""

        def cursor(self):
            return Cursor(self._inner.cursor())

        def close(self):
            # The store lets the file go between units of work too; the close that matters is
            # the one after COMMIT, which folds the log into the file (a checkpoint).
            after_commit = "committed" in marks
            if after_commit:
                reached("close")
            self._inner.close()
            if after_commit:
                reached("closed")

    connect = duckdb.connect
    duckdb.connect = lambda *args, **kwargs: Connection(connect(*args, **kwargs))
    cli.plan_upload, cli.commit = marking("plan", cli.plan_upload), marking("commit", cli.commit)
    return cli.main(["upload", data, "--db", db])


def serve_forks() -> None:
    """A process that has imported the app once and forks a fresh process for each upload
    asked of it, so that each killed upload is a process of its own without paying Python's
    start-up again. Each line on stdin is a JSON list of uploads (their arguments), run side
    by side; the answer is a line of their exit statuses."""
    for line in sys.stdin:
        pids = [_forked(args) for args in json.loads(line)]
        print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]), flush=True)


def _forked(args: list) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            code = upload_marking_moments(*args)
        except BaseException:
            traceback.print_exc()
            code = 70
        sys.stdout.flush()
        os._exit(code)
    return pid


@dataclass(frozen=True)
class Run:
    """One CLI upload: its exit status (``-SIGKILL`` if killed), its lines (with the moments'
    marks), and what was on disk once it had ended."""

    status: int
    lines: list[str]
    wal_left: bool
    grew: bool  # the database file is larger than before the upload

    @property
    def moments(self) -> dict[str, float]:
        """The moments reached, in order, with when (seconds from the start)."""
        marks = [line[1:].split() for line in self.lines if line.startswith("@")]
        return {moment: float(at) for moment, at in marks}

    @property
    def killed(self) -> bool:
        return self.status == -signal.SIGKILL

    @property
    def last(self) -> str | None:
        return next(reversed(self.moments), None)

    def line(self, start: str) -> int:
        return next(i for i, line in enumerate(self.lines) if line.startswith(start))

    def __str__(self) -> str:
        how = f"killed after '{self.last}'" if self.killed else f"ended with status {self.status}"
        disk = ", WAL left" * self.wal_left + ", rows on disk" * self.grew
        return f"{how}{disk} ({' | '.join(self.lines)})"


class Uploads:
    """Runs CLI uploads of one file, each into a fresh copy of one database in a folder of its
    own, in processes forked by ``serve_forks``."""

    def __init__(self, pristine: Path, data: Path, directory: Path):
        self.pristine, self.data, self.directory = pristine, data, directory
        self.server = subprocess.Popen(
            [sys.executable, "-c", "import sys; sys.path.insert(0, 'tests'); "
             "from test_upload_faults import serve_forks; serve_forks()"],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, *kills: tuple[str | None, float]) -> list[tuple[Run, Path]]:
        """One upload per (``kill_at``, ``delay``), side by side; ``kill_at`` None runs to the end."""
        folders = [Path(tempfile.mkdtemp(dir=self.directory)) for _ in kills]
        for folder in folders:
            shutil.copy(self.pristine, folder / "qi.duckdb")
        jobs = [[str(f / "qi.duckdb"), str(self.data), str(f / "upload.log"), *kill] for f, kill in zip(folders, kills)]
        self.server.stdin.write(json.dumps(jobs) + "\n")
        self.server.stdin.flush()
        runs = []
        for folder, status in zip(folders, json.loads(self.server.stdout.readline())):
            db = folder / "qi.duckdb"
            wal_left, grew = Path(f"{db}.wal").exists(), db.stat().st_size > self.pristine.stat().st_size
            runs.append((Run(status, (folder / "upload.log").read_text().splitlines(), wal_left, grew), db))
        return runs

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=60)


def test_a_killed_upload_leaves_the_database_as_before_or_as_after_never_between(demo_db, tmp_path):
    """SIGKILL at each stage of a 130,000-row CLI upload, on a fresh copy of a demo database.

    The upload process marks each moment as it reaches it, before going on (a line in its
    log), and kills itself at a chosen one: at once, or after half the time the whole upload
    spent before the next moment (the killed uploads run side by side, so each may run slower
    than the whole one did). Whatever the timing, the marks it left say where it was:
    killed before COMMIT began, the database opens exactly as before (even with the
    transaction's rows already written into the file); killed once COMMIT had returned,
    exactly as after; killed anywhere, as one or the other: the same data version, uploads
    and observations.
    """
    uploads = Uploads(demo_db, tmp_path / "big.csv", tmp_path)  # starts importing the app meanwhile
    try:
        rows = demo_rows(BIG_ROWS)  # new rows for every team and measure, and changes to the demo's
        rows.insert(len(rows.columns), "entered_by", "ward clerk")  # not in the template: the CLI notes it
        canonical_csv(uploads.data, rows)
        before = Contents.of_file(demo_db)

        # One upload to the end (the state after, and when it reached each moment), beside the
        # kills that need no timing: as COMMIT is about to start, and once it has returned.
        at_once = [("COMMIT", 0), ("committed", 0)]
        [(whole, db), *killed] = uploads.run((None, 0), *at_once)
        assert whole.status == 0, whole
        assert [line.split()[0] for line in whole.lines if line.startswith("@")] == [f"@{m}" for m in MOMENTS]
        assert whole.line("Note:") < whole.line("@commit ") and whole.line("@committed") < whole.line("Saved upload")
        after = Contents.of_file(db)
        assert after != before

        def half_to_next(moment: str) -> float:
            return (whole.moments[MOMENTS[MOMENTS.index(moment) + 1]] - whole.moments[moment]) / 2

        timed = [("plan", half_to_next("plan")), ("commit", half_to_next("commit")), ("COMMIT", half_to_next("COMMIT")),
                 ("close", half_to_next("close"))]
        killed += uploads.run(*timed)
        for (kill_at, delay), (run, db) in zip(at_once + timed, killed):
            if not delay:
                assert run.killed and run.last == kill_at, run
            state = Contents.of_file(db)
            assert state in (before, after), f"{run}: the database is neither as before nor as after"
            if "COMMIT" not in run.moments or (kill_at == "COMMIT" and not delay):
                assert state == before, f"{run}: killed before COMMIT began, yet the upload was kept"
            if "committed" in run.moments:
                assert state == after, f"{run}: COMMIT had returned, yet the upload was lost"
    finally:
        uploads.close()
