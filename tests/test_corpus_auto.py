"""Every corpus file through the mapping the Upload form opens with (``--mapping auto``): the
proposal alone gives exactly the file's rows, and leaves at most the case's number of choices
to the user (a guess the detector is not sure of is a choice the user must check)."""

from __future__ import annotations

import pytest
from corpus import CASES, normalised

from qi_dash.ingest.detect import SURE
from qi_dash.upload import AUTO, Step, plan_upload

# Layouts the mapping cannot yet express, each a known gap of issue 9 (strict: a fix fails
# the run until its case is taken off this list).
NOT_YET: dict[str, str] = {}


def _cases():
    for case in CASES:
        marks = [pytest.mark.xfail(reason=NOT_YET[case.name], strict=True)] if case.name in NOT_YET else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", _cases())
def test_the_proposed_mapping_gives_exactly_the_files_rows(case, demo_store):
    plan = plan_upload(demo_store, case.build(), case.file_name, mapping=AUTO)
    assert plan.next_step is Step.PREVIEW, [str(p) for p in plan.problems]
    assert normalised(plan.changes).equals(case.expected)
    guesses = plan.proposal.confidence if plan.proposal else {}
    unsure = [name for name, confidence in guesses.items() if confidence < SURE and name != "unmapped"]
    assert len(unsure) <= case.max_choices, {name: plan.proposal.why[name] for name in unsure}
