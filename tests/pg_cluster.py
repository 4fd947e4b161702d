"""A throwaway PostgreSQL server for the tests: a cluster made by ``initdb`` in a temporary
folder, listening only on a Unix socket there, started as an ordinary user (``initdb``
refuses root: as root the server runs as ``postgres`` or ``nobody``), fast and unsafe
(no fsync), stopped and removed at the end of the run. Each test gets its own database,
copied from a template (``CREATE DATABASE … TEMPLATE``), which takes milliseconds."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (``pg_config --bindir``, else Debian's)."""
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _server_user() -> str | None:
    """Who runs the server: this user, or (as root) an ordinary one."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root with neither a postgres nor a nobody user to run PostgreSQL as")


class Cluster:
    """A running throwaway server; ``database(template)`` makes a fresh database, its address."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="qipg-", dir="/tmp"))  # short: a socket path is limited
        self.user = _server_user()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._names = itertools.count(1)
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = (f"-c listen_addresses='' -k {self.folder} -c fsync=off -c full_page_writes=off "
                   "-c synchronous_commit=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "log"), "-w",
                  "start")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")

    def address(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.address("postgres"), autocommit=True) as con:
            con.execute(sql)

    def create(self, name: str, template: str | None = None) -> str:
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.address(name)

    def database(self, template: str | None = None) -> str:
        """A new database (a copy of ``template``, or empty); its address."""
        return self.create(f"test_{next(self._names)}", template)

    @staticmethod
    def name(address: str) -> str:
        """The database an address names (its host, a socket folder, is a path too)."""
        return address.split("?", 1)[0].rsplit("/", 1)[1]

    def end_connections(self, address: str) -> None:
        """End every connection to the database (as a server restart does), returning once they are gone."""
        with psycopg.connect(self.address("postgres"), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          [self.name(address)])
            while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                [self.name(address)]).fetchone()[0]:
                time.sleep(0.01)  # the server ends them a moment after being asked

    def drop(self, address: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name(address)}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
