"""The ``Store``'s methods for a team's learning records: PDSA cycles, aims, target
trajectories, a unit's people and phase changes (their SQL is in ``cycles``, ``aims`` and
``phases``). Kept apart from ``database`` by concern; ``Store`` inherits them, so callers see
one store."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from qi_dash.access import Actor, Right, acting, recorded, require
from qi_dash.aims import Aim
from qi_dash.pdsa import PdsaCycle
from qi_dash.phases import as_it_was
from qi_dash.store import aims, cycles, phases, summary


class TeamRecords:
    """Mixed into ``Store``: uses its ``_cursor``, ``_write``, ``_who`` and ``hierarchy``."""

    # -- PDSA cycles ------------------------------------------------------------------------

    def pdsa_cycles(self, units: list[str] | None = None, as_of: datetime | None = None) -> pd.DataFrame:
        """Each PDSA cycle as it is now, or as it stood at ``as_of`` (of ``units``, or all), in
        Plan date order (``store.cycles``)."""
        with self._cursor() as cur:
            return cycles.read_cycles(cur, units, as_of)

    def pdsa_cycle_versions(self, cycle_id: int) -> pd.DataFrame:
        """Every version of a cycle, newest first, with who saved it and when."""
        with self._cursor() as cur:
            return cycles.read_versions(cur, cycle_id)

    def save_pdsa_cycle(self, cycle: PdsaCycle, by: Actor | str | None = None) -> int:
        """Record a new cycle (``cycle_id`` None) or save an edit as its next version; returns
        its id. PdsaError, and nothing written, if it cannot be saved; NotAllowed unless
        ``by`` may record cycles for its unit (and, for an edit, the unit it was for)."""
        checked = cycle.checked({d.code for d in self.definitions()})
        actor, who = acting(by), self._who(by, Right.PDSA, [checked.unit])

        def work(cur):
            if checked.cycle_id is not None and (stored := cycles.read_cycle(cur, checked.cycle_id)) is not None:
                require(actor, Right.PDSA, [stored.unit], self.hierarchy())
            if checked.cycle_id is None:
                return cycles.add(cur, [checked], who)[0]
            cycles.edit(cur, checked, who)
            return checked.cycle_id

        return self._write(work)

    def add_pdsa_cycles(self, new: list[PdsaCycle], by: Actor | str | None = None) -> list[int]:
        """Record many new cycles in one transaction (all or none); returns their ids."""
        known = {d.code for d in self.definitions()}
        checked = [cycle.checked(known) for cycle in new]
        who = self._who(by, Right.PDSA, sorted({c.unit for c in checked}))
        return self._write(lambda cur: cycles.add(cur, checked, who))

    # -- aims, target trajectories and a unit's people (store/aims.py) ---------------------

    def aims(self, as_of: datetime | None = None) -> list[Aim]:
        """The current aims, or those in force at ``as_of`` as they stood then."""
        if as_of is not None:
            return self._in_cursor(aims.read_aims, as_of)
        return self._cached("aims", lambda: self._in_cursor(aims.read_aims))

    def aim_versions(self, aim_id: int) -> pd.DataFrame:
        return self._in_cursor(aims.read_aim_versions, aim_id)

    def save_aims(self, to_save: list[Aim], by: Actor | str | None = None, *, delete: bool = False) -> list[int]:
        """Record each aim as its next version (or a new aim), or as deleted; returns their ids."""
        who = self._who(by, Right.AIMS, sorted({a.unit for a in to_save}))
        return self._write(lambda cur: aims.save_aims(cur, to_save, who, deleted=delete))

    def target_steps(self, as_of: datetime | None = None) -> pd.DataFrame:
        """The trajectories' steps now, or as they stood at ``as_of``."""
        if as_of is not None:
            return self._in_cursor(aims.read_target_steps, as_of)
        return self._cached("target_steps", lambda: self._in_cursor(aims.read_target_steps)).copy()

    def target_versions(self, unit: str, measure: str) -> pd.DataFrame:
        return self._in_cursor(aims.read_target_versions, unit, measure)

    def save_targets(self, steps: pd.DataFrame, by: Actor | str | None = None) -> int:
        """Save trajectories (``store.aims.save_targets``); the assurance of every series of
        their measures is refreshed in the same transaction (a directorate's or everyone's
        trajectory reaches teams that follow it)."""
        who = self._who(by, Right.AIMS, steps["unit"].dropna().unique().tolist())

        def work(cur):
            saved = aims.save_targets(cur, steps, who)
            if saved:
                summary.refresh_measures(cur, sorted(set(steps["measure"])))
            return saved

        return self._write(work)

    def people(self, as_of: datetime | None = None) -> pd.DataFrame:
        """Each unit's coach and sponsor now, or as they were recorded by ``as_of``."""
        if as_of is not None:
            return self._in_cursor(aims.read_people, as_of)
        return self._cached("people", lambda: self._in_cursor(aims.read_people)).copy()

    def people_versions(self, unit: str) -> pd.DataFrame:
        return self._in_cursor(aims.read_people_versions, unit)

    def save_people(self, people: pd.DataFrame, by: Actor | str | None = None) -> int:
        who = self._who(by, Right.AIMS, people["unit"].dropna().unique().tolist())
        return self._write(lambda cur: aims.save_people(cur, people, who))

    def _in_cursor(self, read, *args):
        with self._cursor() as cur:
            return read(cur, *args)

    # -- phase changes (store/phases.py) ---------------------------------------------------

    def phase_changes(self, units: list[str] | None = None, measures: list[str] | None = None,
                      as_of: datetime | None = None) -> pd.DataFrame:
        """Every phase change (``phases.FRAME_COLUMNS``), undone ones too, unit × measure × period
        order: as they stood at ``as_of``, when given (``qi_dash.phases.as_it_was``)."""
        with self._cursor() as cur:
            return as_it_was(phases.read(cur, units, measures), as_of)

    def add_phase_changes(self, changes: pd.DataFrame, recorded_by: Actor | str | None = None) -> list[int]:
        """Record phase changes (columns unit, measure, period, kind, reason, cycle_id); their ids."""
        who = self._who(recorded_by, Right.PHASES, changes["unit"].dropna().unique().tolist())

        def work(cur):
            ids = phases.add(cur, changes, who)
            summary.refresh(cur, changes[["unit", "measure"]])  # the series' limits moved
            return ids

        return self._write(work)

    def add_phase_change(self, unit: str, measure: str, period, kind: str, reason: str,
                         recorded_by: Actor | str | None = None, cycle_id: int | None = None) -> int:
        """Record one phase change; its id."""
        row = pd.DataFrame([{"unit": unit, "measure": measure, "period": period, "kind": kind, "reason": reason,
                             "cycle_id": cycle_id}])
        return self.add_phase_changes(row, recorded_by)[0]

    def undo_phase_change(self, change_id: int, by: Actor | str | None = None) -> None:
        """Record that a phase change no longer holds (kept, with who undid it and when)."""
        actor, tree, who = acting(by), self.hierarchy(), recorded(by)

        def work(cur):
            series = phases.undo(cur, change_id, who)
            require(actor, Right.PHASES, series["unit"].tolist(), tree)
            summary.refresh(cur, series)

        self._write(work)
